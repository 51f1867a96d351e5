"""Settings shared by every environment; everything that differs comes from the environment."""

import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.utils.csp import CSP

from procurement.observability import logging_config, sentry_init

# Lets Django's generic classes be subscripted at run time, as the type stubs expect.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-local-development-key-change-me")
# Fernet keys that encrypt supplier and ERP client shared secrets and OCI passwords at rest
# (procurement/encryption.py): comma-separated, newest first; the first encrypts, all decrypt.
# Development and tests use this published key (base64 of "dev-and-test-only-key-not-secret");
# production refuses to start with it or without SECRETS_ENCRYPTION_KEYS.
DEV_SECRETS_ENCRYPTION_KEY = "ZGV2LWFuZC10ZXN0LW9ubHkta2V5LW5vdC1zZWNyZXQ="
SECRETS_ENCRYPTION_KEYS = env_list("SECRETS_ENCRYPTION_KEYS", DEV_SECRETS_ENCRYPTION_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
# Where people reach this server: links in e-mails start with it.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# How long a supplier's link to answer a claim on a delivery works (claims.links); an answer spends it sooner.
CLAIM_LINK_MAX_AGE_DAYS = int(os.environ.get("CLAIM_LINK_MAX_AGE_DAYS", "30"))
# Our own cXML identity: the To of documents sent to us, the From of those we send (domain DUNS).
CXML_IDENTITY = os.environ.get("CXML_IDENTITY", "ACME-CATALOG")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "django_otp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "viewflow",
    "viewflow.workflow",
    "procurement.apps.ProcurementConfig",
    "requisitions.apps.RequisitionsConfig",
    "budgets.apps.BudgetsConfig",
    "approvals.apps.ApprovalsConfig",
    "punchout.apps.PunchoutConfig",
    "orders.apps.OrdersConfig",
    "receiving.apps.ReceivingConfig",
    "invoices.apps.InvoicesConfig",
    "notifications.apps.NotificationsConfig",
    "contracts.apps.ContractsConfig",
    "claims.apps.ClaimsConfig",
    "analytics.apps.AnalyticsConfig",
    "catalogs.apps.CatalogsConfig",
    "sourcing.apps.SourcingConfig",
    "identity.apps.IdentityConfig",
]

MIDDLEWARE = [
    # First: every response, redirects and errors included, carries the request's id and is counted.
    "procurement.observability.RequestIdMiddleware",
    "procurement.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language, or the language cookie) until the user is known ...
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): a second factor given in this session (django-otp) ...
    "django_otp.middleware.OTPMiddleware",
    # ... then the language of the user's profile, when it names one.
    "procurement.i18n.UserLanguageMiddleware",
    "requisitions.punchin_middleware.PunchinMiddleware",
    # ... asked of administrators and finance who signed in with a password (procurement.two_factor).
    "procurement.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "procurement.middleware.LegalEntityMiddleware",
    "procurement.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "procurement.urls"
WSGI_APPLICATION = "procurement.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",  # LANGUAGE_CODE, LANGUAGES for <html lang> and switches
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "procurement.context_processors.legal_entity",
                "requisitions.context_processors.cart",
                "approvals.context_processors.inbox",
                "analytics.context_processors.menu",
                "punchout.context_processors.inbound",
                "notifications.context_processors.unread_notifications",
            ],
            # p2p is not a Django app (it has no models): its tag library is named here.
            "libraries": {"p2p_tracker": "p2p.templatetags.p2p_tracker"},
        },
    },
]

# Content-Security-Policy of every page: scripts, styles, images and fonts from our own static files only;
# no inline script, no on*= handler, no style="" and no eval (htmx is told so by a meta tag in base.html).
# form-action is not 'self' alone: the punchout pages post the browser on to the ERP's HOOK_URL or a
# supplier's shop, whose hosts vary per connection and are checked against the allow-lists server-side;
# http(s) only, so no javascript: or data: form target. /api/docs/ adds data: images (swagger-ui's icons).
SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF, "https:", "http:"],
}

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serialises writers instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # psycopg prepares only the statements the code asks it to (procurement.sql.sql_prepared_cursor: the inbox
    # page); Django's own cursors bind values on the client and are never prepared. None turns it off (PgBouncer
    # in transaction mode, prod.py).
    DATABASES["default"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), "prepare_threshold": 5}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The session's user is read with its employee profile, in one query (procurement.auth_backends); identity's
