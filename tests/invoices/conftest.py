from dataclasses import dataclass
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone

from orders.models import PurchaseOrder, PurchaseOrderLine, PurchaseOrderRevision
from procurement.models import Supplier
from procurement.money import to_minor
from tests.factories import Company, company, requisition_for
from tests.factories_documents import CxmlSupplierFactory

from .helpers import world  # noqa: F401 - the fixture of the match tests

_NUMBERS = count(1)

ACME_FR_VAT = "FR83404833048"
ACME_SE_VAT = "SE556677889901"
DURAND_VAT = "FR40303265045"


@pytest.fixture
def acme(db) -> Company:
    """Acme (tests.factories.company) with the VAT numbers of its two entities."""
    acme = company()
    acme.france.tax_id = ACME_FR_VAT
    acme.france.save()
    acme.sweden.tax_id = ACME_SE_VAT
    acme.sweden.save()
    return acme


@pytest.fixture
def durand(db) -> Supplier:
    """A French supplier known by its VAT number, sending cXML with identity DURAND-ID and a shared secret."""
    return CxmlSupplierFactory(code="DURAND", name="Fournitures Durand SARL", tax_id=DURAND_VAT)


@dataclass(frozen=True)
class Ordered:
    part: str
    quantity: str
    price: str
    description: str = "Item"


def purchase_order(
    supplier: Supplier,
    acme: Company,
    lines: tuple[Ordered, ...] = (Ordered("P-1", "5", "8.00"), Ordered("P-2", "2", "12.50")),
    *,
    number: str | None = None,
    payload_id: str | None = None,
    currency: str = "EUR",
    entity=None,
) -> PurchaseOrder:
    """An order sent to `supplier` for alice's requisition, with its first revision's payloadID."""
    entity = entity or acme.france
    number = number or f"{entity.po_number_prefix}{next(_NUMBERS):06d}"
    requisition = requisition_for(acme.alice, entity, title=f"For {number}")
    totals = [to_minor(Decimal(line.quantity) * Decimal(line.price), currency) for line in lines]
    order = PurchaseOrder.objects.create(
        legal_entity=entity,
        number=number,
        supplier=supplier,
        currency=currency,
        requisition=requisition,
        status=PurchaseOrder.Status.SENT,
        method=supplier.order_method,
        total_minor=sum(totals),
    )
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(
            purchase_order=order,
            line_number=position,
            supplier_part_id=line.part,
            description=line.description,
            quantity=Decimal(line.quantity),
            unit="EA",
            unit_price_minor=to_minor(line.price, currency),
            total_minor=total,
        )
        for position, (line, total) in enumerate(zip(lines, totals, strict=True), 1)
    )
    PurchaseOrderRevision.objects.create(
        purchase_order=order,
        revision=1,
        kind=PurchaseOrderRevision.Kind.NEW,
        payload_id=payload_id or f"{number}.1@acme.example",
        timestamp=timezone.now(),
        total_minor=sum(totals),
    )
    return order
