"""The decision's reads and writes written as SQL text (procurement.sql.SqlModelRow, sql_insert) give what the ORM
queries they replaced gave: the same instances, field by field and type by type, with the same related objects
loaded, on PostgreSQL and SQLite; and the rows they insert are the rows `bulk_create` inserts."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS
from viewflow.workflow.token import Token

from approvals.errors import ApprovalChainTransitionNotAllowed
from approvals.flows import ApprovalFlow, next_stage
from approvals.lock_objects import (
    approval_assignment_select_for_update_with_requisition,
    approval_task_select_for_update_with_process,
)
from approvals.models import (
    ApprovalChain,
    ApprovalMode,
    ApprovalStep,
    ApprovalStepApprover,
    Delegation,
    StepStatus,
)
from approvals.notifications import _lines_shown
from approvals.transitions import TABLE, approval_chain_status_move
from orders.selectors import orders_of_approved
from orders.services import _lines_with_suppliers
from p2p.submit_to_order import approval_decide as p2p_approval_decide
from p2p.submit_to_order import requisition_submit, requisition_withdraw
from procurement.models import AuditEvent, Employee
from procurement.sql import sql_insert, sql_update_and_insert
from procurement.status_moves import status_move
from procurement.tasks import notification_email_send
from requisitions.models import Requisition, RequisitionEvent, RequisitionLine
from requisitions.services import requisition_event_record
from tests.p2p.test_path_queries import cart, chain_of, open_tasks

pytestmark = pytest.mark.django_db(transaction=False)


def values(obj: Any) -> dict[str, str]:
    """Every concrete field's value with its type (repr: Decimal('1.00') is not Decimal('1'))."""
    return {field.attname: repr(getattr(obj, field.attname)) for field in obj._meta.concrete_fields}


def same(made: Any, read: Any) -> None:
    assert type(made) is type(read)
    assert values(made) == values(read)
    assert made._state.adding is False and made._state.db == read._state.db


@pytest.fixture
def submitted(france):
    chain_of(france, [(ApprovalMode.ANY, 2), (ApprovalMode.ANY, 1)])
    requisition, requester = cart(france, 3)
    return requisition_submit(requisition=requisition, by=requester)


def test_the_task_lock_reads_the_task_and_its_process_as_the_orm(submitted):
    task = open_tasks(submitted)[0]
    with transaction.atomic():
        made = approval_task_select_for_update_with_process(task.pk)
    read = Task.objects.select_related("process").get(pk=task.pk)
    same(made, read)
    same(made.process, read.process)
    assert made.flow_task is ApprovalFlow.approve and made.status == STATUS.ASSIGNED
    with CaptureQueriesContext(connection) as queries:
        assert made.process.data == read.process.data
    assert not queries
    assert approval_task_select_for_update_with_process(2**62) is None


def test_the_assignment_lock_reads_the_chain_and_the_requisitions_parties_as_the_orm(submitted):
    task = open_tasks(submitted)[0]
    with transaction.atomic():
        made = approval_assignment_select_for_update_with_requisition(task.data["assignment"], submitted.pk)
    assert made is not None
    read = ApprovalStepApprover.objects.select_related(
        "step__chain__requisition__legal_entity", "step__chain__requisition__requester__user"
    ).get(pk=task.data["assignment"])
    with CaptureQueriesContext(connection) as queries:
        same(made, read)
        same(made.step, read.step)
        same(made.step.chain, read.step.chain)
        same(made.step.chain.requisition, read.step.chain.requisition)
        same(made.step.chain.requisition.legal_entity, read.step.chain.requisition.legal_entity)
        same(made.step.chain.requisition.requester, read.step.chain.requisition.requester)
        same(made.step.chain.requisition.requester.user, read.step.chain.requisition.requester.user)
        assert made.step.chain.requisition.requester.user.employee is made.step.chain.requisition.requester
        assert made.step.chain.invoice is None
    assert not queries, "everything the decision uses came with the one read"
    assert made.later_stages is True  # the second stage waits
    assert approval_assignment_select_for_update_with_requisition(task.data["assignment"], submitted.pk + 1) is None


def test_the_last_stage_has_no_later_stage(submitted):
    ApprovalStep.objects.filter(chain__requisition=submitted, position=2).update(status=StepStatus.CANCELLED)
    task = open_tasks(submitted)[0]
    with transaction.atomic():
        made = approval_assignment_select_for_update_with_requisition(task.data["assignment"], submitted.pk)
    assert made is not None and made.later_stages is False


