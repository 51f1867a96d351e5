"""Benchmark the cycle-times figures read at scale: the API's answer (per month, and per supplier) over a year of one
entity when the pre-computed table holds BENCH_CYCLE_ROWS rows (1,000,000: four entities, a year each), and the
approver turnaround over as many decisions. The rows are written straight into the tables by the database
(generate_series on PostgreSQL), as analytics.cycle_refresh would have left them.

    PostgreSQL: .venv/bin/python scripts/testenv.py -- .venv/bin/python bench/cycle_times.py
    SQLite:     BENCH_CYCLE_ROWS=100000 .venv/bin/python bench/cycle_times.py

BENCH_RUNS (20) timed runs after a warm-up. Prints one JSON object (bench.harness.emit).
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import django_setup, emit, measure

django_setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from analytics.cycle import approver_turnaround, cycle_query, cycle_times  # noqa: E402
from analytics.cycle_models import ApprovalTurnaround, RequisitionCycle  # noqa: E402
from procurement.models import Employee, LegalEntity, Supplier  # noqa: E402

ROWS = int(os.environ.get("BENCH_CYCLE_ROWS", 1_000_000))
RUNS = int(os.environ.get("BENCH_RUNS", 20))
ENTITIES = 4


def _fill() -> LegalEntity:
    """ROWS requisitions and their cycle rows over ENTITIES entities (the first is measured), a year each; as many
    approval decisions. Requisitions and assignments are bare rows: only the analytics tables are read."""
    from tests.factories import EmployeeFactory, LegalEntityFactory, SupplierFactory, UserFactory

    entities = [LegalEntityFactory(code=f"BENCH-{n}", currency="EUR") for n in range(ENTITIES)]
    suppliers = [SupplierFactory(code=f"SUP{n}") for n in range(50)]
    people = [EmployeeFactory(user=UserFactory(username=f"approver{n}"), legal_entities=entities) for n in range(40)]
    requester = people[0]
    cycle, turnaround = RequisitionCycle._meta.db_table, ApprovalTurnaround._meta.db_table
    requisition, assignment = "requisitions_requisition", "approvals_approvalstepapprover"
    if connection.vendor != "postgresql":
        raise SystemExit("run it on PostgreSQL (scripts/testenv.py): the rows are made by generate_series")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {requisition} (legal_entity_id, number, requester_id, title, justification, supplier_note,
                currency, status, total_minor, total_rates, line_count, created_at, updated_at, submitted_at,
                budget_exception)
            SELECT (%s::bigint[])[1 + n %% {ENTITIES}], 'B-' || n, %s, 'bench', '', '', 'EUR', 'closed', 0, '{{}}', 0,
                now(), now(), now(), ''
            FROM generate_series(1, %s) n""",  # noqa: S608 - the code's table names, values bound
            [[e.pk for e in entities], requester.pk, ROWS],
        )
        cursor.execute(
            f"""INSERT INTO {cycle} (requisition_id, legal_entity_id, month, supplier_id, submitted_at, approved_at,
                ordered_at, first_received_at, last_received_at, invoiced_at, approval_seconds, ordering_seconds,
                first_delivery_seconds, last_delivery_seconds, invoicing_seconds, total_seconds, refreshed_at)
            SELECT r.id, r.legal_entity_id, date_trunc('month', s)::date, (%s::bigint[])[1 + (r.id * 7) %% 50],
                s, s, s, s, s, s,
                (r.id * 7919) %% 500000, (r.id * 104729) %% 300000, (r.id * 1299709) %% 2000000,
                (r.id * 15485863) %% 3000000, (r.id * 32452843) %% 4000000, (r.id * 49979687) %% 9000000, now()
            FROM (SELECT id, legal_entity_id,
                    timestamptz '2026-01-01' + ((id * 2654435761) %% 31536000) * interval '1 second' AS s
                  FROM {requisition} WHERE number LIKE 'B-%%') r""",  # noqa: S608 - the code's table names, values bound
            [[s.pk for s in suppliers]],
        )
    # decisions: one per requisition, on a bare chain/step/assignment would take the approvals tables; the
    # turnaround table is filled directly with assignment ids from a sequence-free range (no foreign key check
    # is skipped: an assignment row is made per decision).
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO approvals_approvalchain (requisition_id, subject_summary, status, total_minor, currency,
                auto_approved, rule_versions, created_at)
            SELECT min(id), '{}', 'approved', 0, 'EUR', false, '[]', now() FROM requisitions_requisition
            WHERE number LIKE 'B-%%' RETURNING id"""
        )
        chain_id = cursor.fetchone()[0]
        cursor.execute(
            """INSERT INTO approvals_approvalstep (chain_id, position, name, reason, mode, required_count, status,
                sla_hours) VALUES (%s, 1, 'Manager', '', 'any', 1, 'approved', 72) RETURNING id""",
            [chain_id],
        )
        step_id = cursor.fetchone()[0]
        cursor.execute(
            f"""INSERT INTO {assignment} (step_id, approver_id, status, comment, decided_at, decided_via,
                decided_user_agent)
            SELECT %s, (%s::bigint[])[1 + n %% 40], 'approved', '', now(), 'page', '' FROM generate_series(1, %s) n""",  # noqa: S608 - the code's table names, values bound
            [step_id, [p.pk for p in people], ROWS],
        )
        # one step may hold an approver once: the bench's rows share one step, so the constraint is dropped first
        cursor.execute(
            f"""INSERT INTO {turnaround} (assignment_id, legal_entity_id, month, approver_id, stage, rule_id,
                requisition_id, outcome, task_created_at, decided_at, seconds)
            SELECT a.id, (%s::bigint[])[1 + a.id %% {ENTITIES}], date_trunc('month', d)::date, a.approver_id,
                'Manager', NULL, NULL, 'approved', d, d, (a.id * 7919) %% 500000
            FROM (SELECT id, approver_id,
                    timestamptz '2026-01-01' + ((id * 2654435761) %% 31536000) * interval '1 second' AS d
                  FROM {assignment} WHERE step_id = %s) a""",  # noqa: S608 - the code's table names, values bound
            [[e.pk for e in entities], step_id],
        )
        cursor.execute(f"ANALYZE {cycle}; ANALYZE {turnaround}")
    return entities[0]


def main() -> None:
    setup_test_environment()
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE approvals_approvalstepapprover DROP CONSTRAINT approval_step_approver_once")
    started = time.perf_counter()
    entity = _fill()
    filled = time.perf_counter() - started
    year = {"from": "2026-01", "to": "2026-12"}
    by_month = cycle_query(legal_entity=entity, params=year)
    by_supplier = cycle_query(legal_entity=entity, params={**year, "group_by": "supplier"})
    approvers = cycle_query(legal_entity=entity, params=year, groups=("approver", "stage", "month"))
    cpu = time.process_time()
    figures = {
        "rows": ROWS,
        "entity_rows": RequisitionCycle.objects.filter(legal_entity=entity).count(),
        "fill_seconds": round(filled, 1),
        "cycle_times_by_month": measure(lambda: cycle_times(by_month), runs=RUNS).as_dict(),
        "cycle_times_by_supplier": measure(lambda: cycle_times(by_supplier), runs=RUNS).as_dict(),
        "approver_turnaround": measure(lambda: approver_turnaround(approvers), runs=RUNS).as_dict(),
        "cpu_seconds_of_the_reads": round(time.process_time() - cpu, 2),
        "suppliers": Supplier.objects.count(),
        "approvers": Employee.objects.count(),
    }
    emit(figures)


if __name__ == "__main__":
    main()
