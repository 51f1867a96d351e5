"""API of contracts."""

urlpatterns: list = []
