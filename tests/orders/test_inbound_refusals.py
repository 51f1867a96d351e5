"""What /cxml/inbound/ refuses, and how (issue 12): numbers our columns cannot hold (finding 3), prices in
another currency, reused or missing payloadIDs, an unexpected error, and error messages that would quote a
shared secret into the log (finding 8). Every answer is a cXML Status; nothing refused is applied."""

import logging

import pytest
from django.test import Client
from rest_framework.test import APIClient

from orders import supplier_answers
from orders.models import PurchaseOrder, PurchaseOrderLine, SupplierDocument
from procurement.models import Employee
from tests.factories import api_token

from .inbound_support import CONFIRMATION, SUPPLIER_SECRET, for_order, post, sample_supplier_order, status

pytestmark = pytest.mark.usefixtures("auto_approve")


@pytest.fixture
def order(endpoint) -> PurchaseOrder:
    return sample_supplier_order(endpoint.url)


def confirmation(order: PurchaseOrder, payload_id: str = "conf-1@supplier.example") -> str:
    return for_order(CONFIRMATION, order).replace("1741090000.1.conf1@supplier.example", payload_id)


def unchanged(order: PurchaseOrder) -> bool:
    return (
        set(order.lines.values_list("status", "confirmed_quantity", "confirmed_unit_price_minor"))
        == {("open", None, None)}
        and not SupplierDocument.objects.exists()
    )


def everything_reads(order: PurchaseOrder) -> None:
    """The order's page, the buyers' order list and the API still answer 200."""
    frank = Employee.objects.select_related("user").get(user__username="frank")
    client = Client()
    client.force_login(frank.user)
    assert client.get(f"/purchase-orders/{order.pk}/").status_code == 200
    assert client.get("/purchase-orders/").status_code == 200
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(frank.user)}")
    assert api.get(f"/api/v1/purchase-orders/{order.pk}/").status_code == 200
    assert api.get("/api/v1/purchase-orders/").status_code == 200


# ------------------------------------------------------------------------------------ finding 3: numbers


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            (
                '<ConfirmationStatus quantity="15" type="accept"',
                '<ConfirmationStatus quantity="12345678901" type="accept"',
            ),
            "the quantity of ConfirmationStatus 1 of ConfirmationItem 2 is larger than 9999999999.999: "
            "it cannot be stored",
        ),
        (
            ('<ConfirmationItem quantity="20" lineNumber="2">', '<ConfirmationItem quantity="1.2345" lineNumber="2">'),
            "the quantity of ConfirmationItem 2 has more than 3 decimals: it cannot be stored",
        ),
        (
            ('<Money currency="EUR">2.25</Money>', '<Money currency="EUR">100000000000000000000</Money>'),
            "the UnitPrice of ConfirmationStatus 1 of ConfirmationItem 1 has more than 14 digits before the decimal "
            "point: it cannot be stored",
        ),
        (
            ('<Money currency="EUR">2.25</Money>', '<Money currency="EUR">1E+26</Money>'),
            "the UnitPrice of ConfirmationStatus 1 of ConfirmationItem 1 is not a number: '1E+26'",
        ),
        (
            ('<Money currency="EUR">2.25</Money>', '<Money currency="EUR">NaN</Money>'),
            "the UnitPrice of ConfirmationStatus 1 of ConfirmationItem 1 is not a number: 'NaN'",
        ),
        (
            ('quantity="15" type="accept"', 'quantity="Infinity" type="accept"'),
            "the quantity of ConfirmationStatus 1 of ConfirmationItem 2 is not a number: 'Infinity'",
        ),
        (
            ('<Money currency="EUR">2.25</Money>', '<Money currency="EUR">2,25</Money>'),
            "the UnitPrice of ConfirmationStatus 1 of ConfirmationItem 1 is not a number: '2,25'",
        ),
        (
            ('<Money currency="EUR">2.25</Money>', '<Money currency="EUR">-2.25</Money>'),
            "the UnitPrice of ConfirmationStatus 1 of ConfirmationItem 1 is negative: a confirmed price is 0 or more",
        ),
        (
            ('lineNumber="2"', 'lineNumber="99999999999999999999999"'),
            "the lineNumber of ConfirmationItem 2 is larger than 2147483647: it cannot be stored",
        ),
    ],
)
def test_a_number_we_cannot_store_is_refused_naming_the_field_and_the_limit(order, change, message):
    # Given a confirmation with one number beyond what our columns hold (or not a plain number)
    body = confirmation(order).replace(*change)
    assert body != confirmation(order)
    # When the supplier posts it
    response = post(body)
    # Then it is refused with a 400 naming the field and the limit, and nothing is applied
    assert (response.status_code, status(response)) == (400, (400, message))
    assert unchanged(order)
    everything_reads(order)


