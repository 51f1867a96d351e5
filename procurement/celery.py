"""The Celery app: Redis broker when REDIS_URL is set, otherwise a folder on this machine (settings.base)."""

import os

from celery import Celery

from .observability import celery_signals_connect

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings.dev")

# Every queue a task is routed to (settings CELERY_TASK_ROUTES); a worker started with `-Q` and all of these
# runs every task. docs/deploy.md says which to give their own workers.
QUEUES = ("celery", "orders", "imports", "notifications", "timers")

app = Celery("procurement")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# A task enqueued during a request runs under the request's id (logs, error reports); Django's logging stays.
celery_signals_connect()
