from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ContractsConfig(AppConfig):
    """Contracts and framework agreements: pages, API, cap burn-down, expiry and cap alerts."""

    name = "contracts"
    label = "contracts"
    verbose_name = gettext_lazy("Contracts")
    default_auto_field = "django.db.models.BigAutoField"
