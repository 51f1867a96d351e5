from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class OrdersConfig(AppConfig):
    """Purchase orders: generated from approved requisitions, sent to suppliers, and their answers."""

    name = "orders"
    label = "orders"
    verbose_name = gettext_lazy("Purchase orders")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # App-registry timing: the Celery tasks are registered once the models are loaded, so services can
        # enqueue them by name (orders.transmission) without importing the task module that imports them.
        from . import tasks  # noqa: F401
