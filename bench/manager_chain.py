"""Benchmark: reading a manager chain with the recursive CTE against the naive walk (one query per level).

Runs on a throwaway SQLite file unless DATABASE_URL is set (e.g. under `scripts/testenv.py --`).
Prints one JSON object: median microseconds and query counts per depth, for both ways.
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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings.bench")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from procurement.models import Employee  # noqa: E402
from procurement.selectors import employee_manager_chain  # noqa: E402


def naive_chain(employee: Employee) -> list[Employee]:
    """The baseline: follow `manager` one query at a time."""
    chain = []
    current = employee.manager
    while current is not None:
        chain.append(current)
        _ = current.user.username
        current = current.manager
    return chain


def measure(fn, employee_id: int, rounds: int = 200) -> tuple[float, int]:
    samples = []
    for _ in range(rounds):
        employee = Employee.objects.get(pk=employee_id)
        start = time.perf_counter()
        chain = fn(employee)
        _ = [m.user.username for m in chain]
        samples.append(time.perf_counter() - start)
    employee = Employee.objects.get(pk=employee_id)
    with CaptureQueriesContext(connection) as queries:
        _ = [m.user.username for m in fn(employee)]
    return statistics.median(samples) * 1e6, len(queries)


def main() -> None:
    call_command("migrate", verbosity=0)
    user_model = get_user_model()
    results = {"database": connection.vendor, "depths": {}}
    for depth in (3, 10, 30):
        previous = None
        for level in range(depth + 1):
            user = user_model.objects.create(username=f"d{depth}-l{level}")
            previous = Employee.objects.create(user=user, manager=previous)
        bottom = previous.pk
        cte_us, cte_queries = measure(lambda e: employee_manager_chain(employee=e), bottom)
        naive_us, naive_queries = measure(naive_chain, bottom)
        results["depths"][depth] = {
            "cte_median_us": round(cte_us, 1),
            "cte_queries": cte_queries,
            "naive_median_us": round(naive_us, 1),
            "naive_queries": naive_queries,
            "speedup": round(naive_us / cte_us, 2),
        }
        reset_queries()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
