"""Benchmark the business counts of /metrics (p2p.metrics): the six aggregate queries a scrape runs when the
cache is cold, over an audit log of many events (the largest table they read).

Runs on a throwaway SQLite file unless DATABASE_URL is set; for PostgreSQL:
    .venv/bin/python scripts/testenv.py -- .venv/bin/python bench/metrics.py
Scale with BENCH_EVENTS (1,000,000 audit events, a third of them order transmission moves) and BENCH_SCRAPES (20).
Prints one JSON object.
"""

import atexit
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
workdir = tempfile.mkdtemp(prefix="bench-")
atexit.register(shutil.rmtree, workdir, ignore_errors=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from orders.transitions import TRANSMISSION_TABLE  # noqa: E402
from p2p.metrics import business_counts  # noqa: E402
from procurement.models import AuditEvent  # noqa: E402

EVENTS = int(os.environ.get("BENCH_EVENTS", 1_000_000))
SCRAPES = int(os.environ.get("BENCH_SCRAPES", 20))


def main() -> None:
    call_command("migrate", verbosity=0)
    moves = ("sending", "sent", "sending", "retrying", "failed")
    batch: list[AuditEvent] = []
    started = time.perf_counter()
    for n in range(EVENTS):
        if n % 3 == 0:
            batch.append(
                AuditEvent(
                    event_type=TRANSMISSION_TABLE.event_type,
                    object_type="transmission",
                    object_id=str(n),
                    data={"from": "pending", "to": moves[n % len(moves)], "comment": ""},
                )
            )
        else:
            batch.append(AuditEvent(event_type="requisitions.requisition.status", object_id=str(n), data={}))
        if len(batch) == 10_000:
            AuditEvent.objects.bulk_create(batch)
            batch.clear()
    AuditEvent.objects.bulk_create(batch)
    loaded = time.perf_counter() - started
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    timings = []
    for _ in range(SCRAPES):
        with CaptureQueriesContext(connection) as queries:
            scrape_started = time.perf_counter()
            counts = business_counts()
            timings.append(time.perf_counter() - scrape_started)
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "audit_events": EVENTS,
                "transmission_moves": sum(n for _, n in counts["moves"]),
                "load_seconds": round(loaded, 1),
                "queries_per_scrape": len(queries.captured_queries),
                "scrape_ms_median": round(statistics.median(timings) * 1000, 1),
                "scrape_ms_max": round(max(timings) * 1000, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
