"""An import job's status moves only as its table allows, and every move leaves one change-log row."""

import pytest

from procurement.models import AuditEvent
from requisitions.errors import RequisitionError
from requisitions.import_job_states import ALLOWED, EVENT_TYPE, import_job_status_move
from requisitions.models import ImportJob
from requisitions.services import import_job_create, import_job_process

pytestmark = pytest.mark.django_db

S = ImportJob.Status
PAIRS = [(from_status, to_status) for from_status, targets in ALLOWED.items() for to_status in sorted(targets)]
REFUSED = [
    (from_status, to_status)
    for from_status in S.values
    for to_status in S.values
    if from_status != to_status and to_status not in ALLOWED[from_status]
]


def _moves(job):
    return [
        (e.data["from"], e.data["to"])
        for e in AuditEvent.objects.filter(event_type=EVENT_TYPE, object_id=str(job.pk)).order_by("pk")
    ]


@pytest.fixture
def job(cart, requester):
    return ImportJob.objects.create(requisition=cart, created_by=requester, filename="a.csv", content=b"sku;quantity\n")


@pytest.mark.parametrize(("from_status", "to_status"), PAIRS)
def test_every_allowed_move_moves_and_logs_one_event(job, requester, france, from_status, to_status):
    ImportJob.objects.filter(pk=job.pk).update(status=from_status)
    job.refresh_from_db()

    import_job_status_move(job=job, to_status=to_status, by=requester, comment="why")

    job.refresh_from_db()
    assert job.status == to_status
    event = AuditEvent.objects.get(event_type=EVENT_TYPE)
    assert (event.object_type, event.object_id, event.actor, event.legal_entity) == (
        "requisitions.ImportJob",
        str(job.pk),
        requester.user,
        france,
    )
    assert event.data == {"from": from_status, "to": to_status, "comment": "why"}


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_a_move_not_in_the_table_is_refused_and_writes_nothing(job, requester, from_status, to_status):
    ImportJob.objects.filter(pk=job.pk).update(status=from_status)
    job.refresh_from_db()

    with pytest.raises(RequisitionError) as refused:
        import_job_status_move(job=job, to_status=to_status, by=requester)

    assert refused.value.code == "transition_not_allowed"
    job.refresh_from_db()
    assert job.status == from_status
    assert not AuditEvent.objects.filter(event_type=EVENT_TYPE).exists()


def test_an_uploaded_quick_order_logs_its_moves_in_order(cart, requester, items):
    job = import_job_create(requisition=cart, by=requester, filename="q.csv", content=b"sku;quantity\nPEN-1;2\n")

    job = import_job_process(job_id=job.pk)

    assert (job.status, job.added) == ("done", 1)
    assert _moves(job) == [("queued", "running"), ("running", "done")]


def test_an_unreadable_upload_logs_its_failure_with_why(cart, requester):
    job = import_job_create(requisition=cart, by=requester, filename="q.csv", content=b"")

    job = import_job_process(job_id=job.pk)

    assert job.status == "failed"
    assert _moves(job) == [("queued", "failed")]
    event = AuditEvent.objects.get(event_type=EVENT_TYPE, object_id=str(job.pk))
    assert event.data["comment"] == job.message
