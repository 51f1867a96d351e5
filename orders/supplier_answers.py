"""What suppliers send back at /cxml/inbound/: order confirmations and ship notices.

The supplier is recognised by its From or Sender credential (the identity we address its orders to)
and authenticated by its shared secret, compared in constant time. A document is applied once: its
(supplier, payloadID) is unique; a repeat of the same document (compared by a hash of it with its
credentials masked) gets the first answer again and changes nothing, another document under a used
payloadID is refused (409). Documents are kept with their credentials masked.
Every refusal is a cXML Status (400 malformed, missing payloadID, a price in another currency than the
order's; 401 credentials; 404 unknown order; 406 other documents; 409 a reused payloadID).
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from notifications.models import Kind
from notifications.services import notify
from procurement.models import Supplier
from procurement.money import Money, decimal_text, is_currency
from punchout import cxml
from punchout.redact import redact_cxml
from punchout.throttle import cxml_sender_authenticate

from .errors import PurchaseOrderTransitionNotAllowed
from .lock_objects import purchase_order_lines_qs_select_for_update, purchase_orders_qs_select_for_update
from .models import (
    QUANTITY_MAX,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderRevision,
    Shipment,
    SupplierDocument,
)
from .transitions import PROGRESS, purchase_order_status_move

logger = logging.getLogger(__name__)


PAYLOAD_ID_MAX = SupplierDocument._meta.get_field("payload_id").max_length or 250


class UnknownOrder(cxml.CXMLError):
    def __init__(self, message: str) -> None:
        super().__init__(404, message)


class PayloadReused(cxml.CXMLError):
    def __init__(self, message: str) -> None:
        super().__init__(409, message)


class OrderNotOpen(cxml.CXMLError):
    """The document would move the order where it cannot go (a cancelled or held order): nothing is applied."""

    def __init__(self, message: str) -> None:
        super().__init__(409, message)


def _status_move(order: PurchaseOrder, to_status: str, comment: str) -> None:
    if order.status in PROGRESS:
        # Goods already arrived or the order is invoiced: what we counted at the dock outranks what the supplier
        # says it sent (its answer is kept on the lines and in the document log).
        return
    try:
        purchase_order_status_move(order=order, to_status=to_status, by=None, comment=comment)
    except PurchaseOrderTransitionNotAllowed as refused:
        raise OrderNotOpen(refused.message) from None


@dataclass(frozen=True)
class InboundAnswer:
    body: bytes
    status: int
    retry_after: int | None = None


def _tell_requester(
    order: PurchaseOrder, *, kind: str, message: str, context: dict[str, Any], data: dict[str, Any]
) -> None:
    """The requester hears what the supplier answered (in the app and by e-mail per their preferences, after the
    document is applied); the entity's webhooks get the event."""
    requisition = order.requisition
    notify(
        recipients=[requisition.requester.user],
        kind=kind,
        legal_entity=order.legal_entity,
        message=message,
        context={
            "number": order.number,
            "supplier": order.supplier.name,
            "requisition": requisition.number,
            **context,
        },
        link=reverse("orders:detail", args=[order.pk]),
        obj=order,
        data={
            "purchase_order": {"id": order.pk, "number": order.number},
            "requisition": {"id": requisition.pk, "number": requisition.number},
            "supplier": order.supplier.code,
            **data,
        },
    )


def _supplier_for(header: cxml.Header) -> Supplier:
    presented = [*header.from_credentials, header.sender]
    secret = (header.sender.shared_secret or "").encode()
    for credential in presented:
        identity = credential.identity.strip()
        if not identity:
            continue
        candidates = Supplier.objects.filter(is_active=True).filter(
            Q(order_to_identity=identity) | Q(code__iexact=identity)
        )
        for supplier in candidates:
            if supplier.order_shared_secret and secrets.compare_digest(secret, supplier.order_shared_secret.encode()):
                return supplier
    raise cxml.AuthenticationFailed("Unknown supplier or wrong shared secret.")


