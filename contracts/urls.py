"""Pages of contracts."""

app_name = "contracts"
urlpatterns: list = []
