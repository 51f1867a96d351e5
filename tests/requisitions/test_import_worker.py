"""A large upload is imported by a real Celery worker through Redis, chunk by chunk, with progress."""

import os
import time

import pytest
from django.db import transaction

from requisitions.models import ImportJob
from requisitions.services import import_job_create
from tests.factories import CatalogItemFactory

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") and not os.environ.get("CI"), reason="needs Redis: run `make test`"
    ),
]


def test_a_1200_line_file_is_added_by_the_worker(redis_worker, cart, requester, items):
    supplier = items["PEN-1"].supplier
    for n in range(1200):
        CatalogItemFactory(supplier=supplier, sku=f"BULK-{n:04d}", base_price_minor=100)
    content = ("sku;quantity\n" + "\n".join(f"BULK-{n:04d};2" for n in range(1200)) + "\nMISSING;1\n").encode()

    with transaction.atomic():
        job = import_job_create(requisition=cart, by=requester, filename="bulk.csv", content=content)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
            break
        time.sleep(0.1)
    assert (job.status, job.added, job.processed_lines, job.percent) == ("done", 1200, 1201, 100)
    assert job.errors == [{"line": 1202, "message": "unknown SKU MISSING", "reason": "Unknown SKU"}]
    cart.refresh_from_db()
    assert cart.line_count == 1200
