"""Production: PostgreSQL, Redis, gunicorn, Celery workers and beat. Everything from the environment."""

import os

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from procurement.observability import logging_config

from .base import *  # noqa: F403
from .base import DEV_SECRETS_ENCRYPTION_KEY, env_bool, env_list

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set in production")

# Comma-separated Fernet keys, newest first (see base.py); no default here.
SECRETS_ENCRYPTION_KEYS = env_list("SECRETS_ENCRYPTION_KEYS", "")
if not SECRETS_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "SECRETS_ENCRYPTION_KEYS must be set in production (comma-separated Fernet keys, newest first); generate "
        'one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
    )
if DEV_SECRETS_ENCRYPTION_KEY in SECRETS_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("SECRETS_ENCRYPTION_KEYS must not contain the published development key in production")
for _position, _key in enumerate(SECRETS_ENCRYPTION_KEYS, start=1):
    try:
        Fernet(_key)
    except ValueError:
        # The message names the position, never the key.
        raise ImproperlyConfigured(
            f"SECRETS_ENCRYPTION_KEYS: key {_position} is not a Fernet key (32 url-safe base64-encoded bytes)"
        ) from None

# PostgreSQL connections (docs/deploy.md "PostgreSQL and Redis"): by default each web thread and worker keeps
# its own connection for a minute (CONN_MAX_AGE, base.py). DATABASE_POOL_MAX_SIZE turns on Django's psycopg pool
# instead: each process holds at most that many (a pool needs CONN_MAX_AGE 0). DATABASE_PGBOUNCER=1 says the
# database is PgBouncer in transaction mode: no server-side cursors nor prepared statements (they would not outlive
# the transaction).
DATABASE_POOL_MAX_SIZE = int(os.environ.get("DATABASE_POOL_MAX_SIZE") or 0)
DATABASE_POOL_MIN_SIZE = int(os.environ.get("DATABASE_POOL_MIN_SIZE") or min(2, DATABASE_POOL_MAX_SIZE))
DATABASE_POOL_TIMEOUT = float(os.environ.get("DATABASE_POOL_TIMEOUT") or 30)
DATABASE_PGBOUNCER = env_bool("DATABASE_PGBOUNCER", False)
_database = DATABASES["default"]
if DATABASE_POOL_MAX_SIZE or DATABASE_PGBOUNCER:
    if _database["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_POOL_MAX_SIZE and DATABASE_PGBOUNCER need a PostgreSQL DATABASE_URL")
    if DATABASE_POOL_MAX_SIZE and DATABASE_PGBOUNCER:
        raise ImproperlyConfigured(
            "Set DATABASE_POOL_MAX_SIZE or DATABASE_PGBOUNCER, not both: PgBouncer already pools the connections"
        )
if DATABASE_POOL_MAX_SIZE:
    if not 0 < DATABASE_POOL_MIN_SIZE <= DATABASE_POOL_MAX_SIZE:
        raise ImproperlyConfigured("DATABASE_POOL_MIN_SIZE must be between 1 and DATABASE_POOL_MAX_SIZE")
    _database["CONN_MAX_AGE"] = 0
    _database["OPTIONS"] = {
        **_database.get("OPTIONS", {}),
        "pool": {
            "min_size": DATABASE_POOL_MIN_SIZE,
            "max_size": DATABASE_POOL_MAX_SIZE,
            "timeout": DATABASE_POOL_TIMEOUT,
        },
    }
if DATABASE_PGBOUNCER:
    _database["DISABLE_SERVER_SIDE_CURSORS"] = True
    # Nor prepared statements: the next transaction may run on another server connection.
    _database["OPTIONS"] = {key: value for key, value in _database["OPTIONS"].items() if key != "prepare_threshold"}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "procurement.storage.StaticFilesStorage"},
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Load balancers and orchestrators probe health, and Prometheus scrapes, over plain HTTP inside the network:
# no redirect for them.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# One JSON object a line (timestamp, level, logger, message, request_id, exception); LOG_FORMAT=text for plain.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING = logging_config(log_format=LOG_FORMAT, level=os.environ.get("LOG_LEVEL", "INFO"))

SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Cookies over HTTPS only; the session cookie is out of reach of scripts (Django's default, stated here).
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

# Outgoing mail over SMTP; the environment names the relay.
MAILERS = {
    "default": {
        "BACKEND": os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        "OPTIONS": {
            "host": os.environ.get("SMTP_HOST", "localhost"),
            "port": int(os.environ.get("SMTP_PORT", "25")),
            "username": os.environ.get("SMTP_USER", ""),
            "password": os.environ.get("SMTP_PASSWORD", ""),
            "use_tls": env_bool("SMTP_USE_TLS", False),
            "timeout": 20,
        },
    }
}

# Webhooks leave for https addresses only.
WEBHOOK_HTTPS_ONLY = env_bool("WEBHOOK_HTTPS_ONLY", True)
