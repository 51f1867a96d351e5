"""API of catalogs."""

urlpatterns: list = []
