"""Test settings: PostgreSQL and Redis from the environment (make test starts them)."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Tests run queued tasks inline; the worker integration test turns this off to use a real worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Serve static files through the finders, as runserver does: no collectstatic before tests.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Every response a test sees is read for numbers in exponent form (tests/document_guard.py).
MIDDLEWARE = ["tests.document_guard.ExponentGuardMiddleware", *MIDDLEWARE]
