"""Settings of the `celery beat` and `celery worker` processes that tests/test_two_beats.py starts: the test
settings with tasks queued on the test Redis (beat with eager tasks would run them itself)."""

from procurement.observability import logging_config
from procurement.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False
# Beat and workers log through Django's logging (procurement.observability): the base console logging, so the
# test reads beat's "Sending due task" lines.
LOGGING = logging_config(log_format="text", level="INFO")