def test_after_a_refused_eleven_digit_quantity_the_order_reads_and_takes_the_next_confirmation(order):
    # Given the confirmation of finding 3 (an 11-digit quantity), refused
    huge = confirmation(order, "huge@supplier").replace(
        'quantity="15" type="accept"', 'quantity="12345678901" type="accept"'
    )
    assert post(huge).status_code == 400
    # When the supplier sends a correct one
    response = post(confirmation(order))
    # Then it is applied, and the order, the list and the API read
    assert status(response) == (200, f"{order.number}: confirmation detail applied to lines 1, 2")
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.CONFIRMED
    everything_reads(order)


def test_accepted_quantities_that_add_up_beyond_the_column_are_refused(order):
    statuses = (
        '<ConfirmationStatus quantity="9999999999" type="accept"><UnitOfMeasure>EA</UnitOfMeasure></ConfirmationStatus>'
        '<ConfirmationStatus quantity="9999999999" type="detail"><UnitOfMeasure>EA</UnitOfMeasure></ConfirmationStatus>'
    )
    body = confirmation(order).replace(
        '<ConfirmationStatus quantity="5" type="backordered"',
        statuses + '<ConfirmationStatus quantity="5" type="backordered"',
    )
    response = post(body)
    assert status(response) == (
        400,
        "the accepted quantity of ConfirmationItem for line 2 adds up to more than 9999999999.999: it cannot be stored",
    )
    assert unchanged(order)