def _order_for(supplier: Supplier, order_id: str | None, order_payload_id: str | None) -> PurchaseOrder:
    # One row (`first()`), the newest with that number, as before.
    orders = purchase_orders_qs_select_for_update().filter(supplier=supplier).order_by("-created_at", "-id")
    order = None
    if order_payload_id:
        revision = PurchaseOrderRevision.objects.filter(
            payload_id=order_payload_id.strip(), purchase_order__supplier=supplier
        ).first()
        order = orders.filter(pk=revision.purchase_order_id).first() if revision else None
    if order is None and order_id:
        order = orders.filter(number=order_id.strip()).first()
    if order is None:
        raise UnknownOrder(f"No order {order_id or order_payload_id} of yours is known here.")
    return order


def supplier_document_receive(*, data: bytes) -> InboundAnswer:
    """Authenticate, apply once, answer with a cXML Response; never raises."""
    try:
        kind = cxml.document_type(data)
        if kind == "ConfirmationRequest":
            document: object = cxml.parse_confirmation_request(data)
        elif kind == "ShipNoticeRequest":
            document = cxml.parse_ship_notice_request(data)
        else:
            raise cxml.NotAPunchoutDocument(
                f"This endpoint takes ConfirmationRequest and ShipNoticeRequest, not {kind}."
            )
        assert isinstance(document, cxml.ConfirmationRequest | cxml.ShipNoticeRequest)
        supplier = _supplier_throttled(document.header)
        return _apply_once(supplier, document, data)
    except cxml.CXMLError as error:
        logger.info("supplier document refused: %s %s", error.status_code, error.message)
        return InboundAnswer(cxml.error_response(error), error.status_code, getattr(error, "retry_after", None))


def _supplier_throttled(header: cxml.Header) -> Supplier:
    """`_supplier_for`, throttled per identity (see `punchout.throttle`)."""
    return cxml_sender_authenticate(scope="cxml-supplier", header=header, authenticate=_supplier_for)


def supplier_authenticate(*, header: cxml.Header) -> Supplier:
    """The supplier a cXML document comes from, by its credentials and shared secret, throttled per identity;
    `cxml.AuthenticationFailed` (401) otherwise. Other apps' supplier documents (invoices) use it too."""
    return _supplier_throttled(header)


def _storable_text(data: bytes) -> str:
    """The document as text we can keep: UTF-8, or UTF-16 when its first bytes show it; redacted, and
    without NUL characters, which no PostgreSQL text column holds."""
    encoding = "utf-8"
    if data[:2] in (b"\xff\xfe", b"<\x00"):
        encoding = "utf-16-le"
    elif data[:2] in (b"\xfe\xff", b"\x00<"):
        encoding = "utf-16-be"
    return redact_cxml(data.decode(encoding, errors="replace")).replace("\x00", "\ufffd")


def _apply_once(
    supplier: Supplier, document: cxml.ConfirmationRequest | cxml.ShipNoticeRequest, data: bytes
) -> InboundAnswer:
    payload_id = document.payload_id.strip()
    if not payload_id:
        raise cxml.InvalidDocument("the cXML document has no payloadID: it is needed to apply a document once")
    if len(payload_id) > PAYLOAD_ID_MAX:
        raise cxml.InvalidDocument(f"the payloadID is longer than {PAYLOAD_ID_MAX} characters")
    kept = _storable_text(data)
    digest = hashlib.sha256(kept.encode("utf-8")).hexdigest()
    earlier = SupplierDocument.objects.filter(supplier=supplier, payload_id=payload_id).first()
    if earlier is not None:
        return _repeat(earlier, digest)
    try:
        with transaction.atomic():
            if isinstance(document, cxml.ConfirmationRequest):
                order, summary = _confirm(supplier, document)
                kind = SupplierDocument.Kind.CONFIRMATION
            else:
                order, summary = _ship(supplier, document)
                kind = SupplierDocument.Kind.SHIP_NOTICE
            answer = cxml.build_response(cxml.Status(code=200, text="OK", message=str(summary.get("text", ""))))
            SupplierDocument.objects.create(
                supplier=supplier,
                payload_id=payload_id,
                kind=kind,
                purchase_order=order,
                document=kept,
                document_hash=digest,
                answer=answer.decode("utf-8"),
                answer_status=200,
                summary=summary,
            )
    except IntegrityError:
        # The same document arrived twice at once: the other delivery applied it; answer as it did.
        earlier = SupplierDocument.objects.filter(supplier=supplier, payload_id=payload_id).first()
        if earlier is None:
            raise
        return _repeat(earlier, digest)
    return InboundAnswer(answer, 200)


