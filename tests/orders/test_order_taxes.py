"""Issue 16 §4: taxes on purchase orders. Each line carries the buying entity's tax code and its tax (rounded per
line); the order adds them up apart from its net total; the OrderRequest carries a Tax per ItemOut and in its
header (valid against the cXML DTD), the PDF a VAT column and summary, the page and the API the amounts. A
Swedish supplier of a French entity is EU reverse charge: 0 % on the documents, with the legal mention."""

import re
from decimal import Decimal
from io import BytesIO

import pytest
from lxml import etree
from pypdf import PdfReader

from orders.order_documents import order_pdf
from procurement.models import Employee, LegalEntity
from procurement.taxes import tax_codes_default_create
from punchout import cxml
from tests.factories import api_token
from tests.punchout.support import dtd_errors

from .conftest import alice, cxml_supplier, ordered

pytestmark = pytest.mark.usefixtures("auto_approve")

REVERSE_CHARGE = "Reverse charge — VAT to be accounted for by the recipient (Art. 196 Directive 2006/112/EC)"


def french_entity() -> LegalEntity:
    """alice's entity, in France, with the French default tax codes."""
    france = LegalEntity.objects.get(pk=alice().default_legal_entity_id)
    tax_codes_default_create(legal_entity=france, country="FR")
    return france


def pdf_text(order) -> str:
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(order_pdf(order))).pages)
    return re.sub(r"\s+", " ", text)


def api_of(api_client, order) -> dict:
    user = Employee.objects.get(user__username="frank").user
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return api_client.get(f"/api/v1/purchase-orders/{order.pk}/").json()


def test_a_french_order_from_a_french_supplier_carries_20_percent_per_line_and_in_total(
    endpoint, client, api_client, django_capture_on_commit_callbacks
):
    french_entity()
    tools = cxml_supplier("OUTILLAGE", endpoint.url)
    tools.country = "FR"
    tools.save()
    # given two lines at the French standard rate: 2 × 120.00 and 1 × 99.95 EUR
    with django_capture_on_commit_callbacks(execute=True):
        requisition = ordered([(tools, "Torque wrench", "2", "120.00"), (tools, "Drill", "1", "99.95")])
    order = requisition.purchase_orders.get()
    # then each line has its tax, rounded once per line (99.95 × 20 % = 19.99), and the order their sum
    assert [(line.tax_code, line.tax_category, line.tax_rate, line.tax_minor) for line in order.lines.all()] == [
        ("S20", "S", Decimal("20.000"), 4800),
        ("S20", "S", Decimal("20.000"), 1999),
    ]
    assert (order.total_minor, order.tax_minor) == (33995, 6799)  # the total stays net
    # the OrderRequest: a Tax per ItemOut and in the header, valid against the DTD; Total stays net
    (document,) = endpoint.documents
    assert dtd_errors(document) == []
    root = etree.fromstring(document)
    header = root.find("Request/OrderRequest/OrderRequestHeader")
    assert header.findtext("Total/Money") == "339.95"
    assert header.findtext("Tax/Money") == "67.99"
    [detail] = header.findall("Tax/TaxDetail")
    assert (detail.get("category"), detail.get("percentageRate"), detail.get("taxRateType")) == ("vat", "20", "S")
    assert (detail.findtext("TaxableAmount/Money"), detail.findtext("TaxAmount/Money")) == ("339.95", "67.99")
    item_taxes = [
        (item.findtext("Tax/Money"), item.find("Tax/TaxDetail").get("percentageRate")) for item in root.iter("ItemOut")
    ]
    assert item_taxes == [("48.00", "20"), ("19.99", "20")]
    # the PDF: the rate on each line, the VAT under the total, and the total with VAT; no reverse charge
    text = pdf_text(order)
    assert "Total before VAT 339.95 EUR" in text
    assert "VAT 20 % on 339.95 67.99 EUR" in text
    assert "Total with VAT 407.94 EUR" in text
    assert "Reverse charge" not in text
    # the page and the API
    client.force_login(alice().user)
    page = client.get(f"/purchase-orders/{order.pk}/").content.decode()
    assert "VAT 20 %" in page and "407.94\xa0EUR" in page
    data = api_of(api_client, order)
    assert data["total"] == {"amount": "339.95", "currency": "EUR"}
    assert data["tax"] == {"amount": "67.99", "currency": "EUR"}
    assert data["reverse_charge"] is False
    assert [(line["tax"]["amount"], line["tax_rate"], line["tax_category"]) for line in data["lines"]] == [
        ("48.00", "20", "S"),
        ("19.99", "20", "S"),
    ]


