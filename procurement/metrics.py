"""Prometheus metrics of this process and the `/metrics` answer (docs/deploy.md "Metrics, logs and errors").

Written on prometheus_client directly: django-prometheus 2.5 (the latest) requires Django < 6.1.

- HTTP: requests by method, view name and status; their duration by method and view. View names, not paths,
  so the label values stay few and no token in a path reaches them.
- Database: queries and failed queries by connection alias and vendor, and their duration.
- These live in each process. Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR to an empty
  folder of the node (emptied before gunicorn starts): each worker writes its counts there and the answer adds
  up every worker of the node, whichever answers the scrape. Each web node is scraped on its own. (Only
  counters and histograms are kept per process, so no gunicorn `child_exit` hook is needed.)
- Counts of what the business did (orders sent, approvals decided, …) are read from the database at scrape
  time (p2p/metrics.py), so they are right however many processes and machines do the work.

Access: with METRICS_TOKEN set, only `Authorization: Bearer <token>`; without it, only direct requests from
loopback or private addresses (none that came through a proxy, which adds X-Forwarded-For or Forwarded).
"""

import hmac
import ipaddress
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db.backends.signals import connection_created
from django.http import HttpRequest, HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

# No `_created` series beside each counter: half the series, and Prometheus does not need them.
disable_created_metrics()

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
UNRESOLVED = "<unresolved>"

http_requests = Counter(
    "django_http_requests",
    "HTTP requests answered, by method, view name and status code.",
    ["method", "view", "status"],
)
http_request_duration = Histogram(
    "django_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it, by method and view name.",
    ["method", "view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
db_queries = Counter("django_db_queries", "Database queries run, by connection alias and vendor.", ["alias", "vendor"])
db_query_errors = Counter(
    "django_db_query_errors", "Database queries that raised, by connection alias and vendor.", ["alias", "vendor"]
)
db_query_duration = Histogram(
    "django_db_query_duration_seconds",
    "Time a database query took, by connection alias and vendor.",
    ["alias", "vendor"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0),
)


class MetricsMiddleware:
    """Counts and times every request; placed right after RequestIdMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in METHODS else "other"
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or UNRESOLVED) if match is not None else UNRESOLVED
        http_requests.labels(method, view, str(response.status_code)).inc()
        http_request_duration.labels(method, view).observe(time.perf_counter() - started)
        return response


def _query_measured(alias: str, vendor: str) -> Callable[..., Any]:
    def measured(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        except Exception:
            db_query_errors.labels(alias, vendor).inc()
            raise
        finally:
            db_queries.labels(alias, vendor).inc()
            db_query_duration.labels(alias, vendor).observe(time.perf_counter() - started)

    return measured


def _on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    if not any(getattr(wrapper, "procurement_metrics", False) for wrapper in connection.execute_wrappers):
        wrapper = _query_measured(connection.alias, connection.vendor)
        wrapper.procurement_metrics = True  # type: ignore[attr-defined]
        connection.execute_wrappers.append(wrapper)


def database_metrics_connect() -> None:
    """Measure the queries of every database connection this process opens (called from AppConfig.ready)."""
    connection_created.connect(_on_connection_created, weak=False, dispatch_uid="procurement.metrics.db")


# --- The answer ------------------------------------------------------------------------------------------


class _Forward(Collector):
    """The process's default registry (process, platform, GC and the metrics above) inside a scrape's registry."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def exposition(collectors: Iterable[Collector]) -> bytes:
    """The Prometheus text exposition of this process (or all workers of this node) and the given collectors."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Forward())
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry)


# Loopback and the private ranges of RFC 1918 and RFC 4193, named rather than Python's wider `is_private`
# (which takes documentation and reserved ranges too).
INTERNAL_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7")
)


def _address_is_internal(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in INTERNAL_NETWORKS)


def scrape_allowed(request: HttpRequest) -> bool:
    """Bearer METRICS_TOKEN when one is set; otherwise a direct request from a loopback or private address."""
    token = getattr(settings, "METRICS_TOKEN", "")
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())
    proxied = "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
    return not proxied and _address_is_internal(request.META.get("REMOTE_ADDR", ""))


def metrics_response(request: HttpRequest, collectors: Iterable[Collector]) -> HttpResponse:
    if not scrape_allowed(request):
        refused = HttpResponse("Unauthorized\n", status=401, content_type="text/plain; charset=utf-8")
        refused["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return refused
    response = HttpResponse(exposition(collectors), content_type=CONTENT_TYPE_PLAIN_0_0_4)
    response["Cache-Control"] = "no-store"
    return response