@pytest.mark.parametrize(
    "change",
    [
        {"confirmed_quantity": -1},
        {"backordered_quantity": -1},
        {"shipped_quantity": -1},
        {"price_basis_quantity": 0},
        {"unit_price_minor": -1},
        {"confirmed_unit_price_minor": -1},
        {"total_minor": -1},
    ],
    ids=lambda change: next(iter(change)),
)
def test_the_database_refuses_numbers_out_of_range_too(order, change):
    from django.db import IntegrityError, transaction

    line = order.lines.get(line_number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        PurchaseOrderLine.objects.filter(pk=line.pk).update(**change)


# ----------------------------------------------------------------------------------------- currencies


@pytest.mark.parametrize(
    ("currency", "message"),
    [
        ("USD", "ConfirmationItem for line 1: the price is in USD, but {number} is in EUR; confirm prices in EUR"),
        ("JPY", "ConfirmationItem for line 1: the price is in JPY, but {number} is in EUR; confirm prices in EUR"),
        ("XYZ", "ConfirmationItem for line 1: 'XYZ' is not an ISO 4217 currency code"),
    ],
)
def test_a_price_in_another_currency_than_the_orders_is_refused(order, currency, message):
    # Given a confirmed price of 4.44 in another currency than the order's EUR
    body = confirmation(order).replace(
        '<Money currency="EUR">2.25</Money>', f'<Money currency="{currency}">4.44</Money>'
    )
    # When the supplier posts it
    response = post(body)
    # Then it is refused, saying why, and the order keeps its price
    assert (response.status_code, status(response)) == (400, (400, message.format(number=order.number)))
    assert unchanged(order)


# ----------------------------------------------------------------------------------------- payloadIDs


def test_the_same_document_again_gets_the_same_answer(order):
    first = post(confirmation(order))
    again = post(confirmation(order))
    assert (again.status_code, again.content) == (200, first.content)
    assert SupplierDocument.objects.count() == 1


def test_a_different_document_under_a_used_payload_id_is_refused_with_409(order):
    # Given a confirmation applied under payloadID conf-1
    post(confirmation(order))
    # When another document (a rejection) comes under the same payloadID
    rejection = for_order("ConfirmationRequest__derived__reject_whole_order.xml", order)
    payload = rejection.split('payloadID="', 1)[1].split('"', 1)[0]
    response = post(rejection.replace(payload, "conf-1@supplier.example"))
    # Then it is refused as a conflict, and the order stays confirmed
    assert (response.status_code, status(response)) == (
        409,
        (
            409,
            "payloadID conf-1@supplier.example was already used for a different document: nothing was applied. "
            "A new document needs a new payloadID.",
        ),
    )
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.CONFIRMED and SupplierDocument.objects.count() == 1


def test_a_repeat_with_a_rotated_secret_is_still_the_same_document(order):
    first = post(confirmation(order))
    order.supplier.order_shared_secret = "roadrunner"
    order.supplier.save()
    again = post(confirmation(order).replace(f"<SharedSecret>{SUPPLIER_SECRET}<", "<SharedSecret>roadrunner<"))
    assert (again.status_code, again.content) == (200, first.content)


@pytest.mark.parametrize("payload", ['payloadID=""', ""])
def test_a_document_without_payload_id_is_refused(order, payload):
    body = confirmation(order).replace('payloadID="conf-1@supplier.example"', payload)
    response = post(body)
    assert (response.status_code, status(response)) == (
        400,
        (400, "the cXML document has no payloadID: it is needed to apply a document once"),
    )
    assert unchanged(order)


def test_a_payload_id_longer_than_we_keep_is_refused(order):
    response = post(confirmation(order, "x" * 251 + "@supplier"))
    assert (response.status_code, status(response)) == (400, (400, "the payloadID is longer than 250 characters"))
    assert unchanged(order)


# ----------------------------------------------------------------------------- errors and what is logged


@pytest.mark.django_db(transaction=True)  # the endpoint rolls back the request's transaction
def test_an_unexpected_error_is_answered_as_a_cxml_status_500(order, monkeypatch):
    # Given one of our own functions failing unexpectedly (this tests the error path itself)
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(supplier_answers, "_confirm", broken)
    # When a supplier posts a confirmation
    response = post(confirmation(order))
    # Then the answer is a cXML Status 500, not an HTML page, and nothing was applied
    assert response.status_code == 500 and response["Content-Type"].startswith("text/xml")
    code, message = status(response)
    assert code == 500 and message.startswith("Internal error: the document was not applied.")
    assert unchanged(order)


def test_a_malformed_secret_is_not_quoted_into_the_log_or_the_answer(order, caplog):
    # Given a supplier system that sends no DOCTYPE and does not escape its secret, so that part of it reads
    # as an entity reference
    body = (
        confirmation(order)
        .replace(f"<SharedSecret>{SUPPLIER_SECRET}</SharedSecret>", "<SharedSecret>acme&Zq7Wv9Kp2Xq;</SharedSecret>")
        .replace('<!DOCTYPE cXML SYSTEM "http://xml.cxml.org/schemas/cXML/1.2.069/Fulfill.dtd">', "")
    )
    # When it posts its confirmation
    with caplog.at_level(logging.DEBUG):
        response = post(body)
    # Then it is refused as malformed, and neither the answer nor any log line quotes the secret
    code, message = status(response)
    assert (code, message.split(", line")[0]) == (400, "the document is not well-formed XML: undeclared entity")
    assert caplog.records and "Zq7Wv9Kp2Xq" not in caplog.text
    assert b"Zq7Wv9Kp2Xq" not in response.content


# ------------------------------------------------------------------------------------ finding 7: throttling


def test_wrong_supplier_secrets_are_slowed_down_per_identity_and_the_right_one_waits_too(order):
    """Given a supplier identity that fails five times, when anyone posts as it again during the backoff, then
    even the right secret gets a 429 Status with Retry-After and nothing is applied (no oracle)."""
    from django.core.cache import cache

    cache.clear()
    wrong = confirmation(order).replace(f"<SharedSecret>{SUPPLIER_SECRET}<", "<SharedSecret>guess<")
    assert wrong != confirmation(order)
    for attempt in range(5):
        refused = post(wrong.replace("conf-1@", f"guess-{attempt}@"))
        assert (refused.status_code, status(refused)[0]) == (401, 401)
    throttled = post(confirmation(order))
    assert (throttled.status_code, status(throttled)[0]) == (429, 429)
    assert int(throttled["Retry-After"]) == 2
    assert status(throttled)[1] == "Too many failed logins: try again in 2 seconds."
    order.refresh_from_db()
    assert unchanged(order)
    cache.clear()
    assert post(confirmation(order)).status_code == 200


def test_a_confirmation_of_a_cancelled_order_is_refused_with_409_and_nothing_is_applied(order):
    # Given an order the buyer cancelled after it went out
    PurchaseOrder.objects.filter(pk=order.pk).update(status=PurchaseOrder.Status.CANCELLED)

    # When the supplier confirms it anyway
    response = post(confirmation(order))

    # Then the supplier reads why, and the order stays cancelled with no confirmed line
    assert status(response) == (409, f"{order.number} is cancelled: it cannot become confirmed.")
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.CANCELLED
    assert set(order.lines.values_list("confirmed_quantity", flat=True)) == {None}
    assert not order.events.filter(to_status=PurchaseOrder.Status.CONFIRMED).exists()
