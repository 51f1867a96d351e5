"""The decision's reads and writes written as SQL text (procurement.sql.SqlModelRow, sql_insert) give what the ORM
queries they replaced gave: the same instances, field by field and type by type, with the same related objects
loaded, on PostgreSQL and SQLite; and the rows they insert are the rows `bulk_create` inserts."""

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS
from viewflow.workflow.token import Token

from approvals.flows import ApprovalFlow, next_stage
from approvals.lock_objects import (
    approval_assignment_select_for_update_with_requisition,
    approval_task_select_for_update_with_process,
)
from approvals.models import ApprovalMode, ApprovalStep, ApprovalStepApprover, Delegation, StepStatus
from approvals.notifications import _lines_shown
from orders.services import _lines_with_suppliers
from p2p.submit_to_order import requisition_submit
from procurement.sql import sql_insert
from procurement.tasks import notification_email_send
from requisitions.models import Requisition, RequisitionLine
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
