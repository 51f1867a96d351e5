"""System checks of the deployment (`manage.py check --deploy`)."""

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.async_support, deploy=True)
def check_shared_broker(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Production needs Redis: without REDIS_URL tasks queue in a folder of the machine that queued them."""
    if str(settings.CELERY_BROKER_URL).startswith("filesystem://"):
        return [
            checks.Warning(
                "REDIS_URL is not set: tasks queue in a folder on this machine (the embedded default of `make run`), "
                "where workers on other machines never see them.",
                hint="Set REDIS_URL to the shared Redis on every web, worker and beat machine (docs/deploy.md).",
                id="procurement.W200",
            )
        ]
    return []
