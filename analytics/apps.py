from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AnalyticsConfig(AppConfig):
    """What finance and purchasing take out of the system: scheduled reports of any list (and spend analytics)."""

    name = "analytics"
    label = "analytics"
    verbose_name = gettext_lazy("Analytics")
    default_auto_field = "django.db.models.BigAutoField"
