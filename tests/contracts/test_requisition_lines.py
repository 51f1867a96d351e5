"""A requisition line added from the catalog, the API or quick order is priced from the contract in force, at
the tier of its quantity, and priced again when its quantity changes."""

from decimal import Decimal

from procurement.models import Contract
from procurement.money import Money
from requisitions.services import (
    CatalogPick,
    requisition_copy,
    requisition_line_update,
    requisition_lines_add_from_catalog,
)
from tests.factories import api_token


def lines(cart):
    return [
        (
            line.supplier_part_id,
            line.quantity,
            line.unit_price,
            line.total,
            line.contract.number if line.contract else None,
        )
        for line in cart.lines.select_related("contract").order_by("line_number")
    ]


def eur(text):
    return Money(Decimal(text), "EUR")


def test_a_catalog_line_is_priced_at_the_tier_of_its_quantity(cart, requester, paper, toner):
    requisition_lines_add_from_catalog(
        requisition=cart,
        by=requester,
        picks=[CatalogPick(item=paper, quantity=Decimal(10)), CatalogPick(item=toner, quantity=Decimal(1))],
    )
    assert lines(cart) == [
        ("A4-500", Decimal(10), eur("8.50"), eur("85.00"), "FA-2026-01"),
        ("TONER-1", Decimal(1), eur("45.00"), eur("45.00"), "FA-2026-01"),
    ]
    cart.refresh_from_db()
    assert cart.total == eur("130.00")


def test_changing_the_quantity_moves_the_line_to_its_tier(cart, requester, paper):
    requisition_lines_add_from_catalog(
        requisition=cart, by=requester, picks=[CatalogPick(item=paper, quantity=Decimal(9))]
    )
    line = cart.lines.get()
    assert line.unit_price == eur("9.00")

    requisition_line_update(line=line, by=requester, fields={"quantity": Decimal(100)})
    assert lines(cart) == [("A4-500", Decimal(100), eur("8.00"), eur("800.00"), "FA-2026-01")]
    requisition_line_update(line=line, by=requester, fields={"quantity": Decimal(99)})
    assert lines(cart) == [("A4-500", Decimal(99), eur("8.50"), eur("841.50"), "FA-2026-01")]
    cart.refresh_from_db()
    assert cart.total == eur("841.50")
    change = cart.events.filter(kind="line_changed").order_by("pk").last()
    assert change.data["changes"]["unit_price"] == ["8.00\xa0EUR", "8.50\xa0EUR"]


def test_adding_the_same_item_again_prices_the_combined_quantity(cart, requester, paper):
    requisition_lines_add_from_catalog(
        requisition=cart, by=requester, picks=[CatalogPick(item=paper, quantity=Decimal(5))]
    )
    requisition_lines_add_from_catalog(
        requisition=cart, by=requester, picks=[CatalogPick(item=paper, quantity=Decimal(5))]
    )
    assert lines(cart) == [("A4-500", Decimal(10), eur("8.50"), eur("85.00"), "FA-2026-01")]


def test_without_a_contract_in_force_the_price_list_applies(cart, requester, paper, framework):
    Contract.objects.filter(pk=framework.pk).update(status=Contract.Status.ENDED)
    requisition_lines_add_from_catalog(
        requisition=cart, by=requester, picks=[CatalogPick(item=paper, quantity=Decimal(10))]
    )
    assert lines(cart) == [("A4-500", Decimal(10), eur("8.00"), eur("80.00"), None)]


def test_a_copy_is_priced_at_todays_contract(cart, requester, paper):
    requisition_lines_add_from_catalog(
        requisition=cart, by=requester, picks=[CatalogPick(item=paper, quantity=Decimal(100))]
    )
    copy = requisition_copy(requisition=cart, by=requester)
    assert lines(copy) == [("A4-500", Decimal(100), eur("8.00"), eur("800.00"), "FA-2026-01")]


def test_the_api_and_quick_order_add_lines_at_the_contract_tier(api_client, cart, requester, paper):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(requester.user)}")
    added = api_client.post(
        f"/api/v1/requisitions/{cart.pk}/lines/", {"sku": "A4-500", "quantity": "10"}, format="json"
    )
    assert added.status_code == 201, added.json()
    quick = api_client.post(f"/api/v1/requisitions/{cart.pk}/quick-add/", {"text": "TONER-1 2"}, format="json")
    assert quick.status_code in (200, 201), quick.json()
    assert lines(cart) == [
        ("A4-500", Decimal(10), eur("8.50"), eur("85.00"), "FA-2026-01"),
        ("TONER-1", Decimal(2), eur("45.00"), eur("90.00"), "FA-2026-01"),
    ]