def test_a_swedish_supplier_of_a_french_entity_is_reverse_charge_on_the_order_its_cxml_and_pdf(
    endpoint, client, api_client, django_capture_on_commit_callbacks
):
    french_entity()
    nordic = cxml_supplier("NORDICTOOLS", endpoint.url)
    nordic.country = "SE"
    nordic.save()
    with django_capture_on_commit_callbacks(execute=True):
        requisition = ordered([(nordic, "Server rack", "1", "1000.00"), (nordic, "Cables", "10", "4.99")])
    order = requisition.purchase_orders.get()
    # then every line is the entity's reverse-charge code: AE, 0 %, no tax
    assert [(line.tax_code, line.tax_category, line.tax_rate, line.tax_minor) for line in order.lines.all()] == [
        ("AE", "AE", Decimal("0.000"), 0),
        ("AE", "AE", Decimal("0.000"), 0),
    ]
    assert (order.total_minor, order.tax_minor) == (104990, 0)
    # the OrderRequest with reverse charge is valid against the DTD, and says so on each line and in the header
    (document,) = endpoint.documents
    assert dtd_errors(document) == []
    root = etree.fromstring(document)
    header = root.find("Request/OrderRequest/OrderRequestHeader")
    assert (header.findtext("Total/Money"), header.findtext("Tax/Money")) == ("1049.90", "0.00")
    assert header.findtext("Tax/Description") == REVERSE_CHARGE
    for item in root.iter("ItemOut"):
        detail = item.find("Tax/TaxDetail")
        assert (detail.get("percentageRate"), detail.get("taxRateType")) == ("0", "AE")
        assert detail.findtext("TaxAmount/Money") == "0.00"
        assert detail.find("TaxExemption").get("exemptCode") == "VATEX-EU-AE"
    # and it reads back with its taxes
    read = cxml.parse_order_request(document)
    assert (read.tax.money.amount, read.tax.details[0].exemption_code) == (Decimal("0.00"), "VATEX-EU-AE")
    assert [item.tax.single_rate for item in read.items] == [Decimal(0), Decimal(0)]
    # the PDF carries the legal mention
    text = pdf_text(order)
    assert "VAT 0 % reverse charge on 1,049.90 0.00 EUR" in text
    assert REVERSE_CHARGE in text
    # the page and the API
    client.force_login(alice().user)
    assert REVERSE_CHARGE in client.get(f"/purchase-orders/{order.pk}/").content.decode()
    data = api_of(api_client, order)
    assert data["reverse_charge"] is True
    assert data["tax"] == {"amount": "0.00", "currency": "EUR"}
    assert {(line["tax_rate"], line["tax_category"]) for line in data["lines"]} == {("0", "AE")}


def test_two_french_parties_are_not_reverse_charge(endpoint, django_capture_on_commit_callbacks):
    french_entity()
    local = cxml_supplier("LYONTOOLS", endpoint.url)
    local.country = "FR"
    local.save()
    with django_capture_on_commit_callbacks(execute=True):
        requisition = ordered([(local, "Bench", "1", "100.00")])
    line = requisition.purchase_orders.get().lines.get()
    assert (line.tax_category, line.tax_rate, line.tax_minor) == ("S", Decimal("20.000"), 2000)
    assert "Reverse charge" not in pdf_text(line.purchase_order)


def test_lowering_a_quantity_recomputes_the_line_tax_at_its_rate(endpoint, django_capture_on_commit_callbacks):
    from orders.order_changes import LineChange
    from p2p.submit_to_order import purchase_order_change

    french_entity()
    tools = cxml_supplier("OUTILS", endpoint.url)
    with django_capture_on_commit_callbacks(execute=True):
        requisition = ordered([(tools, "Gloves", "10", "3.35")])
    order = requisition.purchase_orders.get()
    assert (order.total_minor, order.tax_minor) == (3350, 670)
    buyer = Employee.objects.get(user__username="frank")
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_change(order=order, by=buyer, changes=[LineChange(1, quantity=Decimal(3))], note="Fewer")
    order.refresh_from_db()
    assert (order.total_minor, order.tax_minor) == (1005, 201)  # 10.05 × 20 % = 2.01
    assert order.lines.get().tax_minor == 201
