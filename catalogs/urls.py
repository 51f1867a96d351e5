"""Pages of catalogs."""

app_name = "catalogs"
urlpatterns: list = []
