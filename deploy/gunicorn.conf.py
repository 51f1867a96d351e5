"""gunicorn settings of the web processes (deploy/Procfile and deploy/systemd/procurement-web.service).

The port comes from the command line (`--bind 0.0.0.0:$PORT`); the rest is here, so every web machine runs alike.
"""

import multiprocessing
import os

# 2 × cores + 1 unless WEB_CONCURRENCY says otherwise (sync workers: one request at a time each).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A request that takes longer is killed and answered 502 by the proxy; outbound calls (punchout setup) time out first.
timeout = 60
# On SIGTERM or SIGHUP, running requests get this long to finish.
graceful_timeout = 30
keepalive = 5
# Access log to stdout (journald or the platform's log), errors to stderr.
accesslog = "-"
errorlog = "-"
# The proxy in front sets X-Forwarded-Proto; Django reads it (SECURE_PROXY_SSL_HEADER), gunicorn need not.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker: object) -> None:
    """Once the worker has loaded the app: import the URLs' modules (views, serializers, as the first request
    would), then move every object the worker holds out of the garbage collector's reach (gc.freeze). A full
    collection then walks only what requests made, instead of stalling a request now and then on the whole loaded
    app (one in about 33 inbox requests was seen to)."""
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imported for its side effect, as the first request does
    gc.collect()
    gc.freeze()