# backend is that one refusing the password of a person whose company switched local passwords off (single
# sign-on, identity/). The backends after it stay listed so that sessions logged in before keep working; they
# never check a password (the first refuses wrong credentials for good).
AUTHENTICATION_BACKENDS = [
    "identity.backends.LocalPasswordBackend",
    "identity.backends.SingleSignOnBackend",
    "procurement.auth_backends.UserWithEmployeeBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Two-factor authentication (TOTP, procurement.two_factor): asked at a password login of superusers and of
# employees with one of these roles; they enrol an authenticator before using the app.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", True)
TWO_FACTOR_ROLES = ["admin", "finance"]
# The sign-in backends of a local (password) login; a single sign-on backend is not asked for a second factor.
TWO_FACTOR_PASSWORD_BACKENDS = [
    "identity.backends.LocalPasswordBackend",
    "procurement.auth_backends.UserWithEmployeeBackend",
    "django.contrib.auth.backends.ModelBackend",
]
OTP_TOTP_ISSUER = "Procurement"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
# The languages of the UI, e-mails, PDFs and API messages (issue 17). Names in their own language: a person
# finds theirs in the list whatever the page's language is now.
LANGUAGES = [("en", "English"), ("fr", "Français"), ("sv", "Svenska")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language a person picks on their profile is also kept in this cookie: the login page follows it.
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Uploaded files (contract attachments): kept out of the code's directory.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "punchout.middleware.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "punchout.middleware.NotPunchinUser",
        "procurement.api_tokens.TokenScopePermission",
        "procurement.idempotency.IdempotencyKeyPermission",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "procurement.api_errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}

# Idempotent POSTs (procurement.idempotency, docs/api.md): how long a key and its stored answer are kept, and
# after how long a claim without an answer is taken as abandoned.
IDEMPOTENCY_KEY_TTL = int(os.environ.get("IDEMPOTENCY_KEY_TTL", 24 * 3600))
IDEMPOTENCY_KEY_LOCK_SECONDS = 300

SPECTACULAR_SETTINGS = {
    "TITLE": "Procurement API",
    "DESCRIPTION": "Requisitions, approvals, budgets, punchout and purchase orders.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: no CDN in production or in tests.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The notification kinds are also the webhook events: one enum for both.
    "ENUM_NAME_OVERRIDES": {
        "NotificationKindEnum": "notifications.models.Kind",
        "FileFormatEnum": ["csv", "xlsx", "cif", "cxml", "cxml_index", "bmecat"],  # catalogs.CatalogUpload.Format
        "ScheduledReportFileFormatEnum": [("csv", "CSV"), ("xlsx", "XLSX")],
        "ClaimKindEnum": ["damaged", "short", "wrong_item", "late", "quality"],  # claims.Claim.Kind
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "procurement.idempotency.openapi_idempotency_header",
    ],
}

REDIS_URL = os.environ.get("REDIS_URL", "")
# One cache shared by every worker process (login throttling counts in it): Redis when there is one,
# otherwise files on this machine (CACHE_DIR), which the processes of the embedded default share.
CACHES: dict[str, dict[str, object]] = (
    {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    if REDIS_URL
    else {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("CACHE_DIR", str(BASE_DIR / "tmp" / "cache")),
        }
    }
)
# Celery: Redis in production; without REDIS_URL (the embedded default, `make run`) the broker is a folder on
# this machine (kombu's filesystem transport), which a real worker and beat started beside the web server read.
# The same task code runs either way; only tests may run tasks inline (settings/test.py).
CELERY_DIR = Path(os.environ.get("CELERY_DIR", BASE_DIR / "tmp" / "celery"))
CELERY_BROKER_URL = REDIS_URL or "filesystem://localhost/"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = (
    # Redis redelivers a task nobody acknowledged within this time: longer than the longest countdown (an
    # order retry waits up to an hour) plus a task's time limit, so a waiting retry is not run twice.
    {"visibility_timeout": 7200}
    if REDIS_URL
    else {
        "data_folder_in": str(CELERY_DIR / "queue"),
        "data_folder_out": str(CELERY_DIR / "queue"),
        "control_folder": str(CELERY_DIR / "control"),
        "store_processed": False,
    }
)
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_BEAT_SCHEDULE_FILENAME = str(CELERY_DIR / "beat-schedule")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Pool processes (or threads) per worker; Celery's default is one per core.
CELERY_WORKER_CONCURRENCY = (
    int(os.environ["CELERY_WORKER_CONCURRENCY"]) if os.environ.get("CELERY_WORKER_CONCURRENCY") else None
)
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queues (docs/deploy.md "Queues"): celery, orders, imports, notifications, timers; each can have its own
# workers. `celery` takes whatever is not routed (the worker heartbeat).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "orders.purchase_order_transmit": {"queue": "orders"},
    "requisitions.import_job_run": {"queue": "imports"},
    "procurement.notification_email_send": {"queue": "notifications"},
    "invoices.supplier_email_send": {"queue": "notifications"},
    "claims.supplier_email_send": {"queue": "notifications"},
    "notifications.webhook_deliver": {"queue": "notifications"},
    "notifications.webhook_deliveries_sweep": {"queue": "timers"},
    "notifications.daily_digest": {"queue": "timers"},
    "orders.purchase_order_transmissions_sweep": {"queue": "timers"},
    "approvals.approvals_escalate": {"queue": "timers"},
    "approvals.delegations_apply": {"queue": "timers"},
    "requisitions.import_jobs_sweep": {"queue": "timers"},
    "budgets.budget_balances_reconcile": {"queue": "timers"},
    "catalogs.upload_validate": {"queue": "imports"},
    "catalogs.upload_publish": {"queue": "imports"},
    "catalogs.uploads_sweep": {"queue": "timers"},
    "contracts.contract_alerts_send": {"queue": "timers"},
    "analytics.scheduled_reports_send": {"queue": "timers"},
    "analytics.scheduled_report_send": {"queue": "notifications"},
    "analytics.spend_refresh": {"queue": "timers"},
    "analytics.cycle_refresh": {"queue": "timers"},
}
# Beat names each task by its explicit Celery name (`name=` on the task), not its module path, so modules can move.
# Intervals in seconds; the environment may shorten them (the system tests do).
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "approvals-escalate": {
        "task": "approvals.approvals_escalate",
        "schedule": float(os.environ.get("APPROVALS_ESCALATE_EVERY_SECONDS", 15 * 60)),
    },
    "approvals-delegations": {
        "task": "approvals.delegations_apply",
        "schedule": float(os.environ.get("APPROVALS_DELEGATIONS_EVERY_SECONDS", 60 * 60)),
    },
    "orders-transmissions-sweep": {
        "task": "orders.purchase_order_transmissions_sweep",
        "schedule": float(os.environ.get("ORDERS_SWEEP_EVERY_SECONDS", 60)),
    },
    "imports-sweep": {
        "task": "requisitions.import_jobs_sweep",
        "schedule": float(os.environ.get("IMPORTS_SWEEP_EVERY_SECONDS", 60)),
    },
    "webhooks-sweep": {
        "task": "notifications.webhook_deliveries_sweep",
        "schedule": float(os.environ.get("WEBHOOKS_SWEEP_EVERY_SECONDS", 60)),
    },
    "notifications-daily-digest": {
        "task": "notifications.daily_digest",
        "schedule": float(os.environ.get("NOTIFICATIONS_DIGEST_EVERY_SECONDS", 60 * 60)),
    },
    "budgets-balances-reconcile": {
        "task": "budgets.budget_balances_reconcile",
        "schedule": float(os.environ.get("BUDGETS_RECONCILE_EVERY_SECONDS", 24 * 60 * 60)),
    },
    "catalog-uploads-sweep": {
        "task": "catalogs.uploads_sweep",
        "schedule": float(os.environ.get("CATALOG_UPLOADS_SWEEP_EVERY_SECONDS", 60)),
    },
    "contracts-alerts": {
        "task": "contracts.contract_alerts_send",
        "schedule": float(os.environ.get("CONTRACTS_ALERTS_EVERY_SECONDS", 24 * 60 * 60)),
    },
    "analytics-cycle-refresh": {
        "task": "analytics.cycle_refresh",
        "schedule": float(os.environ.get("ANALYTICS_CYCLE_REFRESH_EVERY_SECONDS", 10 * 60)),
    },
    "analytics-scheduled-reports": {
        "task": "analytics.scheduled_reports_send",
        "schedule": float(os.environ.get("ANALYTICS_REPORTS_EVERY_SECONDS", 60 * 60)),
    },
    "analytics-spend-refresh": {
        "task": "analytics.spend_refresh",
        "schedule": float(os.environ.get("ANALYTICS_SPEND_REFRESH_EVERY_SECONDS", 60)),
    },
    "worker-heartbeat": {
        "task": "procurement.worker_heartbeat",
        "schedule": float(os.environ.get("WORKER_HEARTBEAT_EVERY_SECONDS", 30)),
    },
}
# An unfinished import that has not moved for this long is queued again (its worker died).
IMPORT_JOB_STALLED_SECONDS = int(os.environ.get("IMPORT_JOB_STALLED_SECONDS", 300))
# /readyz is not ready when no worker ran the beat's heartbeat for this long (it runs every 30 seconds).
WORKER_HEARTBEAT_MAX_AGE_SECONDS = int(os.environ.get("WORKER_HEARTBEAT_MAX_AGE_SECONDS", 120))
# Purchase orders: tries per revision, and the first retry delay (doubling up to an hour).
ORDER_TRANSMISSION_ATTEMPTS = int(os.environ.get("ORDER_TRANSMISSION_ATTEMPTS", 8))
ORDER_TRANSMISSION_BASE_SECONDS = float(os.environ.get("ORDER_TRANSMISSION_BASE_SECONDS", 30))
# How long a worker's claim on an order it is sending holds before the sweeper may send it again.
ORDER_TRANSMISSION_LEASE_SECONDS = float(os.environ.get("ORDER_TRANSMISSION_LEASE_SECONDS", 120))
# How long an approval link in an e-mail can decide (a bearer token until used); above an entity's
# e-mail approval limit the link asks the approver to log in.
APPROVAL_LINK_MAX_AGE_HOURS = int(os.environ.get("APPROVAL_LINK_MAX_AGE_HOURS", 48))
# Notifications (docs/notifications.md): the daily digest goes from this local hour on, once a day per person.
NOTIFICATIONS_DIGEST_HOUR = int(os.environ.get("NOTIFICATIONS_DIGEST_HOUR", 7))
# Webhooks: seconds before each retry (failed after the last); https only (production says yes); and whether
# loopback / private addresses may be targets (only for tests and a local receiver).
WEBHOOK_RETRY_SECONDS = [int(s) for s in env_list("WEBHOOK_RETRY_SECONDS", "60,300,1800,7200,43200")]
WEBHOOK_HTTPS_ONLY = env_bool("WEBHOOK_HTTPS_ONLY", False)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)
# A pretend supplier that takes the demo's cXML orders (LABSOURCE); on in development only.
DEMO_SUPPLIER_ENDPOINT = False

