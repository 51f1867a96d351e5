"""Benchmark the business counts of /metrics (p2p.metrics): the six aggregate queries a scrape runs when the
cache is cold, over an audit log of many events (the largest table they read).

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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import django_setup, emit, measure, ratio, rows_per_table

django_setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from orders.transitions import TRANSMISSION_TABLE  # noqa: E402
from p2p.metrics import business_counts  # noqa: E402
from procurement.models import AuditEvent  # noqa: E402

EVENTS = int(os.environ.get("BENCH_EVENTS", 1_000_000))
BASELINE_EVENTS = int(os.environ.get("BENCH_BASELINE_EVENTS", max(1, EVENTS // 100)))
SCRAPES = int(os.environ.get("BENCH_SCRAPES", 20))
MOVES = ("sending", "sent", "sending", "retrying", "failed")


def load(start: int, stop: int) -> float:
    """Audit events start..stop-1, a third of them transmission moves; returns the seconds it took."""
    began = time.perf_counter()
    batch: list[AuditEvent] = []
    for n in range(start, stop):
        if n % 3 == 0:
            batch.append(
                AuditEvent(
                    event_type=TRANSMISSION_TABLE.event_type,
                    object_type="transmission",
                    object_id=str(n),
                    data={"from": "pending", "to": MOVES[n % len(MOVES)], "comment": ""},
                )
            )
        else:
            batch.append(AuditEvent(event_type="requisitions.requisition.status", object_id=str(n), data={}))
        if len(batch) == 10_000:
            AuditEvent.objects.bulk_create(batch)
            batch.clear()
    AuditEvent.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.perf_counter() - began


def scrapes(loaded_seconds: float) -> dict[str, object]:
    timing = measure(business_counts, runs=SCRAPES)
    counts = business_counts()
    return {
        "rows": rows_per_table([AuditEvent]),
        "load_seconds": round(loaded_seconds, 1),
        "transmission_moves": sum(n for _, n in counts["moves"]),
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
