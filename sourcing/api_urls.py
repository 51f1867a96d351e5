"""API of sourcing."""

urlpatterns: list = []
