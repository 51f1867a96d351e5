from django.apps import AppConfig


class OrdersConfig(AppConfig):
    """Purchase orders: generated from approved requisitions, sent to suppliers, and their answers."""

    name = "orders"
    label = "orders"
    verbose_name = "Purchase orders"
    default_auto_field = "django.db.models.BigAutoField"
