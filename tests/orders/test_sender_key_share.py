"""The sender picks an order up while another open transaction has written a row that references it.

Inserting a child row (an attempt of the transmission, an event of the order) holds FOR KEY SHARE on the row it
references, from its foreign key's check to the end of its transaction. The sender's claim (SELECT … SKIP LOCKED)
once took FOR UPDATE, which conflicts with that lock: the row was skipped and no task came back for it (the order
waited for the sweeper). FOR NO KEY UPDATE, the lock of an UPDATE that keeps the key, does not conflict with it.
"""

import threading

import pytest
from django.db import OperationalError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from orders import services as order_services
from orders import transmission
from orders.models import PurchaseOrder, PurchaseOrderEvent, Transmission, TransmissionAttempt

from .conftest import cxml_supplier, ordered
from .supplier_endpoint import SupplierEndpoint

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("auto_approve")]


@pytest.fixture
def not_sent_yet(monkeypatch):
    """Orders are written but not sent on commit: the test sends them itself."""
    monkeypatch.setattr(transmission, "transmission_enqueue", lambda *args, **kwargs: None)
    monkeypatch.setattr(order_services, "transmission_enqueue", lambda *args, **kwargs: None)


def conflicts_with_for_update(model: type[Model], pk: int) -> bool:
    """Whether FOR UPDATE on the row would have to wait (asked with NOWAIT, in a savepoint)."""
    try:
        with transaction.atomic():
            model.objects.select_for_update(nowait=True).filter(pk=pk).exists()
    except OperationalError:
        return True
    return False


def test_an_order_is_sent_while_an_open_transaction_references_it(not_sent_yet):
    # Given an order due to be sent, and another transaction, still open, that has written a row referencing its
    # transmission (an attempt) and one referencing the order (an event): FOR KEY SHARE on both rows
    endpoint = SupplierEndpoint()
    order = ordered([(cxml_supplier("KEYSHARE", endpoint.url), "Drill", "1", "99.90")]).purchase_orders.get()
    outbox = order.transmissions.get()
    written, release = threading.Event(), threading.Event()

    def reference_rows() -> None:
        try:
            with transaction.atomic():
                # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: their check, and with it the key-share
                # lock, comes at commit. Checked at once (as any non-deferred key would be) the lock is held from
                # the insert to the end of the transaction, long enough to catch the sender's claim.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                TransmissionAttempt.objects.create(
                    transmission_id=outbox.pk, number=0, started_at=timezone.now(), outcome="noted"
                )
                PurchaseOrderEvent.objects.create(purchase_order_id=order.pk, to_status="issued", comment="noted")
                written.set()
                release.wait(60)
        finally:
            connection.close()

    holder = threading.Thread(target=reference_rows)
    holder.start()
    try:
        assert written.wait(30)
        assert conflicts_with_for_update(Transmission, outbox.pk)  # the key-share lock is there
        assert conflicts_with_for_update(PurchaseOrder, order.pk)
        # When the worker picks it up while that transaction is open
        outcome = transmission.transmission_send(transmission_id=outbox.pk)
        still_open = not release.is_set() and holder.is_alive()
    finally:
        release.set()
        holder.join(30)
        endpoint.close()
    # Then it is sent, not skipped (no task would come back for it), and without waiting for the other transaction
    assert (outcome, still_open) == ("sent", True)
    assert endpoint.orders() == {order.number} and endpoint.calls == 1
    outbox.refresh_from_db()
    order.refresh_from_db()
    assert (outbox.status, outbox.attempts, order.status) == (Transmission.Status.SENT, 1, "sent")
