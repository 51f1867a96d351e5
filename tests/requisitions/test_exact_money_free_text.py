"""Defect 15 of issue 13: free-text prices are ISO 4217 currencies with a stored rate, bounded and not negative;
a refusal keeps what was typed (page) or answers 400 {"code","message"} (API), and stores nothing. A total
that cannot be converted says which rate is missing instead of 0.00."""

from decimal import Decimal

import pytest

from procurement.models import ExchangeRate
from procurement.money import Money
from punchout.cart_lines import IncomingLine
from requisitions.models import RequisitionLine
from requisitions.services import requisition_lines_replace_external
from tests.factories import api_token


@pytest.fixture
def api(api_client, requester):
    token = api_token(requester.user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api_client


def add_free_text(api, cart, amount, currency):
    return api.post(
        f"/api/v1/requisitions/{cart.pk}/lines/",
        {
            "description": "Calibration",
            "quantity": "1",
            "unit": "EA",
            "unit_price": {"amount": amount, "currency": currency},
        },
        format="json",
    )


@pytest.mark.parametrize(
    ("amount", "currency", "code", "message"),
    [
        ("10", "XYZ", "invalid_currency", "'XYZ' is not an ISO 4217 currency code (EUR, SEK, USD …)."),
        ("99999999999999", "EUR", "invalid_price", "A price can be at most 999999999.99 EUR."),
        ("-5", "EUR", "invalid", "unit_price: A price cannot be negative."),
        (
            "10",
            "SEK",
            "invalid_currency",
            "No exchange rate from SEK to EUR is stored: use EUR or ask finance to add the rate.",
        ),
    ],
)
def test_the_api_refuses_a_free_text_price_it_cannot_use_and_stores_nothing(api, cart, amount, currency, code, message):
    # given a EUR cart (no SEK rate stored); when a free-text line comes with that price
    response = add_free_text(api, cart, amount, currency)
    # then 400 with the code and message, and the cart is as it was
    assert response.status_code == 400
    assert {k: response.json()[k] for k in ("code", "message")} == {"code": code, "message": message}
    assert RequisitionLine.objects.filter(requisition=cart).count() == 0


def test_the_api_takes_the_largest_price_and_a_currency_with_a_stored_rate(api, cart):
    ExchangeRate.objects.create(from_currency="SEK", to_currency="EUR", rate=Decimal("0.089"), valid_from="2020-01-01")
    assert add_free_text(api, cart, "999999999.99", "EUR").status_code == 201
    body = add_free_text(api, cart, "1000", "SEK").json()
    assert body["total"] == {"amount": "1000000088.99", "currency": "EUR"}
    assert body["total_rates"] == {"SEK": "0.089"}


def test_the_page_keeps_what_was_typed_and_shows_the_error_at_the_currency(client, requester, cart):
    client.force_login(requester.user)
    response = client.post(
        f"/requisitions/{cart.pk}/free-text/",
        {"description": "Calibration kit", "quantity": "3", "unit": "EA", "unit_price": "12.50", "currency": "XYZ"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="free-text-currency-error">&#x27;XYZ&#x27; is not an ISO 4217 currency code' in page
    assert 'name="description" required value="Calibration kit"' in page
    assert 'name="unit_price" inputmode="decimal" required value="12.50"' in page
    assert 'name="currency" value="XYZ"' in page
    assert 'name="quantity" inputmode="decimal" value="3"' in page
    assert RequisitionLine.objects.filter(requisition=cart).count() == 0


def test_the_page_refuses_a_huge_price_at_its_field(client, requester, cart):
    client.force_login(requester.user)
    response = client.post(
        f"/requisitions/{cart.pk}/free-text/",
        {"description": "Typo", "quantity": "1", "unit": "EA", "unit_price": "99999999999999", "currency": "EUR"},
    )
    assert response.status_code == 400
    assert 'id="free-text-unit_price-error">A price can be at most 999999999.99 EUR.' in response.content.decode()
    assert RequisitionLine.objects.filter(requisition=cart).count() == 0


def test_the_approval_preview_and_cart_name_a_missing_rate_instead_of_zero(client, api, requester, cart):
    # given a cart with a line in SEK (from a shop) and no SEK→EUR rate
    requisition_lines_replace_external(
        requisition=cart,
        by=requester,
        lines=[IncomingLine("Kit", Decimal(2), "EA", Money(Decimal("100.00"), "SEK"), None)],
    )
    cart.refresh_from_db()
    assert cart.total is None
    # then the preview (API and page) names the missing rate and never shows 0.00 EUR
    chain = api.get(f"/api/v1/requisitions/{cart.pk}/approval-chain/").json()
    assert chain["total"] == {"amount": None, "currency": "EUR"}
    assert chain["problems"] == ["No exchange rate from SEK to EUR is stored."]
    client.force_login(requester.user)
    page = client.get(f"/requisitions/{cart.pk}/").content.decode()
    assert "No exchange rate from SEK to EUR is stored." in page
    assert "0.00 EUR" not in page and "0.00\xa0EUR" not in page
