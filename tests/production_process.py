"""How tests start a process the way production does: the production settings and their required variables,
without the test run's settings module and database, plus what the test sets."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "procurement.settings.prod",
    "SECRET_KEY": "production-process-dummy-secret-key-not-for-use-0123456789abc",
    "ALLOWED_HOSTS": "example.com",
    "REDIS_URL": "",
    "SECRETS_ENCRYPTION_KEYS": "ZGVwbG95LWNoZWNrLWR1bW15LWtleS1ub3QtNC11c2U=",  # the Makefile's check key
}
# What the test run's own environment may hold that a production process would not have.
NOT_INHERITED = {
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DEBUG",
    "LOG_FORMAT",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "DATABASE_POOL_MAX_SIZE",
    "DATABASE_POOL_MIN_SIZE",
    "DATABASE_POOL_TIMEOUT",
    "DATABASE_PGBOUNCER",
}


def production_environment(database_url: str, **variables: str) -> dict[str, str]:
    inherited = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    return inherited | PROD_ENV | {"DATABASE_URL": database_url} | variables


def production_manage(database_url: str, *args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """`manage.py <args>` run as a production machine would, its output captured."""
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, str(REPO / "manage.py"), *args],
        cwd=REPO,
        env=production_environment(database_url, **variables),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
