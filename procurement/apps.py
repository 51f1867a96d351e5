from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Procurement"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the deployment checks
        from .metrics import database_metrics_connect

        database_metrics_connect()
        # The embedded default's broker is a folder (settings CELERY_DIR): web and worker processes both need it.
        if settings.CELERY_BROKER_URL.startswith("filesystem://"):
            options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
            for key in ("data_folder_in", "data_folder_out", "control_folder"):
                Path(str(options[key])).mkdir(parents=True, exist_ok=True)
