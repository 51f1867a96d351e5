"""Issue 16 §4: the cart shows each line's VAT and, per currency, the net total, the VAT of each rate and the
total with VAT. A catalog item says its kind of tax (and rate), a typed line takes the entity's standard rate,
and a supplier in another EU member state is reverse charge."""

from decimal import Decimal

from procurement.money import Money
from procurement.taxes import tax_codes_default_create
from requisitions.services import (
    CatalogPick,
    requisition_line_add_free_text,
    requisition_line_update,
    requisition_lines_add_from_catalog,
)
from tests.factories import CatalogItemFactory, SupplierFactory


def test_the_cart_shows_net_vat_by_rate_and_gross(client, cart, requester, france):
    tax_codes_default_create(legal_entity=france, country="FR")
    paris = SupplierFactory(code="LIBRAIRIE", name="Librairie de Paris", country="FR")
    book = CatalogItemFactory(
        supplier=paris, sku="BOOK-1", name="Handbook", base_price_minor=2995, tax_kind="reduced", tax_rate="5.5"
    )
    # given a book at 5.5 %, a typed line at the standard 20 % and a typed line from a Swedish supplier
    requisition_lines_add_from_catalog(
        requisition=cart, by=requester, picks=[CatalogPick(item=book, quantity=Decimal(2))]
    )
    desk = requisition_line_add_free_text(
        requisition=cart, by=requester, description="Desk", quantity=Decimal(1), unit="EA",
        unit_price=Money(Decimal("250.05"), "EUR"), supplier=paris,
    )  # fmt: skip
    stockholm = SupplierFactory(code="MOBEL", name="Möbel AB", country="SE")
    requisition_line_add_free_text(
        requisition=cart, by=requester, description="Chair", quantity=Decimal(1), unit="EA",
        unit_price=Money(Decimal("100.00"), "EUR"), supplier=stockholm,
    )  # fmt: skip
    lines = list(cart.lines.order_by("line_number"))
    assert [(line.tax_code, line.tax_rate, line.tax_minor) for line in lines] == [
        ("AA5.5", Decimal("5.500"), 329),  # 59.90 × 5.5 % = 3.2945
        ("S20", Decimal("20.000"), 5001),  # 250.05 × 20 % = 50.01
        ("AE", Decimal("0.000"), 0),
    ]
    # when the desk's quantity changes, its tax follows
    requisition_line_update(line=desk, by=requester, fields={"quantity": Decimal(2)})
    desk.refresh_from_db()
    assert desk.tax_minor == 10002
    # then the cart page shows each rate on its net and the total with VAT
    client.force_login(requester.user)
    page = client.get(f"/requisitions/{cart.pk}/").content.decode()
    assert "VAT 20 % on 500.10\xa0EUR" in page and "100.02\xa0EUR" in page
    assert "VAT 5.5 % on 59.90\xa0EUR" in page and "3.29\xa0EUR" in page
    assert "VAT 0 % reverse charge on 100.00\xa0EUR" in page
    assert "Total EUR with VAT" in page and "763.31\xa0EUR" in page  # 660.00 net + 103.31 VAT
    assert "Art. 196 Directive 2006/112/EC" in page


def test_a_cart_of_an_entity_without_tax_codes_shows_no_vat(client, cart, requester):
    requisition_line_add_free_text(
        requisition=cart, by=requester, description="Desk", quantity=Decimal(1), unit="EA",
        unit_price=Money(Decimal("250.00"), "EUR"),
    )  # fmt: skip
    line = cart.lines.get()
    assert (line.tax_code, line.tax_rate, line.tax_minor) == ("", None, 0)
    client.force_login(requester.user)
    assert "with VAT" not in client.get(f"/requisitions/{cart.pk}/").content.decode()
