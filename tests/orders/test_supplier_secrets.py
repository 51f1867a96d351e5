"""Suppliers' shared secrets are never shown: not on the order page, not in the admin, not in the API, not in
what we keep of the documents we send and receive (issue 12, finding 2)."""

import importlib
import json

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from orders.models import (
    PurchaseOrderRevision,
    SupplierDocument,
    Transmission,
    TransmissionAttempt,
)
from orders.transmission import transmission_send
from procurement.models import Employee
from punchout.redact import MASK
from tests.factories import api_token

from .conftest import cxml_supplier, ordered
from .inbound_support import CONFIRMATION, SUPPLIER_SECRET, for_order, post, sample_supplier_order, status

pytestmark = pytest.mark.usefixtures("auto_approve")

# A secret that is not a word of any page, so finding it anywhere means it leaked.
SECRET = "Wile-E-Coyote-7f3a9c"


def pages_and_api_of(order) -> dict[str, str]:
    """What a buyer, the requester and an admin can read about the order, as text."""
    seen = {}
    for username in ("frank", "alice"):  # a buyer, the requester
        employee = Employee.objects.select_related("user").get(user__username=username)
        client = APIClient()
        client.force_login(employee.user)
        page = client.get(f"/purchase-orders/{order.pk}/")
        assert page.status_code == 200
        seen[f"page as {username}"] = page.content.decode()
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(employee.user)}")
        for url in (f"/api/v1/purchase-orders/{order.pk}/", "/api/v1/purchase-orders/"):
            answer = api.get(url)
            assert answer.status_code == 200
            seen[f"{url} as {username}"] = json.dumps(answer.json())
    admin = APIClient()
    admin.force_login(get_user_model().objects.get(username="admin"))
    for document in SupplierDocument.objects.filter(purchase_order=order):
        change_page = admin.get(f"/admin/orders/supplierdocument/{document.pk}/change/")
        assert change_page.status_code == 200
        seen[f"admin document {document.pk}"] = change_page.content.decode()
    for transmission in Transmission.objects.filter(purchase_order=order):
        change_page = admin.get(f"/admin/orders/transmission/{transmission.pk}/change/")
        assert change_page.status_code == 200
        seen[f"admin transmission {transmission.pk}"] = change_page.content.decode()
    return seen


def test_a_suppliers_confirmation_is_kept_and_shown_without_its_shared_secret(endpoint):
    # Given an order at a supplier whose shared secret is SECRET, and its confirmation carrying it
    order = sample_supplier_order(endpoint.url)
    order.supplier.order_shared_secret = SECRET
    order.supplier.save()
    body = for_order(CONFIRMATION, order).replace(
        f"<SharedSecret>{SUPPLIER_SECRET}</SharedSecret>", f"<SharedSecret>{SECRET}</SharedSecret>"
    )
    # When the supplier posts it
    response = post(body)
    # Then it is applied, and the document is kept and shown with its secret masked
    assert status(response) == (200, f"{order.number}: confirmation detail applied to lines 1, 2")
    kept = SupplierDocument.objects.get(purchase_order=order)
    assert f"<SharedSecret>{MASK}</SharedSecret>" in kept.document and SECRET not in kept.document
    seen = pages_and_api_of(order)
    assert "SO-88812" in seen["page as frank"]  # the document is shown, masked
    assert {where for where, text in seen.items() if SECRET in text} == set()


def test_the_order_we_send_is_kept_without_our_secret_even_when_it_needs_escaping(
    endpoint, django_capture_on_commit_callbacks
):
    # Given a supplier whose secret has characters XML escapes (the old masking missed its escaped form)
    secret = "s3<cr&t>" + SECRET
    supplier = cxml_supplier("ESCAPING", endpoint.url, secret=secret)
    with django_capture_on_commit_callbacks(execute=True):
        order = ordered([(supplier, "Torque wrench", "2", "120.00")]).purchase_orders.get()
    # When the order went out: the supplier got the real secret (escaped as XML wants it) …
    (sent,) = endpoint.received
    assert "<SharedSecret>s3&lt;cr&amp;t&gt;" + SECRET + "</SharedSecret>" in sent.decode()
    # … and what we keep of it, and everything a person can see, has it masked
    revision = PurchaseOrderRevision.objects.get(purchase_order=order)
    attempt = TransmissionAttempt.objects.get(transmission__purchase_order=order)
    for kept in (revision.document, attempt.request):
        assert f"<SharedSecret>{MASK}</SharedSecret>" in kept and SECRET not in kept
    assert {where for where, text in pages_and_api_of(order).items() if SECRET in text} == set()


