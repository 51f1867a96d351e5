from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ReceivingConfig(AppConfig):
    """Goods receipts: what arrived against which purchase-order line, and reversals."""

    name = "receiving"
    label = "receiving"
    verbose_name = gettext_lazy("Goods receipts")
    default_auto_field = "django.db.models.BigAutoField"
