"""Issue 13 §1 and defect 1 on the way to the supplier: a line priced per 100 keeps its basis in the purchase
order, its OrderRequest (PriceBasisQuantity) and its PDF, and a split line's Distribution charges add up to the
line exactly (largest remainder), as do its budget commitments."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core import mail
from lxml import etree
from pypdf import PdfReader

from budgets.models import BudgetEntry
from orders.order_documents import order_pdf
from p2p.submit_to_order import requisition_submit
from procurement.models import CostCentre, LegalEntity
from procurement.money import Money
from punchout.cart_lines import IncomingLine
from requisitions.services import (
    SplitSpec,
    requisition_create,
    requisition_line_splits_set,
    requisition_lines_replace_external,
)
from tests.punchout.support import dtd_errors

from .conftest import alice, cxml_supplier

pytestmark = pytest.mark.usefixtures("auto_approve")


def test_a_line_priced_per_100_and_split_in_two_reaches_the_supplier_exactly(
    endpoint, django_capture_on_commit_callbacks
):
    acme = cxml_supplier("ACMETOOLS", endpoint.url)
    acme.order_email = ""
    acme.save()
    france = LegalEntity.objects.get(pk=alice().default_legal_entity_id)
    cart = requisition_create(by=alice(), legal_entity=france, title="Screws")
    # given 500 screws at 12.51 EUR per 100: 62.55 EUR, split 50/50 over two cost centres
    [line] = requisition_lines_replace_external(
        requisition=cart,
        by=alice(),
        lines=[
            IncomingLine(
                "Screws",
                Decimal(500),
                "EA",
                Money(Decimal("12.51"), "EUR"),
                acme,
                supplier_part_id="SCR-1",
                price_basis_quantity=Decimal(100),
                unspsc="31161500",
            )
        ],
    )
    centres = list(CostCentre.objects.filter(legal_entity=france).order_by("code"))  # engineering, lab
    requisition_line_splits_set(
        line=line, by=alice(), splits=[SplitSpec(cost_centre=centre, percent=Decimal(50)) for centre in centres]
    )
    with django_capture_on_commit_callbacks(execute=True):
        requisition = requisition_submit(requisition=cart, by=alice())
    order = requisition.purchase_orders.get()
    order_line = order.lines.get()
    assert (order_line.price_basis_quantity, order_line.total_minor, order.total_minor) == (Decimal(100), 6255, 6255)
    # the OrderRequest: the price with its basis, and charges that add up to the line
    (document,) = endpoint.documents
    assert dtd_errors(document) == []
    item = etree.fromstring(document).find(".//ItemOut")
    basis = item.find("ItemDetail/PriceBasisQuantity")
    assert (basis.get("quantity"), basis.get("conversionFactor"), basis.findtext("UnitOfMeasure")) == ("100", "1", "EA")
    assert item.findtext("ItemDetail/UnitPrice/Money") == "12.51"
    charges = [Decimal(m.text) for m in item.findall("Distribution/Charge/Money")]
    assert charges == [Decimal("31.28"), Decimal("31.27")] and sum(charges) == Decimal("62.55")
    # the budget commitments add up to the order too
    committed = BudgetEntry.objects.filter(requisition=requisition, kind=BudgetEntry.Kind.COMMITMENT)
    assert sum(committed.values_list("amount_minor", flat=True)) == 6255
    # and the PDF says what the price is for
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(order_pdf(order))).pages)
    assert "price per 100 EA" in text and "62.55" in text
    assert not [m for m in mail.outbox if "Purchase order" in m.subject]
