"""Test settings: PostgreSQL and Redis from the environment (make test starts them)."""

import os
import re

# pytest-xdist: each worker has its own test database (pytest-django names it) and its own Redis database
# (gw0 → 1, gw1 → 2, …), so one worker's Celery tasks, locks and beat keys never reach the other's.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = re.sub(r"(/\d*)?$", f"/{int(_worker[2:]) + 1}", os.environ["REDIS_URL"], count=1)

from .base import *  # noqa: E402, F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Tests run queued tasks inline; the worker integration test turns this off to use a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Tests log in administrators and finance without a second factor; tests/procurement/test_two_factor.py turns
# it on.
TWO_FACTOR_REQUIRED = False
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Serve static files through the finders, as runserver does: no collectstatic before tests.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Every response a test sees is read for numbers in exponent form (tests/document_guard.py).
MIDDLEWARE = ["tests.document_guard.ExponentGuardMiddleware", *MIDDLEWARE]
