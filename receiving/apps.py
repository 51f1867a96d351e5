from django.apps import AppConfig


class ReceivingConfig(AppConfig):
    """Goods receipts: what arrived against which purchase-order line, and reversals."""

    name = "receiving"
    label = "receiving"
    verbose_name = "Goods receipts"
    default_auto_field = "django.db.models.BigAutoField"
