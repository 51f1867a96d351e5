"""Pages of sourcing."""

app_name = "sourcing"
urlpatterns: list = []
