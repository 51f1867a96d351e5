from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class CatalogsConfig(AppConfig):
    """Catalog uploads: staged, validated, diffed against the live catalog, published when a buyer approves."""

    name = "catalogs"
    label = "catalogs"
    verbose_name = gettext_lazy("Catalog uploads")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The Celery tasks are registered once the models are loaded (services find them by name).
        from . import tasks  # noqa: F401