def test_the_next_stage_reads_its_assignments_people_and_delegates_as_the_orm(submitted, france):
    chain = ApprovalStep.objects.get(chain__requisition=submitted, position=1).chain
    ApprovalStep.objects.filter(chain=chain, position=1).update(status=StepStatus.APPROVED)
    second = list(
        ApprovalStepApprover.objects.filter(step__chain=chain, step__position=2)
        .select_related("step", "approver__user")
        .order_by("pk")
    )
    today = timezone.localdate()
    stand_in = open_tasks(submitted)[0].owner.employee
    Delegation.objects.create(
        employee=second[0].approver, delegate=stand_in, starts_on=today - timedelta(days=1), ends_on=today
    )
    made = next_stage(chain.pk)
    assert len(made) == len(second) == 1
    for one, read in zip(made, second, strict=True):
        with CaptureQueriesContext(connection) as queries:
            same(one, read)
            same(one.step, read.step)
            same(one.approver, read.approver)
            same(one.approver.user, read.approver.user)
        assert not queries
    assert made[0].away_delegate_id == stand_in.pk


def test_the_lines_read_by_sql_text_are_the_orms(submitted):
    # a line without a supplier (left for a buyer): its supplier is None, as select_related leaves it
    RequisitionLine.objects.filter(requisition=submitted, line_number=2).update(supplier=None)
    read = list(
        RequisitionLine.objects.filter(requisition=submitted).select_related("supplier").order_by("line_number")
    )
    made = _lines_with_suppliers(submitted.pk)
    assert [line.supplier_id for line in made][1] is None
    for one, other in zip(made, read, strict=True):
        same(one, other)
        with CaptureQueriesContext(connection) as queries:
            if other.supplier is None:
                assert one.supplier is None
            else:
                same(one.supplier, other.supplier)
        assert not queries
    shown = _lines_shown(Requisition.objects.get(pk=submitted.pk))  # read, not the submission's lines in hand
    for one, other in zip(shown, read, strict=True):
        same(one, other)


def test_sql_insert_writes_the_rows_bulk_create_writes(submitted):
    process = open_tasks(submitted)[0].process
    now = timezone.now()

    def task() -> Task:
        return Task(
            process=process,
            flow_task=ApprovalFlow.gate,
            flow_task_type="JOIN",
            status=STATUS.DONE,
            created=now,
            started=now,
            finished=now,
            token=Token("start"),
            data={"step": 7, "text": "é"},
        )

    by_orm, by_text = task(), task()
    Task.objects.bulk_create([by_orm])
    sql_insert([by_text])
    assert by_text.pk and by_text.pk != by_orm.pk and by_text._state.adding is False
    rows = {
        row.pop("id"): {k: v for k, v in row.items() if k != "created"}
        for row in Task.objects.filter(pk__in=[by_orm.pk, by_text.pk]).values()
    }
    assert rows[by_orm.pk] == rows[by_text.pk]
    through = Task.previous.through
    sql_insert([through(from_task_id=by_text.pk, to_task_id=by_orm.pk)])
    assert list(by_text.previous.values_list("pk", flat=True)) == [by_orm.pk]


def test_a_notification_e_mail_given_its_address_reads_nobody(france):
    mail.outbox = []
    with CaptureQueriesContext(connection) as queries:
        assert notification_email_send(user_id=2**62, subject="s", body="b", language="fr", email="x@example.com")
    assert not queries
    assert mail.outbox[0].to == ["x@example.com"] and mail.outbox[0].extra_headers == {"Content-Language": "fr"}
    # queued before the address went along: the user is read, and one who is not there is skipped
    assert notification_email_send(user_id=2**62, subject="s", body="b") is False


# --- writes of one statement where the ORM wrote two or more ----------------------------------------------------


def _row(model: Any, pk: int, *leave_out: str) -> dict[str, Any]:
    return {k: v for k, v in model.objects.filter(pk=pk).values().get().items() if k not in ("id", *leave_out)}


