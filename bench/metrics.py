"""Benchmark the business counts of /metrics (p2p.metrics): the aggregate queries a scrape runs when the
cache is cold, over an audit log of many events (the largest table they read), spread over the past year.

Transmission moves are counted from a tally carried forward every few minutes plus the events since its mark
(procurement.audit_tally): each size reports the first count (the tally made from the whole log: once per
deployment) and then the scrapes with the tally current, and checks the counts against a direct count.

Runs on a throwaway SQLite file unless DATABASE_URL is set; for PostgreSQL:
    .venv/bin/python scripts/testenv.py -- .venv/bin/python bench/metrics.py
Scale with BENCH_EVENTS (1,000,000 audit events, a third of them order transmission moves), BENCH_BASELINE_EVENTS
(the baseline measured first in the same run, 1 % of BENCH_EVENTS) and BENCH_SCRAPES (20 timed scrapes after a
warm-up). Prints one JSON object (bench/harness.py): per size the rows built, min/median/p95 and the queries of a
scrape; the full size's median over the baseline's.
"""

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import django_setup, emit, measure, ratio, rows_per_table

django_setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from orders.transitions import TRANSMISSION_TABLE  # noqa: E402
from p2p.metrics import business_counts  # noqa: E402
from procurement.models import AuditEvent, AuditTally  # noqa: E402

EVENTS = int(os.environ.get("BENCH_EVENTS", 1_000_000))
BASELINE_EVENTS = int(os.environ.get("BENCH_BASELINE_EVENTS", max(1, EVENTS // 100)))
SCRAPES = int(os.environ.get("BENCH_SCRAPES", 20))
MOVES = ("sending", "sent", "sending", "retrying", "failed")
YEAR_SECONDS = 365 * 24 * 3600

# The bench writes a year of history: each event keeps the creation time it is given.
AuditEvent._meta.get_field("created_at").auto_now_add = False


def load(start: int, stop: int) -> float:
    """Audit events start..stop-1, a third of them transmission moves; returns the seconds it took."""
    began = time.perf_counter()
    now = timezone.now()
    batch: list[AuditEvent] = []
    for n in range(start, stop):
        created_at = now - timedelta(seconds=(n * 7919) % YEAR_SECONDS)  # spread evenly over the past year
        if n % 3 == 0:
            batch.append(
                AuditEvent(
                    created_at=created_at,
                    event_type=TRANSMISSION_TABLE.event_type,
                    object_type="transmission",
                    object_id=str(n),
                    data={"from": "pending", "to": MOVES[n % len(MOVES)], "comment": ""},
                )
            )
        else:
            batch.append(
                AuditEvent(
                    created_at=created_at, event_type="requisitions.requisition.status", object_id=str(n), data={}
                )
            )
        if len(batch) == 10_000:
            AuditEvent.objects.bulk_create(batch)
            batch.clear()
    AuditEvent.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.perf_counter() - began


def scrapes(loaded_seconds: float) -> dict[str, object]:
    # As on a fresh deployment: no tally yet (the load wrote events into the past, before any mark).
    AuditTally.objects.all().delete()
    with CaptureQueriesContext(connection) as first_queries:
        began = time.perf_counter()
        business_counts()
        first_count = {"ms": round((time.perf_counter() - began) * 1000, 2), "queries": len(first_queries)}
    timing = measure(business_counts, runs=SCRAPES)
    counts = business_counts()
    direct = (
        AuditEvent.objects.filter(event_type=TRANSMISSION_TABLE.event_type)
        .values_list("data__to")
        .annotate(n=Count("id"))
        .order_by()
    )
    if sorted(counts["moves"]) != sorted([str(to), n] for to, n in direct):
        sys.exit(f"the counts differ from a direct count: {counts['moves']} against {list(direct)}")
    return {
        "rows": rows_per_table([AuditEvent]),
        "load_seconds": round(loaded_seconds, 1),
        "transmission_moves": sum(n for _, n in counts["moves"]),
        "first_count_ms": first_count,
        "scrape_ms": timing,
    }


def main() -> None:
    if not 0 < BASELINE_EVENTS < EVENTS:
        sys.exit("BENCH_BASELINE_EVENTS must be between 1 and BENCH_EVENTS - 1")
    call_command("migrate", verbosity=0)
    baseline = scrapes(load(0, BASELINE_EVENTS))
    full = scrapes(load(BASELINE_EVENTS, EVENTS))
    emit(
        {
            "vendor": connection.vendor,
            "audit_events": EVENTS,
            "baseline": baseline,
            "full": full,
            "full_over_baseline_median": ratio(
                full["scrape_ms"].median_ms,  # type: ignore[attr-defined]
                baseline["scrape_ms"].median_ms,  # type: ignore[attr-defined]
            ),
        }
    )


if __name__ == "__main__":
    main()
