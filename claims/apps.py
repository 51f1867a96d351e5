from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ClaimsConfig(AppConfig):
    """Claims on deliveries: a receiver's claim on a goods receipt line, the supplier's answer, the credit note."""

    name = "claims"
    label = "claims"
    verbose_name = gettext_lazy("Claims on deliveries")
    default_auto_field = "django.db.models.BigAutoField"
