"""Punch-in sessions: the browser side of an ERP's punch-in. The one-time StartPage starts a shopping session,
and at transfer the cart goes back to the ERP (a PunchOutOrderMessage or NEW_ITEM-* fields).

The setup itself (authenticating the ERP, opening the session) is in `punchout.erp_punchin_requests`; the cart
the shopper fills is a requisition, opened, sent and closed by `requisitions.punchin_carts`, which hands its
lines over as plain `CartLine`s.
"""

import base64
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import Employee, LegalEntity
from procurement.money import (
    Money,
    convert_minor,
    currency_digits,
    decimal_text,
    line_total_minor,
    rate_stored,
    total_minor,
)
from procurement.selectors import catalog_item_price, exchange_rate_get, price_lists_applicable

from . import cxml, oci
from .cart_lines import CartLine, IncomingLine
from .erp_punchin_requests import OUR_IDENTITY, client_catalog_items
from .lock_objects import inbound_sessions_qs_select_for_update
from .models import ErpClient, InboundSession
from .tokens import token_hash
from .transitions import punchin_session_status_move

# --- the browser arrives -----------------------------------------------------------------------------------


class StartRefused(Exception):
    def __init__(self, message: str, status: int = 410) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def punchin_session_take(*, token: str) -> InboundSession:
    """The pending session a one-time StartPage token names, locked for the rest of the transaction. Twice or
    late is refused (a late one is marked expired)."""
    session = (
        inbound_sessions_qs_select_for_update()
        .select_related("client__legal_entity")
        .filter(start_token_hash=token_hash(token))
        .first()
    )
    if session is None or session.status != InboundSession.Status.PENDING:
        raise StartRefused(_("This punchout link has been used already or does not exist. Start again from your ERP."))
    if session.start_expires_at <= timezone.now():
        punchin_session_status_move(session=session, to_status=InboundSession.Status.EXPIRED)
        raise StartRefused(_("This punchout link has expired. Start again from your ERP."))
    return session


def punchin_session_shopping(
    *, session: InboundSession, employee: Employee, requisition_id: int, items_out: list[dict[str, str]] | None
) -> None:
    """The session has its shopper and cart: shopping starts (with the ERP's lines marked, when it sent any)."""
    fields = ["employee", "requisition", "started_at"]
    if items_out is not None:
        session.items_out = items_out
        fields.append("items_out")
    session.employee = employee
    session.requisition_id = requisition_id
    session.started_at = timezone.now()
    punchin_session_status_move(session=session, to_status=InboundSession.Status.SHOPPING, also_save=fields)


def punchin_shopper(*, client: ErpClient, session: InboundSession) -> Employee:
    """The punch-in identity of this ERP user: a user of its own, never an employee's account.

    The ERP vouches for who shops, not for anything else here: naming an employee's, an approver's or the
    superuser's e-mail gives a shopper with that e-mail and no other right. The identity has no password
    (it cannot log in) and is recognised by `is_punchin_user`.
    """
    entity = client.legal_entity
    identity = session.user_email or session.user_name or "anonymous"
    digest = hashlib.sha256(f"{client.code}|{identity.casefold()}".encode()).hexdigest()[:12]
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=f"{PUNCHIN_USERNAME_PREFIX}{client.code.lower()}-{digest}"[:150],
        defaults={"email": session.user_email, "first_name": session.user_name[:150]},
    )
    if created or user.has_usable_password() or user.is_staff or user.is_superuser:
        user.set_unusable_password()
        user.is_staff = user.is_superuser = False
        user.save(update_fields=["password", "is_staff", "is_superuser"])
    employee, _ = Employee.objects.get_or_create(
        user=user, defaults={"job_title": f"Punchout user of {client.name}"[:100], "default_legal_entity": entity}
    )
    employee.legal_entities.add(entity)
    if client.group_id:
        user.groups.add(client.group_id)
    return employee


PUNCHIN_USERNAME_PREFIX = "punchout-"


def is_punchin_user(user: Any) -> bool:
    """A punch-in identity: it may shop in a live punch-in session and nothing else, ever."""
    if user is None or not getattr(user, "is_authenticated", False) or user.has_usable_password():
        return False
    return InboundSession.objects.filter(employee__user_id=user.pk).exists()


