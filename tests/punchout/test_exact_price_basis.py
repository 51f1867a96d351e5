"""Defect 1 of issue 13: a shop's price for a basis quantity (OCI PRICEUNIT, cXML PriceBasisQuantity) is kept
with its basis and the line total is rounded once: 500 at 12.50 per 100 is 62.50, not 65.00 (12.50 / 100
rounded to 0.13 first). The basis goes on to the order's OrderRequest."""

import base64
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.test import Client
from lxml import etree

from procurement.models import Role
from requisitions.services import requisition_create
from tests.factories import CostCentreFactory, EmployeeFactory

from .test_sessions import form_of, post_back, punch_out, shop


@pytest.fixture
def shopper_and_cart(client, france):
    employee = EmployeeFactory(legal_entities=[france], roles=[Role.REQUESTER])
    employee.default_cost_centre = CostCentreFactory(legal_entity=france, code="FR-CC")
    employee.save()
    client.force_login(employee.user)
    return client, requisition_create(by=employee, legal_entity=france, title="Shop run")


def test_an_oci_price_per_100_is_kept_with_its_basis_and_the_total_rounded_once(shopper_and_cart, oci_connection, site):
    shopper, cart = shopper_and_cart
    start_url = punch_out(shopper, cart, oci_connection)
    _, fields = form_of(Client().get(urlparse(start_url).path).content)
    hook = dict(fields)["HOOK_URL"]
    # given the shop's cart: 500 screws at 12.50 EUR per 100
    body = (
        "NEW_ITEM-DESCRIPTION[1]=Screws&NEW_ITEM-QUANTITY[1]=500&NEW_ITEM-UNIT[1]=EA"
        "&NEW_ITEM-PRICE[1]=12.50&NEW_ITEM-PRICEUNIT[1]=100&NEW_ITEM-CURRENCY[1]=EUR&NEW_ITEM-VENDORMAT[1]=SCR-1"
    )
    assert Client().post(urlparse(hook).path, body, content_type="application/x-www-form-urlencoded").status_code == 303
    # then the line keeps the price and its basis, and comes to 62.50 EUR
    line = cart.lines.get()
    assert (line.unit_price_minor, line.price_basis_quantity, line.total_minor) == (1250, Decimal(100), 6250)
    cart.refresh_from_db()
    assert cart.total_minor == 6250


def with_price_basis(message: bytes, *, quantity: str, factor: str, ordered: str, price: str) -> bytes:
    root = etree.fromstring(message)
    item = root.find(".//ItemIn")
    item.set("quantity", ordered)
    item.find("ItemDetail/UnitPrice/Money").text = price
    unit = item.find("ItemDetail/UnitOfMeasure")
    basis = etree.Element("PriceBasisQuantity", quantity=quantity, conversionFactor=factor)
    etree.SubElement(basis, "UnitOfMeasure").text = "EA"
    unit.addnext(basis)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize(
    ("quantity", "factor", "basis", "total_minor"),
    [
        ("100", "1", Decimal(100), 6250),  # 12.50 for 100 pieces, ordered in pieces
        ("100", "2", Decimal(50), 12500),  # 12.50 for 100 halves: one ordered piece is 2 of them
        ("1", "3", Decimal(1), 1875000),  # 12.50 for one third of a piece: 37.50 per piece, exact
    ],
)
def test_a_cxml_price_basis_quantity_is_kept_and_the_total_rounded_once(
    shopper_and_cart, cxml_connection, site, quantity, factor, basis, total_minor
):
    shopper, cart = shopper_and_cart
    action, fields = shop(punch_out(shopper, cart, cxml_connection), {"SHOP-PEN": 1})
    message = with_price_basis(
        base64.b64decode(fields[0][1]), quantity=quantity, factor=factor, ordered="500", price="12.50"
    )
    assert post_back(action, [("cxml-base64", base64.b64encode(message).decode())]).status_code == 303
    line = cart.lines.get()
    assert (line.price_basis_quantity, line.total_minor) == (basis, total_minor)
    assert line.quantity * line.unit_price_minor / line.price_basis_quantity == total_minor


def test_a_cxml_price_basis_of_zero_is_refused(shopper_and_cart, cxml_connection, site):
    shopper, cart = shopper_and_cart
    action, fields = shop(punch_out(shopper, cart, cxml_connection), {"SHOP-PEN": 1})
    message = with_price_basis(base64.b64decode(fields[0][1]), quantity="100", factor="0", ordered="5", price="1")
    refused = post_back(action, [("cxml-base64", base64.b64encode(message).decode())])
    assert refused.status_code == 400
    assert "PriceBasisQuantity" in refused.content.decode()
    assert cart.lines.count() == 0
