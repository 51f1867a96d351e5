"""Shared helpers for the bench scripts: timing, query counts, data sizes, the machine, JSON output.

A bench script puts the repository root on sys.path, then imports from here::

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.harness import django_setup, emit, measure, rows_per_table

    django_setup()  # a throwaway SQLite file unless DATABASE_URL is set; then import models
    timing = measure(lambda: work(), runs=5, warmup=1)
    emit({"work": timing.as_dict(), "rows": rows_per_table([Requisition, PurchaseOrder])})

Every figure is in milliseconds. `measure` runs the callable `warmup` times untimed, once more under
`CaptureQueriesContext` (the query count of one run, untimed so the capture costs nothing in the timings), then
`runs` (≥ 5) timed runs, and returns min / median / p95 / max. p95 is the nearest rank (with 5 to 19 runs it is
the slowest run). Nothing here touches Django before it is called, so importing this module does not need settings.

Run on its own (`python bench/harness.py`) it prints the machine description, so `make bench` (which runs every
bench/*.py) gets something harmless from it.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.db.models import Model

REPO = Path(__file__).resolve().parent.parent
MIN_RUNS = 5


def django_setup(*, settings: str = "procurement.settings.bench", sqlite_default: bool = True) -> None:
    """Set up Django for a bench script: `settings` unless DJANGO_SETTINGS_MODULE is set, and, when DATABASE_URL is
    not set and `sqlite_default`, a scratch SQLite file in a temporary directory removed at exit."""
    if sqlite_default and not os.environ.get("DATABASE_URL"):
        workdir = tempfile.mkdtemp(prefix="bench-")
        atexit.register(shutil.rmtree, workdir, ignore_errors=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import django

    django.setup()


@dataclass(frozen=True)
class Timing:
    """Wall-clock figures of `runs` timed runs after `warmup` untimed ones, and the SQL queries of one run."""

    runs: int
    warmup: int
    min_ms: float
    median_ms: float
    p95_ms: float
    max_ms: float
    queries: int | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: Iterable[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in (0, 1]): the smallest value at least `fraction` of the values reach."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def summarize(seconds: Iterable[float], *, warmup: int = 0, queries: int | None = None) -> Timing:
    """A `Timing` from durations in seconds measured elsewhere (e.g. in another process)."""
    values = [s * 1000 for s in seconds]
    if not values:
        raise ValueError("no runs")
    return Timing(
        runs=len(values),
        warmup=warmup,
        min_ms=round(min(values), 2),
        median_ms=round(statistics.median(values), 2),
        p95_ms=round(percentile(values, 0.95), 2),
        max_ms=round(max(values), 2),
        queries=queries,
    )


def count_queries[T](run: Callable[[], T], *, using: str = "default") -> tuple[T, int]:
    """Run `run` once under CaptureQueriesContext; returns its result and the number of SQL queries it sent.

    The connection's query log is cleared first: it keeps 9,000 queries and a full log would count 0."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    connection = connections[using]
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        result = run()
    return result, len(captured.captured_queries)


def measure_prepared[T](
    prepare: Callable[[], T],
    run: Callable[[T], object],
    *,
    runs: int = MIN_RUNS,
    warmup: int = 1,
    queries: bool = True,
    using: str = "default",
) -> Timing:
    """Time `run(prepare())`: `prepare` (untimed) makes each run's input, e.g. a fresh invoice to match.

    `warmup` untimed runs, then (if `queries`) one untimed run whose SQL queries are counted, then `runs` timed runs.
    """
    if runs < MIN_RUNS:
        raise ValueError(f"at least {MIN_RUNS} timed runs, not {runs}")
    for _ in range(warmup):
        run(prepare())
    counted: int | None = None
    if queries:
        value = prepare()
        _, counted = count_queries(lambda: run(value), using=using)
    seconds: list[float] = []
    for _ in range(runs):
        value = prepare()
        start = time.perf_counter()
        run(value)
        seconds.append(time.perf_counter() - start)
    return summarize(seconds, warmup=warmup, queries=counted)


def measure(
    run: Callable[[], object],
    *,
    runs: int = MIN_RUNS,
    warmup: int = 1,
    queries: bool = True,
    using: str = "default",
) -> Timing:
    """Time `run()`: `warmup` untimed runs, one untimed run with its queries counted, then `runs` (≥ 5) timed runs."""
    return measure_prepared(lambda: None, lambda _: run(), runs=runs, warmup=warmup, queries=queries, using=using)


def rows_per_table(
    models: Iterable[type[Model]] = (), tables: Iterable[str] = (), *, using: str = "default"
) -> dict[str, int]:
    """Rows actually in each table (`SELECT COUNT(*)`, whatever the managers filter), keyed by table name.

    With neither `models` nor `tables`, every table of the database that has at least one row."""
    from django.db import connections

    connection = connections[using]
    names = [model._meta.db_table for model in models] + list(tables)
    every = not names
    if every:
        names = sorted(connection.introspection.table_names())
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        for name in dict.fromkeys(names):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608 (table names)
            (count,) = cursor.fetchone()
            if count or not every:
                counts[name] = int(count)
    return counts


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def database_description(using: str = "default") -> dict[str, str]:
    """The database's vendor and server version (needs Django set up)."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite":
        import sqlite3

        version = sqlite3.sqlite_version
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            version = str(cursor.fetchone()[0])
            if connection.vendor == "postgresql":
                version = version.split(" on ")[0]
    return {"vendor": connection.vendor, "version": version}


def machine(using: str | None = "default") -> dict[str, Any]:
    """Where the figures come from: cores, CPU, memory, OS, Python, Django, the commit and (if Django is set up and
    `using` is given) the database vendor and version."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    description: dict[str, Any] = {
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "cpu": _cpu_model(),
        "memory_gib": _memory_gib(),
        "load_average": [round(n, 2) for n in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "commit": _git_commit(),
        "when_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    try:
        import django

        description["django"] = django.get_version()
    except ImportError:
        pass
    if using is not None:
        from django.apps import apps

        if apps.ready:
            description["database"] = database_description(using)
    return description


def _default(value: object) -> object:
    if isinstance(value, Timing):
        return value.as_dict()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def emit(figures: Mapping[str, object], *, with_machine: bool = True, using: str | None = "default") -> None:
    """Print one JSON object: `figures` (Timing, Decimal and Path values are converted) and, unless told otherwise,
    the machine under "machine"."""
    document = dict(figures)
    if with_machine and "machine" not in document:
        document["machine"] = machine(using)
    print(json.dumps(document, indent=2, default=_default))
    sys.stdout.flush()


def ratio(numerator: float, denominator: float, digits: int = 1) -> float | None:
    """numerator / denominator rounded, or None when the denominator is 0."""
    return round(numerator / denominator, digits) if denominator else None


if __name__ == "__main__":
    emit({}, using=None)
