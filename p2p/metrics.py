"""`/metrics`: this node's process metrics (procurement.metrics) and what the business did, read from the database.

The business counts are aggregates of rows every process writes (web nodes, workers on other machines), read
at scrape time in a few aggregate queries and kept in the cache for METRICS_CACHE_SECONDS: right across any
number of processes and machines, with nothing to add up. Every node answers the same values for them, so
a dashboard takes `max` over the nodes, not `sum` (docs/deploy.md "Metrics, logs and errors").

They count rows that stay: status moves (audit events, never deleted, counted through a tally carried forward
every few minutes by procurement.audit_tally so that a scrape does not read the whole log) and decisions,
sessions and import jobs (deleted only with their requisition, which Prometheus then takes as a counter reset).
"""

import logging
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from approvals.models import ApprovalStepApprover, StepStatus
from orders.models import Transmission
from orders.transitions import TRANSMISSION_TABLE
from procurement.audit_tally import audit_moves_count
from procurement.metrics import metrics_response
from punchout.models import InboundSession, PunchoutSession
from requisitions.models import ImportJob

logger = logging.getLogger(__name__)

CACHE_KEY = "procurement:metrics:business"

# Transmission moves counted, and the label each gets.
TRANSMISSION_OUTCOMES = {
    Transmission.Status.SENT: "sent",
    Transmission.Status.RETRYING: "retried",
    Transmission.Status.FAILED: "failed",
}
DECISIONS = (StepStatus.APPROVED, StepStatus.REJECTED, StepStatus.RETURNED)


def business_counts() -> dict[str, Any]:
    """The rows behind the business metrics, as plain data (cached between scrapes)."""
    moves = audit_moves_count(event_type=TRANSMISSION_TABLE.event_type)
    outbox = Transmission.objects.values_list("status").annotate(n=Count("id")).order_by()
    decisions = (
        ApprovalStepApprover.objects.filter(decided_at__isnull=False)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    outbound = PunchoutSession.objects.values_list("connection__protocol", "status").annotate(n=Count("id")).order_by()
    inbound = InboundSession.objects.values_list("protocol", "status").annotate(n=Count("id")).order_by()
    imports = (
        ImportJob.objects.values_list("status")
        .annotate(n=Count("id"), processed=Sum("processed_lines"), added=Sum("added"))
        .order_by()
    )
    return {
        "moves": sorted([to, n] for to, n in moves.items()),
        "outbox": [list(row) for row in outbox],
        "decisions": [list(row) for row in decisions],
        "outbound": [list(row) for row in outbound],
        "inbound": [list(row) for row in inbound],
        "imports": [list(row) for row in imports],
    }


class BusinessCollector(Collector):
    """Counters and gauges of orders, approvals, punchout sessions and imports, from the database."""

    def collect(self) -> Iterator[Metric]:
        seconds = getattr(settings, "METRICS_CACHE_SECONDS", 10)
        counts = cache.get(CACHE_KEY) if seconds > 0 else None
        up = GaugeMetricFamily(
            "procurement_business_metrics_up", "1 when the business counts could be read from the database, else 0."
        )
        if counts is None:
            try:
                counts = business_counts()
            except DatabaseError as error:
                # The process metrics are still worth a scrape; /readyz says what is wrong with the database.
                logger.warning("metrics: business counts not read: %s", type(error).__name__)
                up.add_metric([], 0)
                yield up
                return
            if seconds > 0:
                cache.set(CACHE_KEY, counts, timeout=seconds)
        up.add_metric([], 1)
        yield up
        yield from _transmissions(counts)
        yield from _decisions(counts)
        yield from _sessions(counts)
        yield from _imports(counts)


def _transmissions(counts: dict[str, Any]) -> Iterator[Metric]:
    moved = dict(counts["moves"])
    outcomes = CounterMetricFamily(
        "procurement_order_transmissions",
        "Purchase order transmissions by outcome: sent (to the supplier, or marked sent by hand), retried (a try "
        "failed and the order will be tried again), failed (refused by the supplier or out of tries).",
        labels=["outcome"],
    )
    for status, outcome in TRANSMISSION_OUTCOMES.items():
        outcomes.add_metric([outcome], moved.get(status, 0))
    yield outcomes
    now = dict(counts["outbox"])
    outbox = GaugeMetricFamily(
        "procurement_order_transmissions_in_status",
        "Purchase order transmissions (one per revision sent) now in each status of the outbox.",
        labels=["status"],
    )
    for value in Transmission.Status.values:
        outbox.add_metric([value], now.get(value, 0))
    yield outbox


def _decisions(counts: dict[str, Any]) -> Iterator[Metric]:
    decided = dict(counts["decisions"])
    family = CounterMetricFamily(
        "procurement_approval_decisions",
        "Approval decisions taken by approvers (or their delegates), by decision.",
        labels=["decision"],
    )
    for decision in DECISIONS:
        family.add_metric([decision], decided.get(decision, 0))
    yield family


def _sessions(counts: dict[str, Any]) -> Iterator[Metric]:
    started = CounterMetricFamily(
        "procurement_punchout_sessions",
        "Punchout sessions started: outbound (our users shopping at a supplier) and inbound (an ERP's users "
        "shopping our catalog), by protocol.",
        labels=["direction", "protocol"],
    )
    now = GaugeMetricFamily(
        "procurement_punchout_sessions_in_status",
        "Punchout sessions now in each status, by direction.",
        labels=["direction", "status"],
    )
    for direction, statuses, rows in (
        ("outbound", PunchoutSession.Status.values, counts["outbound"]),
        ("inbound", InboundSession.Status.values, counts["inbound"]),
    ):
        by_protocol: dict[str, int] = {"cxml": 0, "oci": 0}
        by_status = dict.fromkeys(statuses, 0)
        for protocol, status, n in rows:
            by_protocol[protocol] = by_protocol.get(protocol, 0) + n
            by_status[status] = by_status.get(status, 0) + n
        for protocol, n in sorted(by_protocol.items()):
            started.add_metric([direction, protocol], n)
        for status, n in by_status.items():
            now.add_metric([direction, status], n)
    yield started
    yield now


def _imports(counts: dict[str, Any]) -> Iterator[Metric]:
    processed = sum(row[2] or 0 for row in counts["imports"])
    added = sum(row[3] or 0 for row in counts["imports"])
    lines = CounterMetricFamily(
        "procurement_import_lines",
        "Lines of quick-order imports read: added to the requisition, or not added (with an error).",
        labels=["outcome"],
    )
    lines.add_metric(["added"], added)
    lines.add_metric(["not_added"], processed - added)
    yield lines
    jobs = GaugeMetricFamily("procurement_import_jobs", "Quick-order import jobs in each status.", labels=["status"])
    by_status = {status: n for status, n, _processed, _added in counts["imports"]}
    for status in ImportJob.Status.values:
        jobs.add_metric([status], by_status.get(status, 0))
    yield jobs


COLLECTORS = (BusinessCollector(),)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text exposition; a bearer METRICS_TOKEN, or a direct internal address when none is set."""
    return metrics_response(request, COLLECTORS)