def _repeat(earlier: SupplierDocument, digest: str) -> InboundAnswer:
    """The first answer again for the same document; a refusal for another document under its payloadID."""
    if earlier.document_hash != digest:
        raise PayloadReused(
            f"payloadID {earlier.payload_id} was already used for a different document: nothing was applied. "
            "A new document needs a new payloadID."
        )
    return InboundAnswer(earlier.answer.encode(), earlier.answer_status)


def supplier_date(moment: datetime | None) -> date | None:
    """The calendar day a supplier's timestamp names, in the supplier's own offset (or as written, without
    one): never converted to UTC or to our time zone first, which moves a local midnight to the day before."""
    return None if moment is None else moment.date()


def _price_minor(order: PurchaseOrder, line_number: int, price: cxml.Money) -> int:
    """A confirmed unit price in the order's minor units; refused unless in the order's currency, 0 or more."""
    where = f"ConfirmationItem for line {line_number}"
    if not is_currency(price.currency):
        raise cxml.InvalidDocument(f"{where}: {price.currency[:10]!r} is not an ISO 4217 currency code")
    if price.currency != order.currency:
        raise cxml.InvalidDocument(
            f"{where}: the price is in {price.currency}, but {order.number} is in {order.currency}; "
            f"confirm prices in {order.currency}"
        )
    if price.amount < 0:
        raise cxml.InvalidDocument(f"{where}: the price is negative")
    return Money(price.amount, order.currency).minor


def _storable(quantity: Decimal, what: str) -> Decimal:
    if quantity > QUANTITY_MAX:
        raise cxml.InvalidDocument(f"{what} adds up to more than {QUANTITY_MAX}: it cannot be stored")
    return quantity


def _confirm(supplier: Supplier, confirmation: cxml.ConfirmationRequest) -> tuple[PurchaseOrder, dict[str, object]]:
    """Apply a confirmation. A later one supersedes earlier ones: for the whole order (accept, reject,
    allDetail) or for the lines it names (detail)."""
    order = _order_for(supplier, confirmation.order_id, confirmation.order_payload_id)
    lines = {line.line_number: line for line in purchase_order_lines_qs_select_for_update(purchase_order=order)}
    kind = confirmation.type
    touched: list[int] = []
    if kind in ("accept", "reject") and not confirmation.items:
        for line in lines.values():
            if line.status == PurchaseOrderLine.Status.CANCELLED:
                continue
            line.status = PurchaseOrderLine.Status.CONFIRMED if kind == "accept" else PurchaseOrderLine.Status.REJECTED
            line.confirmed_quantity = line.quantity if kind == "accept" else Decimal(0)
            line.backordered_quantity = Decimal(0)
            line.confirmed_unit_price_minor = line.unit_price_minor if kind == "accept" else None
            line.save()
            touched.append(line.line_number)
    else:
        for item in confirmation.items:
            found = lines.get(item.line_number)
            if found is None:
                raise cxml.InvalidDocument(
                    f"ConfirmationItem for line {item.line_number}: {order.number} has no such line."
                )
            line = found
            accepted = sum(
                (s.quantity for s in item.statuses if s.type in ("accept", "detail", "allDetail")), Decimal(0)
            )
            backordered = item.quantity_with_status("backordered")
            rejected = item.quantity_with_status("reject")
            prices = [s.unit_price for s in item.statuses if s.unit_price is not None]
            deliveries = [s.delivery_date for s in item.statuses if s.delivery_date is not None]
            where = f"ConfirmationItem for line {item.line_number}"
            line.confirmed_quantity = _storable(accepted, f"the accepted quantity of {where}")
            line.backordered_quantity = _storable(backordered, f"the backordered quantity of {where}")
            minors = [_price_minor(order, item.line_number, price) for price in prices]
            if minors:
                line.confirmed_unit_price_minor = minors[0]
            elif accepted:
                line.confirmed_unit_price_minor = line.unit_price_minor
            if deliveries:
                line.confirmed_delivery = deliveries[0]
                line.confirmed_delivery_date = supplier_date(deliveries[0])
            if rejected and not accepted and not backordered:
                line.status = PurchaseOrderLine.Status.REJECTED
            elif backordered and not accepted:
                line.status = PurchaseOrderLine.Status.BACKORDERED
            else:
                line.status = PurchaseOrderLine.Status.CONFIRMED
            line.save()
            touched.append(line.line_number)
    live = [line for line in lines.values() if line.status != PurchaseOrderLine.Status.CANCELLED]
    short = [line for line in live if line.shortfall_quantity]
    if live and all(line.status == PurchaseOrderLine.Status.REJECTED for line in live):
        status = PurchaseOrder.Status.REJECTED
    elif live and all(line.answered for line in live):
        # Every line answered (a backorder is a promise too): short when any of it will not come.
        status = PurchaseOrder.Status.CONFIRMED_SHORT if short else PurchaseOrder.Status.CONFIRMED
    else:
        status = PurchaseOrder.Status.PARTLY_CONFIRMED
    text = f"{order.number}: confirmation {kind} applied to lines {', '.join(map(str, touched))}"
    _status_move(order, status, text)
    summary: dict[str, object] = {"type": kind, "lines": touched, "order": order.number, "text": text}
    if short:
        summary["short"] = [
            {"line": line.line_number, "quantity": decimal_text(line.shortfall_quantity)} for line in short
        ]
    _tell_requester(
        order,
        kind=Kind.CONFIRMED,
        message="order_confirmed",
        context={"status": PurchaseOrder.Status(status).label, "short": summary.get("short", [])},
        data={"confirmation": kind, "status": status, "lines": touched, "short": summary.get("short", [])},
    )
    return order, summary


