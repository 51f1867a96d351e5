"""Writes of the core domain. Each owns its transaction and records an audit event in it."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from .error_codes import ProcurementErrorCode
from .errors import ProcurementError
from .events import audit_changes, audit_event_record
from .lock_objects import document_sequence_qs_select_for_update, suppliers_qs_select_for_update
from .models import (
    QUANTITY_STEP,
    CatalogItem,
    CatalogItemAttribute,
    DocumentSequence,
    LegalEntity,
    Supplier,
    TaxKind,
)
from .money import MoneyError, to_minor, typed_price_check
from .task_queue import task_enqueue_on_commit
from .tasks import notification_email_send


@transaction.atomic
def catalog_item_create(
    *,
    by: Any,
    supplier: Supplier,
    sku: str,
    name: str,
    unspsc: str,
    unit: str,
    price: Decimal,
    currency: str | None = None,
    description: str = "",
    lead_time_days: int = 0,
    manufacturer: str = "",
    manufacturer_part_id: str = "",
    attributes: dict[str, str] | None = None,
    order_multiple: Decimal = QUANTITY_STEP,
    minimum_quantity: Decimal = QUANTITY_STEP,
    tax_kind: str = TaxKind.STANDARD,
    tax_rate: Decimal | None = None,
) -> CatalogItem:
    """Add an item to a supplier's catalog; a SKU the supplier already has is refused."""
    if CatalogItem.objects.filter(supplier=supplier, sku=sku).exists():
        raise ProcurementError(
            _("%(code)s already has an item %(sku)s.") % {"code": supplier.code, "sku": sku},
            code=ProcurementErrorCode.DUPLICATE_SKU,
        )
    item_currency = currency or supplier.currency
    try:
        typed_price_check(price, item_currency)  # the bound of every typed price (docs/money.md)
    except MoneyError as error:
        raise ProcurementError(str(error), code=ProcurementErrorCode.INVALID_PRICE) from None
    item = CatalogItem(
        supplier=supplier,
        sku=sku,
        name=name,
        description=description,
        unspsc=unspsc,
        unit=unit.upper(),
        base_price_minor=to_minor(price, item_currency),
        currency=item_currency,
        lead_time_days=lead_time_days,
        manufacturer=manufacturer,
        manufacturer_part_id=manufacturer_part_id,
        order_multiple=order_multiple,
        minimum_quantity=minimum_quantity,
        tax_kind=tax_kind,
        tax_rate=tax_rate,
    )
    try:
        item.full_clean(validate_constraints=False)
    except ValidationError as error:
        raise ProcurementError(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items()), code=ProcurementErrorCode.INVALID
        ) from error
    item.save()
    CatalogItemAttribute.objects.bulk_create(
        CatalogItemAttribute(item=item, name=key, value=str(value)) for key, value in (attributes or {}).items()
    )
    audit_event_record(
        event_type="catalog_item.created", actor=by, obj=item, data={"supplier": supplier.code, "sku": sku}
    )
    return item


def notification_send(*, user: Any, subject: str, body: str) -> None:
    """E-mail a user once the current transaction commits (nothing is sent for work that rolled back).

    A plain e-mail, for what is not a notification: what happened to people's work goes through
    `notifications.services.notify` (preferences, the notification centre, the reader's language, webhooks)."""
    if not user.email:
        return
    # The address goes along for an active user (the task then reads nobody); any other is read and skipped there.
    email = user.email if getattr(user, "is_active", False) else ""
    task_enqueue_on_commit(
        notification_email_send.name, kwargs={"user_id": user.pk, "subject": subject, "body": body, "email": email}
    )


SECRET_FIELDS = {"order_shared_secret"}


def _audit_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """What changed, with secrets named but never written down."""
    return {key: ("***" if key in SECRET_FIELDS else value) for key, value in fields.items()}


@transaction.atomic
def supplier_create(*, by: Any, fields: dict[str, Any]) -> Supplier:
    """Register a supplier; a code already in use is refused."""
    if Supplier.objects.filter(code=fields["code"]).exists():
        raise ProcurementError(
            _("There is already a supplier %(code)s.") % {"code": fields["code"]},
            code=ProcurementErrorCode.DUPLICATE_SUPPLIER,
        )
    supplier = Supplier.objects.create(**fields)
    audit_event_record(event_type="supplier.created", actor=by, obj=supplier, data=_audit_fields(fields))
    return supplier


@transaction.atomic
def supplier_update(*, by: Any, supplier: Supplier, fields: dict[str, Any]) -> Supplier:
    """Change a supplier's settings; the code, which orders and integrations refer to, stays."""
    if "code" in fields and fields["code"] != supplier.code:
        raise ProcurementError(_("A supplier's code cannot change."), code=ProcurementErrorCode.CODE_IMMUTABLE)
    supplier = suppliers_qs_select_for_update().get(pk=supplier.pk)
    before = {key: getattr(supplier, key) for key in fields}
    for key, value in fields.items():
        setattr(supplier, key, value)
    supplier.save()
    audit_event_record(
        event_type="supplier.updated",
        actor=by,
        obj=supplier,
        data={**_audit_fields(fields), "changes": audit_changes(before, fields, secrets=frozenset(SECRET_FIELDS))},
    )
    return supplier


@transaction.atomic
def document_number_next(*, legal_entity: LegalEntity, kind: str) -> int:
    """The next number of a kind of document for an entity: gap-free, safe under concurrency.

    The sequence row is locked until the caller's transaction ends, so a rolled-back document
    gives its number back.
    """
    DocumentSequence.objects.get_or_create(legal_entity=legal_entity, kind=kind)
    sequence = document_sequence_qs_select_for_update().get(legal_entity=legal_entity, kind=kind)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number


def document_numbers_next(*, legal_entity: LegalEntity, kind: str, count: int) -> range:
    """The next `count` numbers of a kind of document for an entity, allocated at once in one statement:
    gap-free and safe under concurrency, as `document_number_next`.

    One upsert (PostgreSQL and SQLite 3.35+): the sequence row is made if missing or moved on by `count`,
    and stays locked (a row written by an open transaction) until the caller's transaction ends, so a
    rolled-back allocation gives its numbers back. Call it inside the caller's transaction.
    """
    if count < 1:
        return range(0)
    table = connection.ops.quote_name(DocumentSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (legal_entity_id, kind, last_number) VALUES (%s, %s, %s) "  # noqa: S608
            "ON CONFLICT (legal_entity_id, kind) "
            f"DO UPDATE SET last_number = {table}.last_number + excluded.last_number RETURNING last_number",
            [legal_entity.pk, kind, count],
        )
        (last,) = cursor.fetchone()
    return range(last - count + 1, last + 1)