MAILERS: dict[str, dict[str, object]] = {
    "default": {"BACKEND": os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")},
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "procurement@localhost")

# Logs (procurement.observability): plain text with the request id here and in development, one JSON object a
# line in production (settings/prod.py); LOG_FORMAT=json|text overrides either.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOGGING = logging_config(log_format=LOG_FORMAT, level=os.environ.get("LOG_LEVEL", "INFO"))

# /metrics (procurement.metrics, p2p.metrics): a bearer token to scrape with; without one only direct requests
# from loopback or private addresses are answered. Business counts are read from the database at most this often.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_CACHE_SECONDS = int(os.environ.get("METRICS_CACHE_SECONDS", 10))
# The status moves /metrics counts are tallied once older than the lag, in steps (procurement.audit_tally).
AUDIT_TALLY_LAG_SECONDS = int(os.environ.get("AUDIT_TALLY_LAG_SECONDS", 900))
AUDIT_TALLY_ROLL_SECONDS = int(os.environ.get("AUDIT_TALLY_ROLL_SECONDS", 300))

# Error reports to Sentry (or a compatible service) only when SENTRY_DSN is set; no personal data, no traces
# unless SENTRY_TRACES_SAMPLE_RATE says so.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
sentry_init(
    dsn=SENTRY_DSN,
    environment=os.environ.get("SENTRY_ENVIRONMENT", ""),
    release=os.environ.get("SENTRY_RELEASE", ""),
    traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", 0)),
)