def test_sql_update_and_insert_writes_what_save_and_bulk_create_write(submitted):
    def event(requisition: Requisition) -> RequisitionEvent:
        return RequisitionEvent(
            requisition=requisition, kind=RequisitionEvent.Kind.STATUS, comment="é", data={"n": 1}, from_status="x"
        )

    by_orm = Requisition.objects.get(pk=submitted.pk)
    by_orm.title, by_orm.needed_by = "Changed", None
    by_orm.save(update_fields=["title", "needed_by", "updated_at"])
    orm_event = event(by_orm)
    RequisitionEvent.objects.bulk_create([orm_event])
    orm_row = _row(Requisition, submitted.pk, "updated_at")
    by_text = Requisition.objects.get(pk=submitted.pk)
    by_text.title, by_text.needed_by = "Changed", None
    text_event = event(by_text)
    with CaptureQueriesContext(connection) as queries:
        sql_update_and_insert(by_text, ["title", "needed_by", "updated_at"], [text_event])
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    assert _row(Requisition, submitted.pk, "updated_at") == orm_row
    # `updated_at` (auto_now) was set on the instance and written, as `save` does
    assert by_text.updated_at > by_orm.updated_at
    assert Requisition.objects.get(pk=submitted.pk).updated_at == by_text.updated_at
    assert text_event.pk and text_event._state.adding is False
    assert _row(RequisitionEvent, text_event.pk, "created_at") == _row(RequisitionEvent, orm_event.pk, "created_at")
    # a row that is not there: refused as `save(update_fields=…)` refuses it
    gone = Requisition(pk=2**62, title="gone")
    for rows in ([], [event(submitted)]):
        with pytest.raises(DatabaseError), transaction.atomic():
            sql_update_and_insert(gone, ["title"], rows)


def test_a_chain_moves_with_its_audit_event_as_status_move_wrote_them(submitted):
    by = Employee.objects.select_related("user").get(pk=submitted.requester_id)
    chains = [ApprovalChain.objects.create(requisition=submitted, total_minor=1, currency="EUR") for _ in range(2)]
    for chain in chains:
        chain.requisition = submitted
    status_move(
        chains[0],
        table=TABLE,
        to_status=ApprovalChain.Status.APPROVED,
        refused=ApprovalChainTransitionNotAllowed,
        actor=by.user,
        legal_entity=lambda: chains[0].legal_entity,
        comment="ok",
    )
    with CaptureQueriesContext(connection) as queries:
        approval_chain_status_move(chain=chains[1], to_status=ApprovalChain.Status.APPROVED, by=by, comment="ok")
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    assert _row(ApprovalChain, chains[0].pk, "created_at") == _row(ApprovalChain, chains[1].pk, "created_at")
    events = [AuditEvent.objects.get(object_type="approvals.ApprovalChain", object_id=str(c.pk)) for c in chains]
    assert _row(AuditEvent, events[0].pk, "created_at", "object_id") == _row(
        AuditEvent, events[1].pk, "created_at", "object_id"
    )
    with pytest.raises(ApprovalChainTransitionNotAllowed):
        approval_chain_status_move(chain=chains[1], to_status=ApprovalChain.Status.REJECTED, by=by)


def test_the_gate_writes_a_stage_s_rows_and_the_end_as_the_statements_one_by_one_did(submitted):
    decided, other = open_tasks(submitted)
    process = decided.process
    with CaptureQueriesContext(connection) as queries:
        p2p_approval_decide(
            task_id=decided.pk, by=Employee.objects.select_related("user").get(user=decided.owner), decision="approve"
        )
    task_writes = [q["sql"] for q in queries if re.search(r"(UPDATE|INSERT INTO) \"viewflow_", q["sql"])]
    assert len(task_writes) == (1 if connection.vendor == "postgresql" else 3)
    decided.refresh_from_db()
    other.refresh_from_db()
    assert (decided.status, other.status) == (STATUS.DONE, STATUS.CANCELED)
    assert decided.started is not None and decided.finished == other.finished
    first_gate = Task.objects.get(process=process, flow_task=ApprovalFlow.gate, data__step=decided.data["step"])
    assert (first_gate.status, first_gate.finished) == (STATUS.DONE, decided.finished)
    (last,) = open_tasks(submitted)
    assert first_gate.pk < last.pk and last.owner_id is not None
    assert list(first_gate.previous.values_list("pk", flat=True)) == [decided.pk]
    assert list(last.previous.values_list("pk", flat=True)) == [first_gate.pk]
    # the last stage: its gate and the end written, linked, and the process finished
    p2p_approval_decide(
        task_id=last.pk, by=Employee.objects.select_related("user").get(user=last.owner), decision="approve"
    )
    process.refresh_from_db()
    last.refresh_from_db()
    gate = Task.objects.get(process=process, flow_task=ApprovalFlow.gate, data__step=last.data["step"])
    end = Task.objects.get(process=process, flow_task=ApprovalFlow.end)
    assert (process.status, process.finished) == ("DONE", last.finished)
    assert last.finished == gate.finished == end.finished and gate.pk < end.pk
    assert list(gate.previous.values_list("pk", flat=True)) == [last.pk]
    assert list(end.previous.values_list("pk", flat=True)) == [gate.pk]
    links = Task.previous.through.objects.filter(from_task__process=process).order_by("pk")
    assert [link.from_task_id for link in links] == sorted(link.from_task_id for link in links)


