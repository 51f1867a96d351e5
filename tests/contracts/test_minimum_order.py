"""A contract's minimum order value: the requester is warned on the cart while the lines priced from it stay
below it, and not once they reach it."""

from decimal import Decimal

from rest_framework.test import APIClient

from procurement.models import Contract
from procurement.money import minimum_order_shortfall_minor
from requisitions.services import CatalogPick, requisition_line_update, requisition_lines_add_from_catalog

WARNING = (
    "Paper &amp; Co's contract FA-2026-01 has a minimum order of 100.00\xa0EUR: this requisition orders "
    "{ordered}\xa0EUR under it, {missing}\xa0EUR short."
)


def test_the_shortfall_rule():
    assert minimum_order_shortfall_minor(ordered_minor=9_000, minimum_minor=10_000) == 1_000
    assert minimum_order_shortfall_minor(ordered_minor=10_000, minimum_minor=10_000) == 0
    assert minimum_order_shortfall_minor(ordered_minor=12_000, minimum_minor=0) == 0


def test_the_cart_warns_below_the_contracts_minimum_and_stops_once_it_is_reached(
    client, cart, requester, paper, toner, framework
):
    Contract.objects.filter(pk=framework.pk).update(minimum_order_minor=10_000)
    requisition_lines_add_from_catalog(
        requisition=cart,
        by=requester,
        picks=[CatalogPick(item=paper, quantity=Decimal(5)), CatalogPick(item=toner, quantity=Decimal(1))],
    )
    client.force_login(requester.user)

    page = client.get(f"/requisitions/{cart.pk}/").content.decode()
    # 5 × 9.00 + 1 × 45.00 = 90.00 of a 100.00 minimum
    assert WARNING.format(ordered="90.00", missing="10.00") in page
    # And the API says the same to an integrator
    api = APIClient()
    api.force_authenticate(requester.user)
    assert api.get(f"/api/v1/requisitions/{cart.pk}/").json()["minimum_order_warnings"] == [
        {
            "contract": "FA-2026-01",
            "supplier": "Paper & Co",
            "minimum": {"amount": "100.00", "currency": "EUR"},
            "ordered": {"amount": "90.00", "currency": "EUR"},
            "missing": {"amount": "10.00", "currency": "EUR"},
        }
    ]

    paper_line = cart.lines.get(supplier_part_id="A4-500")
    requisition_line_update(line=paper_line, by=requester, fields={"quantity": Decimal(7)})
    page = client.get(f"/requisitions/{cart.pk}/").content.decode()
    # 7 × 9.00 + 45.00 = 108.00
    assert "minimum-shortfall" not in page
    assert api.get(f"/api/v1/requisitions/{cart.pk}/").json()["minimum_order_warnings"] == []


def test_a_contract_without_a_minimum_warns_of_nothing(client, cart, requester, paper):
    requisition_lines_add_from_catalog(
        requisition=cart, by=requester, picks=[CatalogPick(item=paper, quantity=Decimal(1))]
    )
    client.force_login(requester.user)
    assert "minimum-shortfall" not in client.get(f"/requisitions/{cart.pk}/").content.decode()
