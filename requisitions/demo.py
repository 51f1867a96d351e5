"""Demo data of requisitions: alice has two open carts and one saved list (idempotent)."""

from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from procurement.models import CatalogItem, Employee, LegalEntity

from .models import Requisition, RequisitionList, RequisitionListItem
from .services import CatalogPick, requisition_create, requisition_lines_add_from_catalog

CARTS = {
    "Lab restock": [("LS-GLV-NIT-M", 5), ("LS-TIP-200-S", 10), ("LS-TUB-50-PO", 4)],
    "New starter kit": [("NI-NB-7450-16-512", 1), ("NI-MON-27-QHD", 2), ("NI-KB-FRENCH-USB", 1), ("NI-MS-WIRELESS", 1)],
}
LIST_NAME = "Monthly office supplies"
LIST_ITEMS = [("BT-PAP-A4-80-WHI", 10), ("BT-PEN-BLU-10", 2), ("BT-NOTE-YEL", 1), ("BT-STA-246", 1)]


def _picks(skus: list[tuple[str, int]]) -> list[CatalogPick]:
    items = {item.sku: item for item in CatalogItem.objects.filter(sku__in=[sku for sku, _ in skus])}
    return [CatalogPick(item=items[sku], quantity=Decimal(quantity)) for sku, quantity in skus if sku in items]


@transaction.atomic
def seed(report: Callable[[str], None]) -> None:
    alice = Employee.objects.get(user__username="alice")
    france = LegalEntity.objects.get(code="ACME-FR")
    for title, skus in CARTS.items():
        if not Requisition.objects.filter(requester=alice, title=title).exists():
            cart = requisition_create(by=alice, legal_entity=france, title=title)
            requisition_lines_add_from_catalog(requisition=cart, by=alice, picks=_picks(skus))
    if not RequisitionList.objects.filter(owner=alice, name=LIST_NAME).exists():
        saved = RequisitionList.objects.create(
            name=LIST_NAME, owner=alice, legal_entity=france, shared_with=alice.org_unit
        )
        RequisitionListItem.objects.bulk_create(
            RequisitionListItem(
                requisition_list=saved,
                position=position,
                catalog_item=pick.item,
                sku=pick.item.sku,
                description=pick.item.name,
                quantity=pick.quantity,
                unit=pick.item.unit,
                supplier=pick.item.supplier,
                unit_price_minor=pick.item.base_price_minor,
                currency=pick.item.currency,
            )
            for position, pick in enumerate(_picks(LIST_ITEMS), 1)
        )
    report(f"alice's carts: {', '.join(CARTS)}; saved list: {LIST_NAME}")