def test_the_facts_of_an_approved_requisition_bring_its_lines_as_read_alone(submitted):
    RequisitionLine.objects.filter(requisition=submitted, line_number=2).update(supplier=None)
    alone = _lines_with_suppliers(submitted.pk)
    with_facts = orders_of_approved(requisition=submitted).ordering.lines
    assert with_facts is not None and len(with_facts) == len(alone) == 3
    for one, other in zip(with_facts, alone, strict=True):
        same(one, other)
        with CaptureQueriesContext(connection) as queries:
            if other.supplier is None:
                assert one.supplier is None
            else:
                same(one.supplier, other.supplier)
        assert not queries
    empty = Requisition.objects.create(
        legal_entity=submitted.legal_entity, number="EMPTY-1", requester=submitted.requester, title="Empty"
    )
    facts = orders_of_approved(requisition=empty)
    assert facts.ordering.lines == [] and facts.made is False and facts.change is None
    assert facts.ordering.po_number_prefix == orders_of_approved(requisition=submitted).ordering.po_number_prefix


def test_a_withdrawal_moves_the_requisition_with_its_event_in_one_statement(submitted):
    requester = Employee.objects.select_related("user").get(pk=submitted.requester_id)
    with CaptureQueriesContext(connection) as queries:
        requisition_withdraw(requisition=submitted, by=requester, comment="not needed")
    moves = [q["sql"] for q in queries if '"requisitions_requisitionevent"' in q["sql"]]
    assert len(moves) == 1
    assert not [q for q in queries if q["sql"].startswith("SAVEPOINT") and "withdraw" in q["sql"]]
    event = RequisitionEvent.objects.filter(requisition=submitted, kind=RequisitionEvent.Kind.STATUS).latest("pk")
    assert (event.from_status, event.to_status, event.comment, event.actor_id) == (
        "in_approval",
        "withdrawn",
        "not needed",
        requester.user_id,
    )
    submitted.refresh_from_db()
    assert submitted.status == "withdrawn"
    chain = ApprovalChain.objects.get(requisition=submitted)
    assert chain.status == ApprovalChain.Status.WITHDRAWN
    audit = AuditEvent.objects.get(object_type="approvals.ApprovalChain", object_id=str(chain.pk))
    assert audit.data == {"from": "pending", "to": "withdrawn", "comment": f"Requisition {submitted.number} ended"}
    assert audit.actor_id is None and audit.legal_entity_id == submitted.legal_entity_id


def test_a_decision_s_event_goes_in_with_the_decision_as_requisition_event_record_wrote_it(france):
    chain_of(france, [(ApprovalMode.ALL, 2), (ApprovalMode.ANY, 1)])
    requisition, requester = cart(france, 2)
    submitted = requisition_submit(requisition=requisition, by=requester)
    before = RequisitionEvent.objects.filter(requisition=submitted).count()
    decided = []
    for _stage in range(2):
        for task in open_tasks(submitted):  # all-of: the first approval leaves the stage open, the second decides it
            by = Employee.objects.select_related("user").get(user=task.owner)
            with CaptureQueriesContext(connection) as queries:
                assignment = p2p_approval_decide(task_id=task.pk, by=by, decision="approve", comment=" ok ")
            writes = [q["sql"] for q in queries if '"requisitions_requisitionevent"' in q["sql"]]
            if connection.vendor == "postgresql":  # in the decision's own statement, with the assignments' update
                assert '"approvals_approvalstepapprover"' in writes[0]
            decided.append((by, assignment.step.name))
    submitted.refresh_from_db()
    assert submitted.status in ("approved", "ordered")
    events = list(RequisitionEvent.objects.filter(requisition=submitted).order_by("pk"))[before:]
    # The decision first, then what followed it (as they were recorded): approved, the orders, ordered
    assert [e.kind for e in events][:4] == ["decision", "decision", "decision", "status"]
    for event, (by, step) in zip(events, decided, strict=False):
        reference = requisition_event_record(
            requisition=submitted,
            by=by,
            kind=RequisitionEvent.Kind.DECISION,
            comment="ok",
            data={"decision": "approve", "step": step},
        )
        assert _row(RequisitionEvent, event.pk, "created_at") == _row(RequisitionEvent, reference.pk, "created_at")
