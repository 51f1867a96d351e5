from django.apps import AppConfig


class RequisitionsConfig(AppConfig):
    name = "requisitions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # App-registry timing: the Celery tasks are registered once the models are loaded, so services can
        # enqueue them by name (services.imports) without importing the task module that imports them.
        from . import tasks  # noqa: F401