def punchin_items_out_read(
    *, client: ErpClient, legal_entity: LegalEntity, employee: Employee, items: list[dict[str, str]]
) -> tuple[list[IncomingLine], list[dict[str, str]]]:
    """Edit and inspect: the ERP's lines that become the cart again, at today's prices, when they are what we
    handed out: our part id (SupplierPartID) and our item id (SupplierPartAuxiliaryID) naming the same item,
    still sold to this client. Any other line is not taken (never priced by the ERP's figures): it comes
    back marked `not_taken` with the reason, and the cart page lists it for the shopper.

    Returns the lines for the cart and the ERP's entries as marked."""
    ids = [entry.get("aux_id", "").strip() for entry in items]
    catalog = {
        str(item.pk): item
        for item in client_catalog_items(client)
        .filter(pk__in=[int(aux) for aux in ids if aux.isdigit() and len(aux) < 19])
        .select_related("supplier")
    }
    lists = price_lists_applicable(legal_entity=legal_entity, user=employee.user)
    lines, marked = [], []
    for entry in items:
        part, aux = entry.get("supplier_part_id", "").strip(), entry.get("aux_id", "").strip()
        item = catalog.get(aux)
        if item is None or item.sku != part:
            marked.append({**entry, "not_taken": _not_taken_reason(part, aux, item)})
            continue
        marked.append({key: value for key, value in entry.items() if key != "not_taken"})
        lines.append(
            IncomingLine(
                description=item.name,
                quantity=Decimal(entry["quantity"]),
                unit=item.unit,
                unit_price=catalog_item_price(item=item, price_lists=lists),
                supplier=item.supplier,
                supplier_part_id=item.sku,
                supplier_part_auxiliary_id=str(item.pk),
                unspsc=item.unspsc,
                lead_time_days=item.lead_time_days,
                manufacturer=item.manufacturer,
                manufacturer_part_id=item.manufacturer_part_id,
                catalog_item=item,
            )
        )
    return lines, marked


def _not_taken_reason(part: str, aux: str, item: Any) -> str:
    if not aux:
        return _("it carries no item id of ours (SupplierPartAuxiliaryID)")
    if item is None:
        return _("we do not sell this item (any more)")
    return _("its part id and item id name different items (item %(aux)s is %(sku)s)") % {"aux": aux, "sku": item.sku}


# --- the cart goes back ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transfer:
    url: str
    fields: list[tuple[str, str]]
    target: str


def punchin_session_for_transfer(*, session_id: int) -> InboundSession:
    """The shopping session whose cart goes back now, locked for the rest of the transaction; refused when it
    has ended or run out of time."""
    session = (
        inbound_sessions_qs_select_for_update().select_related("client", "requisition").filter(pk=session_id).first()
    )
    if session is None or session.status != InboundSession.Status.SHOPPING or session.expires_at <= timezone.now():
        raise StartRefused(_("This punchout session has ended: start again from your ERP."))
    return session


def punchin_transfer_build(*, session: InboundSession, lines: list[CartLine]) -> Transfer:
    """The cart to send back: cXML PunchOutOrderMessage or OCI NEW_ITEM fields (raises CartRefused, OciError)."""
    if session.protocol == InboundSession.Protocol.OCI:
        fields = oci.build_new_item_fields([_oci_item(n, line) for n, line in enumerate(lines, 1)])
        return Transfer(session.return_url, fields, session.oci_target or "_top")
    document = _order_message(session, lines)
    return Transfer(session.return_url, [("cxml-base64", base64.b64encode(document).decode())], "_top")


class CartRefused(Exception):
    """The cart cannot go back as it is; the session stays open so the shopper can change it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class _LineOut:
    """A cart line as the ERP reads it: its unit price in the cart's currency and quantity × that price."""

    line: CartLine
    unit_price: Money
    total_minor: int
    extrinsics: dict[str, str]


def _cart_currency(session: InboundSession, lines: list[CartLine]) -> str:
    """One currency per cart: the lines' when they share one, else the client's legal entity's."""
    currencies = {line.currency for line in lines}
    return currencies.pop() if len(currencies) == 1 else session.client.legal_entity.currency


def _lines_in(currency: str, session: InboundSession, lines: list[CartLine]) -> list[_LineOut]:
    """Each line in the cart's currency: a line in another currency is converted at the stored rate of the
    day (its unit price, rounded once; the ERP multiplies it out) and its extrinsics say from what."""
    today = timezone.localdate()
    out, missing = [], []
    for line in lines:
        unit_minor, extrinsics = line.unit_price_minor, {}
        if line.currency != currency:
            rate = exchange_rate_get(from_currency=line.currency, to_currency=currency, on=today)
            if rate is None:
                missing.append(line.currency)
                continue
            rate = rate_stored(rate)
            unit_minor = convert_minor(unit_minor, from_currency=line.currency, to_currency=currency, rate=rate)
            extrinsics = {
                "OriginalUnitPrice": decimal_text(line.unit_price.amount, currency_digits(line.currency)),
                "OriginalCurrency": line.currency,
                "ExchangeRate": decimal_text(rate),
                "ExchangeRateDate": today.isoformat(),
            }
        total = line_total_minor(
            quantity=line.quantity, unit_price_minor=unit_minor, price_basis_quantity=line.price_basis_quantity
        )
        out.append(_LineOut(line, Money.from_minor(unit_minor, currency), total, extrinsics))
    if missing:
        others = ", ".join(sorted(set(missing)))
        raise CartRefused(
            _(
                "Your cart cannot be sent to %(name)s in one currency: it has lines in %(others)s, and "
                "no exchange rate %(others)s → %(currency)s is stored for %(isoformat)s. Remove the "
                "lines in %(others)s, or ask us to store the rate, then transfer again."
            )
            % {"name": session.client.name, "others": others, "currency": currency, "isoformat": today.isoformat()}
        )
    return out


