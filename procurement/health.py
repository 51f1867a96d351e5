"""Liveness and readiness for load balancers and orchestrators: `/healthz` and `/readyz`, as JSON.

- `/healthz` answers 200 while the process serves requests; it touches nothing else.
- `/readyz` answers 200 when this node can do its work, 503 otherwise, naming each dependency: the database
  answers, every migration is applied, Redis answers (when one is configured), and a Celery worker ran the
  beat's heartbeat task recently (when tasks go to workers; in-process tasks need none).
"""

import time
from typing import Any

import redis
from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

HEARTBEAT_KEY = "procurement:worker-heartbeat"


def worker_heartbeat_record() -> float:
    """What the beat's heartbeat task does on a worker: note the time, for `/readyz` to read."""
    now = time.time()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    return now


def _database() -> dict[str, Any]:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True}


def _migrations() -> dict[str, Any]:
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}
    return {"ok": not pending, "pending": len(pending)}


def _redis() -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"ok": True, "configured": False}
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
    except Exception as error:
        return {"ok": False, "configured": True, "error": type(error).__name__}
    return {"ok": True, "configured": True}


def _worker() -> dict[str, Any]:
    if current_app.conf.task_always_eager:
        return {"ok": True, "mode": "in-process"}
    try:
        beat = cache.get(HEARTBEAT_KEY)
    except Exception as error:
        return {"ok": False, "mode": "workers", "error": type(error).__name__}
    if beat is None:
        return {"ok": False, "mode": "workers", "error": "no heartbeat yet"}
    age = max(0, round(time.time() - float(beat)))
    return {"ok": age <= settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS, "mode": "workers", "age_seconds": age}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "redis": _redis()}
    checks["migrations"] = _migrations() if checks["database"]["ok"] else {"ok": False, "error": "no database"}
    checks["worker"] = _worker()
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ready" if ready else "not ready", "checks": checks}, status=200 if ready else 503)
