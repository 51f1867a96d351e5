"""Publishing a supplier's catalog: many items written at once, keyed by (supplier, SKU).

New SKUs are created and known ones updated in batches (`bulk_insert_rows`: COPY on PostgreSQL, `bulk_create`
elsewhere; `bulk_update`); items a full catalog no
longer names are deactivated, never deleted (requisitions and orders point at them). One transaction, under the
supplier's row lock, so two publications of one supplier run one after the other; one audit event says what changed.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db import transaction
from django.utils import timezone

from .bulk import bulk_insert_rows
from .events import audit_event_record
from .lock_objects import suppliers_qs_select_for_update
from .models import CatalogItem, Supplier

BATCH_SIZE = 1000
EVENT_TYPE = "procurement.catalog.published"


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogItemValues:
    """An item as a catalog gives it; checked already (the caller's line checks follow the model's rules)."""

    sku: str
    name: str
    description: str
    unspsc: str
    unit: str
    base_price_minor: int
    currency: str
    lead_time_days: int
    manufacturer: str
    manufacturer_part_id: str
    pack_size: Decimal | None
    order_multiple: Decimal
    minimum_quantity: Decimal
    image_url: str
    datasheet_url: str


WRITTEN = [f.name for f in fields(CatalogItemValues) if f.name != "sku"]
NEW_FIELDS = ["supplier_id", "sku", "is_active", *WRITTEN]


@dataclass(frozen=True)
class CatalogPublication:
    created: int
    updated: int
    deactivated: int


def _batches[T](items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


@transaction.atomic
def catalog_items_publish(
    *,
    supplier: Supplier,
    items: Iterable[CatalogItemValues],
    deactivate_skus: Iterable[str] = (),
    actor: Any = None,
    source: dict[str, Any] | None = None,
    batch_size: int = BATCH_SIZE,
) -> CatalogPublication:
    """Create or update `items` of `supplier` (active again if they were not), then deactivate `deactivate_skus`;
    `source` (the upload's id, its format) goes into the audit event with the counts."""
    supplier = suppliers_qs_select_for_update().get(pk=supplier.pk)
    known = dict(CatalogItem.objects.filter(supplier=supplier).values_list("sku", "pk"))
    created = updated = 0
    now = timezone.now()
    for batch in _batches(items, batch_size):
        new: list[tuple[Any, ...]] = []
        changed: list[CatalogItem] = []
        for values in batch:
            data = [getattr(values, name) for name in WRITTEN]
            pk = known.get(values.sku)
            if pk is None:
                new.append((supplier.pk, values.sku, True, *data))
                known[values.sku] = 0  # a SKU twice in `items` is written once
            elif pk:
                fields_given = dict(zip(WRITTEN, data, strict=True))
                changed.append(
                    CatalogItem(
                        pk=pk, supplier=supplier, sku=values.sku, is_active=True, updated_at=now, **fields_given
                    )
                )
        if new:
            # Rows, not model instances: COPY on PostgreSQL, bulk_create elsewhere (the same defaults either way).
            bulk_insert_rows(CatalogItem, NEW_FIELDS, new, with_ids=False, batch_size=batch_size)
            created += len(new)
        if changed:
            CatalogItem.objects.bulk_update(changed, [*WRITTEN, "is_active", "updated_at"], batch_size=batch_size)
            updated += len(changed)
    deactivated = 0
    for skus in _batches(deactivate_skus, batch_size):
        deactivated += CatalogItem.objects.filter(supplier=supplier, sku__in=skus, is_active=True).update(
            is_active=False, updated_at=now
        )
    audit_event_record(
        event_type=EVENT_TYPE,
        actor=actor,
        obj=supplier,
        data={"created": created, "updated": updated, "deactivated": deactivated, **(source or {})},
    )
    return CatalogPublication(created=created, updated=updated, deactivated=deactivated)