def _order_message(session: InboundSession, lines: list[CartLine]) -> bytes:
    their = cxml.Credential(domain="NetworkID", identity=session.client.code)
    identities = session.client.cxml_identities or []
    if identities:
        their = cxml.Credential(domain=identities[0].get("domain", "NetworkID"), identity=identities[0]["identity"])
    currency = _cart_currency(session, lines)
    written = _lines_in(currency, session, lines)
    total = Money.from_minor(total_minor(out.total_minor for out in written), currency).amount
    items = tuple(
        cxml.ItemIn(
            quantity=out.line.quantity.normalize(),
            supplier_part_id=out.line.supplier_part_id or f"LINE-{out.line.line_number}",
            supplier_part_auxiliary_id=str(out.line.catalog_item_id) if out.line.catalog_item_id else None,
            unit_price=cxml.Money(amount=out.unit_price.amount, currency=currency),
            unit_of_measure=out.line.unit,
            description=out.line.description,
            price_basis_quantity=cxml.PriceBasisQuantity.per(out.line.price_basis_quantity, out.line.unit),
            classifications=(cxml.Classification(domain="UNSPSC", value=out.line.unspsc),) if out.line.unspsc else (),
            manufacturer_part_id=out.line.manufacturer_part_id or None,
            manufacturer_name=out.line.manufacturer or None,
            lead_time=out.line.lead_time_days,
            line_number=number,
            extrinsics=out.extrinsics,
        )
        for number, out in enumerate(written, 1)
    )
    operation = "inspect" if session.operation == "inspect" else "edit"
    return cxml.build_punchout_order_message(
        cxml.PunchOutOrderMessage(
            header=cxml.Header(from_=OUR_IDENTITY, to=their, sender=OUR_IDENTITY, user_agent="Acme Procurement"),
            buyer_cookie=session.buyer_cookie,
            operation_allowed=operation,  # type: ignore[arg-type]
            total=cxml.Money(amount=total, currency=currency),
            items=items,
            in_reply_to=session.payload_id or None,
            deployment_mode="test" if session.deployment_mode == "test" else "production",
        )
    )


def _oci_item(index: int, line: CartLine) -> oci.OciItem:
    return oci.OciItem(
        index=index,
        description=line.description,
        quantity=line.quantity.normalize(),
        unit=line.unit,
        price=line.unit_price.amount,
        currency=line.currency,
        price_unit=line.price_basis_quantity,
        lead_time=line.lead_time_days,
        vendor_material=line.supplier_part_id[:40],
        material_group=line.unspsc,
        vendor=line.supplier_code[:10],
        manufacturer_material=line.manufacturer_part_id[:40],
        ext_product_id=str(line.catalog_item_id or ""),
    )


def punchin_session_leave(*, session_id: int) -> InboundSession | None:
    """The user leaves without sending a cart: a shopping session ends (returned, for its cart to be closed)
    and nothing goes back to the ERP. Call inside a transaction."""
    session = inbound_sessions_qs_select_for_update().filter(pk=session_id).first()
    if session is None or session.status != InboundSession.Status.SHOPPING:
        return None
    punchin_session_end(session=session, status=InboundSession.Status.EXPIRED)
    return session


def punchin_session_expire(*, session_id: int) -> InboundSession | None:
    """A shopping session past its time ends like a leave (returned, for its cart to be closed). Call inside a
    transaction."""
    session = (
        inbound_sessions_qs_select_for_update()
        .filter(pk=session_id, status=InboundSession.Status.SHOPPING, expires_at__lte=timezone.now())
        .first()
    )
    if session is None:
        return None
    punchin_session_end(session=session, status=InboundSession.Status.EXPIRED)
    return session


def punchin_session_end(*, session: InboundSession, status: str) -> None:
    """End the session (transferred or expired); its cart is the cart's app's to close."""
    fields = []
    if status == InboundSession.Status.TRANSFERRED:
        session.transferred_at = timezone.now()
        fields.append("transferred_at")
    punchin_session_status_move(session=session, to_status=status, also_save=fields)


def live_session(*, session_id: Any) -> InboundSession | None:
    """The shopping session a browser's punch-in points to, if it is still shopping and in time."""
    if not isinstance(session_id, int):
        return None
    return (
        InboundSession.objects.select_related("client__legal_entity", "employee__user", "requisition")
        .filter(pk=session_id, status=InboundSession.Status.SHOPPING, expires_at__gt=timezone.now())
        .first()
    )
