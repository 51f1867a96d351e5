"""Benchmark: an HR directory of BENCH_ORG_IMPORT_ROWS (19,999 people and a root unit: the 20,000 rows a file may
hold) loaded by the organisation import (identity.org_import, p2p.org_import_apply): the file checked and diffed
(`org_import_run_create`), then applied in one transaction (every person, org unit and cost centre new: the most rows
written); the same file checked and applied again (nothing changes: what a nightly re-run costs); then a file that
moves one person in ten to another manager (each move a people change, audited, open approval work re-routed).

Runs on a throwaway SQLite file unless DATABASE_URL is set (the figures that matter are on PostgreSQL:
`scripts/testenv.py -- .venv/bin/python bench/org_import.py`). Each step runs once (a first load can be timed only
once per database); the re-run is the baseline of the same size measured in the same run. Prints one JSON object.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import count_queries, django_setup, emit, ratio

django_setup()

from django.core.management import call_command  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from identity.org_import.runs import org_import_run_create  # noqa: E402
from p2p.org_import_apply import org_import_apply  # noqa: E402
from procurement.models import Employee, LegalEntity, Role  # noqa: E402

ROWS = int(os.environ.get("BENCH_ORG_IMPORT_ROWS", "19999"))
FANOUT = 10
HEADER = (
    "email,first_name,last_name,org_unit,org_unit_name,org_unit_parent,manager_email,cost_centre,cost_centre_name,"
    "signing_limit,signing_limit_currency,roles,status"
)


def directory(rows: int, *, moved_every: int = 0) -> bytes:
    """`rows` people in a tree (each manages FANOUT), 200 org units under one root, 100 cost centres; with
    `moved_every`, every such person reports to the next manager over instead."""
    lines = [HEADER]
    for n in range(rows):
        manager = (n - 1) // FANOUT if n else None
        if manager is not None and moved_every and n % moved_every == 0 and manager + 1 < n:
            manager += 1
        unit = f"U{n % 200:03d}"
        parent = "ROOT" if unit != "ROOT" else ""
        limit = 100_000 if n < 11 else 10_000 if n < 111 else 1_000
        lines.append(
            f"p{n:05d}@bench.example,Person,{n:05d},{unit},Unit {unit},{parent},"
            f"{'' if manager is None else f'p{manager:05d}@bench.example'},C{n % 100:02d},Costs {n % 100:02d},"
            f"{limit},EUR,requester,active"
        )
    lines.insert(1, "root@bench.example,Root,Unit,ROOT,Root unit,,,,,,,,active")
    return ("\n".join(lines) + "\n").encode()


def step(entity: LegalEntity, admin: Employee, data: bytes) -> dict[str, object]:
    start = time.perf_counter()
    run, check_queries = count_queries(
        lambda: org_import_run_create(legal_entity=entity, file_name="hr.csv", data=data, mode="partial", by=admin.user)
    )
    checked = time.perf_counter()
    assert not run.errors, run.errors[:3]
    applied, apply_queries = count_queries(lambda: org_import_apply(run_id=run.pk, legal_entity=entity, by=admin.user))
    done = time.perf_counter()
    return {
        "check_ms": round((checked - start) * 1000, 1),
        "check_queries": check_queries,
        "apply_ms": round((done - checked) * 1000, 1),
        "apply_queries": apply_queries,
        "result": applied.result,
    }


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    entity = LegalEntity.objects.create(code="BENCH", name="Bench SA", currency="EUR")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("olga", "olga@elsewhere.example", "x")
    admin = Employee.objects.create(user=user, default_legal_entity=entity)
    admin.legal_entities.add(entity)
    admin.roles.add(Role.objects.get_or_create(code=Role.ADMIN, defaults={"name": "Administrator"})[0])

    first = directory(ROWS)
    load = step(entity, admin, first)
    again = step(entity, admin, first)
    moves = step(entity, admin, directory(ROWS, moved_every=10))
    emit(
        {
            "rows": ROWS,
            "file_bytes": len(first),
            "first_load": load,
            "same_file_again": again,
            "one_in_ten_moved": moves,
            "first_load_vs_rerun": ratio(
                float(load["check_ms"]) + float(load["apply_ms"]),  # type: ignore[arg-type]
                float(again["check_ms"]) + float(again["apply_ms"]),  # type: ignore[arg-type]
            ),
        }
    )


if __name__ == "__main__":
    main()
