"""No transaction or row lock is held while we wait for a supplier or a mail server (issue 12: a supplier taking
29 s held SQLite's write lock and an ERP's setup request failed with "database is locked")."""

import threading

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, transaction

from orders import services as order_services
from orders import transmission
from orders.models import PurchaseOrder, Transmission, TransmissionAttempt
from orders.transmission import transmission_send, transmissions_due
from procurement.models import Supplier

from .conftest import cxml_supplier, ordered
from .supplier_endpoint import SupplierEndpoint

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("auto_approve")]


@pytest.fixture
def not_sent_yet(monkeypatch):
    """Orders are written but not sent on commit: the test sends them itself."""
    monkeypatch.setattr(transmission, "transmission_enqueue", lambda *args, **kwargs: None)
    monkeypatch.setattr(order_services, "transmission_enqueue", lambda *args, **kwargs: None)


def send_in_background(transmission_id: int) -> tuple[threading.Thread, list[str]]:
    outcome: list[str] = []

    def send() -> None:
        try:
            outcome.append(transmission_send(transmission_id=transmission_id))
        finally:
            connection.close()

    thread = threading.Thread(target=send)
    thread.start()
    return thread, outcome


def test_while_the_supplier_takes_its_time_the_order_and_its_transmission_can_be_locked(not_sent_yet):
    # Given an order on its way to a supplier that holds the request until we let it answer
    endpoint = SupplierEndpoint()
    endpoint.hold = threading.Event()
    try:
        order = ordered([(cxml_supplier("SLOWSUP", endpoint.url), "Drill", "1", "99.90")]).purchase_orders.get()
        outbox = order.transmissions.get()
        thread, outcome = send_in_background(outbox.pk)
        assert endpoint.arrived.wait(30)
        # When another connection locks and changes the order's and the transmission's rows meanwhile
        with transaction.atomic():
            locked_order = PurchaseOrder.objects.select_for_update(nowait=True).get(pk=order.pk)
            locked_outbox = Transmission.objects.select_for_update(nowait=True).get(pk=outbox.pk)
            PurchaseOrder.objects.filter(pk=locked_order.pk).update(hold_reason="looked at while sending")
            # Then it can (no lock is held across the network), and the row shows it is being sent
            assert locked_outbox.status == Transmission.Status.SENDING and locked_outbox.claimed_until is not None
            # and the sweeper does not send it a second time while the claim stands
            assert outbox.pk not in transmissions_due()
            assert transmission_send(transmission_id=outbox.pk) == "skipped"
        endpoint.hold.set()
        thread.join(30)
    finally:
        endpoint.hold.set()
        endpoint.close()
    # And once the supplier answers, the outcome is recorded once
    assert outcome == ["sent"] and endpoint.calls == 1
    outbox.refresh_from_db()
    order.refresh_from_db()
    assert (outbox.status, outbox.attempts, outbox.claim, outbox.claimed_until) == ("sent", 1, "", None)
    assert (order.status, order.hold_reason) == ("sent", "looked at while sending")
    assert TransmissionAttempt.objects.filter(transmission=outbox).count() == 1


def test_a_claim_of_a_sender_that_died_expires_and_the_row_is_sent_again(not_sent_yet, monkeypatch):
    # Given a row claimed by a sender that died before it recorded anything (its lease already over)
    endpoint = SupplierEndpoint()
    try:
        order = ordered([(cxml_supplier("DEADSUP", endpoint.url), "Drill", "1", "99.90")]).purchase_orders.get()
        outbox = order.transmissions.get()
        monkeypatch.setattr(transmission, "LEASE_SECONDS", -1.0)
        assert transmission._claim(outbox.pk) is not None  # claimed, never sent: the worker was killed
        # When the sweeper looks for work
        due = transmissions_due()
        # Then the row is due again, and sent with the same payloadID
        assert outbox.pk in due
        monkeypatch.setattr(transmission, "LEASE_SECONDS", 120.0)
        assert transmission_send(transmission_id=outbox.pk) == "sent"
        assert endpoint.orders() == {order.number} and endpoint.calls == 1
        outbox.refresh_from_db()
        assert (outbox.status, outbox.attempts) == ("sent", 2)
    finally:
        endpoint.close()


def test_e_mails_go_out_with_no_transaction_open(not_sent_yet, monkeypatch, burotec):
    # Given an order sent by e-mail, and one to a supplier that refuses it (its buyers are told by e-mail),
    # and the test mail server noting whether a transaction was open when each message went out
    in_transaction: dict[str, bool] = {}
    deliver = EmailBackend.send_messages

    def noting(backend, messages):
        in_transaction.update({message.subject: connection.in_atomic_block for message in messages})
        return deliver(backend, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", noting)
    refusing = SupplierEndpoint(refuse_with=400)
    try:
        by_mail = ordered([(burotec, "Paper A4", "10", "4.50")]).purchase_orders.get()
        refused = ordered([(cxml_supplier("NOPE", refusing.url), "Drill", "1", "99.90")]).purchase_orders.get()
        # When both are sent
        assert transmission_send(transmission_id=by_mail.transmissions.get().pk) == "sent"
        assert transmission_send(transmission_id=refused.transmissions.get().pk) == "failed"
    finally:
        refusing.close()
    # Then the order e-mail and the buyers' notice went out, each with no transaction open
    ours = {f"Purchase order {by_mail.number}", f"{refused.number} was not sent"}
    assert {subject: in_transaction.get(subject) for subject in ours} == dict.fromkeys(ours, False)
    assert ours <= {message.subject for message in mail.outbox}


def test_an_order_is_sent_while_someone_else_holds_its_suppliers_row(not_sent_yet):
    # Given an order due to be sent, and another transaction holding its supplier's row (a clerk saving the
    # supplier, or anyone writing an order for it) at the moment the worker picks the order up
    endpoint = SupplierEndpoint()
    supplier = cxml_supplier("BUSYSUP", endpoint.url)
    order = ordered([(supplier, "Drill", "1", "99.90")]).purchase_orders.get()
    locked, release = threading.Event(), threading.Event()

    def hold_supplier() -> None:
        try:
            with transaction.atomic():
                Supplier.objects.select_for_update(no_key=True).get(pk=supplier.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_supplier)
    holder.start()
    try:
        assert locked.wait(30)
        # When the worker sends it
        outcome = transmission_send(transmission_id=order.transmissions.get().pk)
    finally:
        release.set()
        holder.join(30)
        endpoint.close()
    # Then it is sent, not skipped (and then lost: no task would come back for it)
    assert outcome == "sent" and endpoint.orders() == {order.number}
