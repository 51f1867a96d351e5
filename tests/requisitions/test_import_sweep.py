"""An import whose worker died (killed mid-file, or its message lost with the broker) is queued again by beat and
finishes where it stopped: every line once, nothing twice. A job that is moving is left alone."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from requisitions.models import ImportJob
from requisitions.quick_order import QuickOrderParse, QuickOrderRow
from requisitions.services import import_job_create, requisition_quick_add
from requisitions.tasks import import_jobs_sweep
from tests.factories import CatalogItemFactory

pytestmark = pytest.mark.django_db

LINES = 1200


@pytest.fixture
def bulk(items) -> bytes:
    supplier = items["PEN-1"].supplier
    for n in range(LINES):
        CatalogItemFactory(supplier=supplier, sku=f"BULK-{n:04d}", base_price_minor=100)
    return ("sku;quantity\n" + "\n".join(f"BULK-{n:04d};2" for n in range(LINES))).encode()


def queued_but_lost(cart, requester, content: bytes, django_capture_on_commit_callbacks) -> ImportJob:
    with django_capture_on_commit_callbacks(execute=False):  # the message never reaches a worker
        return import_job_create(requisition=cart, by=requester, filename="bulk.csv", content=content)


def test_a_job_whose_message_was_lost_is_queued_again_and_finishes(
    cart, requester, bulk, django_capture_on_commit_callbacks
):
    lost = queued_but_lost(cart, requester, bulk, django_capture_on_commit_callbacks)
    ImportJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    fresh = queued_but_lost(cart, requester, b"sku;quantity\nPEN-1;1\n", django_capture_on_commit_callbacks)

    assert import_jobs_sweep.delay().get() == 1  # only the stalled one

    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert (lost.status, lost.added, lost.processed_lines, lost.percent) == ("done", LINES, LINES, 100)
    assert fresh.status == "queued"  # five minutes not yet passed: its own message may still come
    assert cart.lines.count() == LINES
    assert import_jobs_sweep.delay().get() == 0  # done jobs are never run again


def test_a_job_whose_worker_died_mid_file_continues_after_its_last_chunk(
    cart, requester, bulk, django_capture_on_commit_callbacks
):
    job = queued_but_lost(cart, requester, bulk, django_capture_on_commit_callbacks)
    # What a worker killed after its first chunk leaves: running, 500 lines committed, then nothing for 6 minutes.
    first = tuple(
        QuickOrderRow(line=n + 2, sku=f"BULK-{n:04d}", quantity=Decimal(2), cost_centre="") for n in range(500)
    )
    requisition_quick_add(requisition=cart, by=requester, parsed=QuickOrderParse(rows=first, errors=()))
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING,
        total_lines=LINES,
        processed_lines=500,
        added=500,
        progress_at=timezone.now() - timedelta(minutes=6),
    )

    assert import_jobs_sweep.delay().get() == 1

    job.refresh_from_db()
    assert (job.status, job.added, job.processed_lines) == ("done", LINES, LINES)
    # Every SKU once, with its quantity once: the first chunk was not added again.
    quantities = {line.catalog_item.sku: line.quantity for line in cart.lines.select_related("catalog_item")}
    assert len(quantities) == LINES and set(quantities.values()) == {2}
