from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class SourcingConfig(AppConfig):
    """Requests for quotation, quotes, the committee's evaluation and awards."""

    name = "sourcing"
    label = "sourcing"
    verbose_name = gettext_lazy("Sourcing")
    default_auto_field = "django.db.models.BigAutoField"