def _ship(supplier: Supplier, notice: cxml.ShipNoticeRequest) -> tuple[PurchaseOrder, dict[str, object]]:
    orders = []
    for portion in notice.portions:
        order = _order_for(supplier, portion.order_id, portion.order_payload_id)
        lines = {line.line_number: line for line in purchase_order_lines_qs_select_for_update(purchase_order=order)}
        shipped: list[dict[str, str]] = []
        if portion.whole_order:
            for line in lines.values():
                if line.status in (PurchaseOrderLine.Status.CANCELLED, PurchaseOrderLine.Status.REJECTED):
                    continue
                line.shipped_quantity = line.quantity
                line.status = PurchaseOrderLine.Status.SHIPPED
                line.save()
        else:
            for item in portion.items:
                found = lines.get(item.line_number)
                if found is None:
                    raise cxml.InvalidDocument(
                        f"ShipNoticeItem for line {item.line_number}: {order.number} has no such line."
                    )
                line = found
                if notice.operation == "delete":
                    line.shipped_quantity = max(line.shipped_quantity - item.quantity, Decimal(0))
                else:
                    line.shipped_quantity = min(line.shipped_quantity + item.quantity, line.quantity)
                if line.shipped_quantity >= line.quantity:
                    line.status = PurchaseOrderLine.Status.SHIPPED
                line.save()
                shipped.append({"line": str(item.line_number), "quantity": cxml.format_decimal(item.quantity)})
        Shipment.objects.create(
            purchase_order=order,
            shipment_id=notice.shipment_id[:100],
            carrier=(notice.carrier or "")[:100],
            tracking_number=(notice.tracking_number or "")[:100],
            shipped_at=notice.shipment_date,
            delivery_at=notice.delivery_date,
            shipped_date=supplier_date(notice.shipment_date),
            delivery_date=supplier_date(notice.delivery_date),
            lines=shipped,
        )
        live = [line for line in lines.values() if line.status not in ("cancelled", "rejected")]
        status = (
            PurchaseOrder.Status.SHIPPED
            if live and all(line.status == PurchaseOrderLine.Status.SHIPPED for line in live)
            else PurchaseOrder.Status.PARTLY_SHIPPED
        )
        _status_move(order, status, f"Shipment {notice.shipment_id}")
        _tell_requester(
            order,
            kind=Kind.SHIPPED,
            message="order_shipped",
            context={
                "carrier": notice.carrier or "",
                "tracking": notice.tracking_number or "",
                "delivery": supplier_date(notice.delivery_date),
            },
            data={
                "shipment": notice.shipment_id[:100],
                "carrier": (notice.carrier or "")[:100],
                "tracking_number": (notice.tracking_number or "")[:100],
                "delivery_date": supplier_date(notice.delivery_date),
                "lines": shipped,
            },
        )
        orders.append(order)
    text = f"shipment {notice.shipment_id} recorded for {', '.join(o.number for o in orders)}"
    return orders[0], {"shipment": notice.shipment_id, "orders": [o.number for o in orders], "text": text}
