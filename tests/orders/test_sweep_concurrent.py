"""Two beats, or a slow sweep overlapping the next: two sweeps at the same moment, each on its own connection,
send each due order once (the claim of each row decides, orders/transmission.py) (PostgreSQL)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import Transmission, TransmissionAttempt
from orders.tasks import purchase_order_transmissions_sweep
from tests.concurrency import run_concurrently

from .conftest import cxml_supplier, ordered

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("auto_approve")]


def test_two_sweeps_at_once_send_each_due_order_once(endpoint):
    # Given six orders whose first attempt failed (the supplier was down) and whose retry is now due
    endpoint.failure_rate = 1.0
    suppliers = [cxml_supplier(f"SWEEP{n}", endpoint.url) for n in range(6)]
    requisition = ordered([(supplier, f"Part {n}", "1", "10.00") for n, supplier in enumerate(suppliers)])
    numbers = set(requisition.purchase_orders.values_list("number", flat=True))
    assert len(numbers) == 6
    assert set(Transmission.objects.values_list("status", "attempts")) == {("retrying", 1)}
    assert endpoint.calls == 6 and not endpoint.created
    endpoint.failure_rate = 0.0
    Transmission.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))  # the backoff has passed

    # When two sweeps start at the same moment (each sends what it finds due, inline in this test)
    results = run_concurrently([purchase_order_transmissions_sweep, purchase_order_transmissions_sweep])

    # Then the supplier received each order exactly once, and each row shows two attempts and no third
    assert all(isinstance(result, int) for result in results), results
    assert endpoint.orders() == numbers and set(endpoint.created.values()) == {1}
    assert endpoint.repeats == 0 and endpoint.calls == 12
    assert set(Transmission.objects.values_list("status", "attempts")) == {("sent", 2)}
    assert TransmissionAttempt.objects.count() == 12
    assert set(requisition.purchase_orders.values_list("status", flat=True)) == {"sent"}
    assert purchase_order_transmissions_sweep() == 0