def test_a_retry_sends_the_suppliers_current_secret(endpoint, django_capture_on_commit_callbacks):
    # Given an order sent once, its stored document masked
    supplier = cxml_supplier("ROTATING", endpoint.url)
    with django_capture_on_commit_callbacks(execute=True):
        order = ordered([(supplier, "Drill", "1", "99.90")]).purchase_orders.get()
    transmission = order.transmissions.get()
    # When the supplier's secret changes and the same revision is sent again
    supplier.order_shared_secret = "a-new-secret"
    supplier.save()
    Transmission.objects.filter(pk=transmission.pk).update(status="pending")
    transmission_send(transmission_id=transmission.pk)
    # Then the same document went out, with the new secret in it
    first, again = endpoint.received
    assert again == first.replace(b"supplier-secret", b"a-new-secret")


def test_the_migration_masks_what_was_stored_before(endpoint, django_capture_on_commit_callbacks):
    # Given documents stored raw, as the code before this change kept them
    order = sample_supplier_order(endpoint.url)
    raw = for_order(CONFIRMATION, order).replace("1741090000.1.conf1@supplier.example", "old@supplier")
    document = SupplierDocument.objects.create(
        supplier=order.supplier, payload_id="old@supplier", kind="confirmation", purchase_order=order,
        document=raw, answer="<cXML/>", answer_status=200,
    )  # fmt: skip
    revision = order.revisions.get()
    PurchaseOrderRevision.objects.filter(pk=revision.pk).update(
        document=f"<cXML><SharedSecret>{SUPPLIER_SECRET}</SharedSecret></cXML>"
    )
    transmission = order.transmissions.get()
    TransmissionAttempt.objects.filter(transmission=transmission).delete()
    TransmissionAttempt.objects.create(
        transmission=transmission, number=1, started_at=revision.timestamp, outcome="failed",
        request=f"<SharedSecret>{SUPPLIER_SECRET}</SharedSecret>",
        response=f"<Status>echo <SharedSecret>{SUPPLIER_SECRET}</SharedSecret></Status>",
        error=f"ConnectError: http://user:{SUPPLIER_SECRET}@supplier.example/",
    )  # fmt: skip
    # When the data migration runs
    migration = importlib.import_module("orders.migrations.0004_redact_and_repair")
    migration.forwards(apps, None)
    # Then nothing stored holds the secret any more, and the document's hash is that of the masked text
    document.refresh_from_db()
    texts = [
        document.document,
        PurchaseOrderRevision.objects.get(pk=revision.pk).document,
        *TransmissionAttempt.objects.filter(transmission=transmission).values_list("request", "response", "error")[0],
    ]
    assert [SUPPLIER_SECRET in text for text in texts] == [False] * 5
    assert all(MASK in text for text in texts)
    # and the supplier's repeat of that document is recognised as the same one
    repeat = post(raw)
    assert repeat.status_code == 200 and repeat.content == b"<cXML/>"


def test_an_unexpected_error_while_sending_is_recorded_and_retried_not_left_claimed(endpoint):
    # Given a supplier whose order URL httpx cannot even build a request for (a control character)
    supplier = cxml_supplier("BADURL", "http://buyer:hunter2@supplier\x01.example/orders")
    order = ordered([(supplier, "Drill", "1", "99.90")]).purchase_orders.get()
    outbox = order.transmissions.get()
    # When the worker sends it
    outcome = transmission_send(transmission_id=outbox.pk)
    # Then the attempt is recorded and the row waits for its retry, rather than staying claimed
    outbox.refresh_from_db()
    attempt = outbox.attempt_log.get()
    assert (outcome, outbox.status, outbox.attempts, outbox.claim) == ("retry", "retrying", 1, "")
    assert attempt.error.startswith("InvalidURL: ") and "hunter2" not in attempt.error + outbox.last_error
