"""Outbound punchout: open a session at a supplier's shop, and take the cart it sends back.

The protocol layer (punchout.cxml, punchout.oci) turns bytes into dataclasses; this module decides what
they mean for a requisition. Nothing here logs a shared secret, a password or a token.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from django.conf import settings
from django.db import DataError, transaction
from django.utils import timezone

from procurement.errors import ProcurementError
from procurement.models import CatalogItem, Employee
from procurement.money import (
    Money,
    MoneyError,
    currency_digits,
    decimal_text,
    line_total_minor,
    to_minor,
    total_minor,
)
from procurement.selectors import catalog_item_price, price_lists_applicable
from requisitions.errors import RequisitionError
from requisitions.models import Requisition, RequisitionLine
from requisitions.selectors import requisitions_visible
from requisitions.services import ExternalLine, requisition_lines_replace_external

from . import cxml, oci
from .error_codes import PunchoutErrorCode
from .lock_objects import punchout_sessions_qs_select_for_update
from .models import PunchoutConnection, PunchoutSession
from .redact import MASK, redact_form_fields, redact_text, redact_url
from .web_addresses import WebAddressRefused, web_address_parse

logger = logging.getLogger(__name__)

USER_AGENT = "Acme Procurement punchout 1.0"
MAX_RETURN_BYTES = 40 * 1024 * 1024  # a 5,000-line cart in base64 is about 10 MB
MAX_QUANTITY = Decimal(10) ** 10  # requisition lines hold 13 digits, 3 of them decimals
EXTRINSICS = ("UserEmail", "UniqueName", "UserFullName", "FirstName", "LastName", "CostCenter", "BusinessUnit")


class PunchoutError(ProcurementError):
    code = PunchoutErrorCode.PUNCHOUT_ERROR


class PunchoutReturnRefused(PunchoutError):
    """The return cannot be taken: unknown, used, expired or foreign token, or a cart we cannot read."""

    code = PunchoutErrorCode.PUNCHOUT_RETURN_REFUSED

    def __init__(self, message: str, *, code: str | None = None, status: int = 400) -> None:
        super().__init__(message, code=code)
        self.status = status


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionStart:
    session: PunchoutSession
    start_url: str  # cXML: the supplier's StartPage; OCI: our one-time call-up page
    token: str  # the return token, for building the return URL (never stored in clear)


def connections_for(*, requisition: Requisition) -> list[PunchoutConnection]:
    return list(
        PunchoutConnection.objects.filter(is_active=True, supplier__is_active=True)
        .select_related("supplier")
        .order_by("supplier__name", "name")
    )


def _session_lines(requisition: Requisition, connection: PunchoutConnection) -> list[RequisitionLine]:
    """The lines earlier sessions with this shop brought into the requisition (what edit and inspect show)."""
    return list(
        requisition.lines.filter(
            punchout_sessions__connection=connection, source=RequisitionLine.Source.PUNCHOUT
        ).distinct()
    )


def _credential(domain: str, identity: str, secret: str | None = None) -> cxml.Credential:
    return cxml.Credential(domain=domain or "NetworkID", identity=identity, shared_secret=secret)


def _header(connection: PunchoutConnection) -> cxml.Header:
    """Our From and Sender (with the shared secret) and the shop's To, as the connection names them."""
    return cxml.Header(
        from_=_credential(connection.from_domain, connection.from_identity),
        to=_credential(connection.to_domain, connection.to_identity),
        sender=_credential(connection.sender_domain, connection.sender_identity, connection.shared_secret),
        user_agent=USER_AGENT,
    )


def _post_cxml(connection: PunchoutConnection, body: bytes) -> httpx.Response:
    """POST a cXML document to the shop's URL (raises httpx.HTTPError when it does not answer)."""
    return httpx.post(
        web_address_parse(connection.url.strip()).href,  # the rules every URL we use follows
        content=body,
        headers={"Content-Type": "text/xml; charset=utf-8", "User-Agent": USER_AGENT},
        timeout=connection.timeout_seconds,
    )


def _extrinsics(connection: PunchoutConnection, employee: Employee, requisition: Requisition) -> dict[str, str]:
    user = employee.user
    centre = requisition.requester.default_cost_centre
    known = {
        "UserEmail": user.email,
        "UniqueName": user.username,
        "UserFullName": employee.display_name,
        "FirstName": user.first_name,
        "LastName": user.last_name,
        "CostCenter": centre.code if centre else "",
        "BusinessUnit": employee.org_unit.code if employee.org_unit else "",
        "LegalEntity": requisition.legal_entity.code,
        "Department": employee.org_unit.name if employee.org_unit else "",
    }
    return {name: known[name] for name in connection.extrinsics or [] if known.get(name)}


def _items_out(lines: list[RequisitionLine]) -> tuple[cxml.ItemOut, ...]:
    items = []
    for number, line in enumerate(lines, 1):
        items.append(
            cxml.ItemOut(
                quantity=line.quantity.normalize(),  # 2, not 2.000 (format_decimal writes 1E+1 as 10)
                supplier_part_id=line.supplier_part_id or f"LINE-{line.line_number}",
                supplier_part_auxiliary_id=line.supplier_part_auxiliary_id or None,
                unit_price=cxml.Money(
                    amount=Money.from_minor(line.unit_price_minor, line.currency).amount, currency=line.currency
                ),
                unit_of_measure=line.unit,
                description=line.description,
                classifications=(cxml.Classification(domain="UNSPSC", value=line.unspsc),) if line.unspsc else (),
                manufacturer_part_id=line.manufacturer_part_id or None,
                manufacturer_name=line.manufacturer or None,
                price_basis_quantity=cxml.PriceBasisQuantity.per(line.price_basis_quantity, line.unit),
                line_number=number,
            )
        )
    return tuple(items)


def punchout_session_start(
    *,
    requisition: Requisition,
    by: Employee,
    connection: PunchoutConnection,
    operation: str,
    return_url_for: Any,
    callup_url_for: Any,
) -> SessionStart:
    """Open a shopping session: for cXML the setup request is sent now and its StartPage returned.

    `return_url_for(token)` and `callup_url_for(token)` build absolute URLs on this server.
    """
    if operation not in PunchoutSession.Operation.values:
        raise PunchoutError(f"Unknown punchout operation {operation!r}: create, edit or inspect.", code="invalid")
    if not connection.is_active:
        raise PunchoutError(f"The punchout to {connection} is switched off.", code="connection_inactive")
    if operation == PunchoutSession.Operation.INSPECT:
        if not requisitions_visible(employee=by).filter(pk=requisition.pk).exists():
            raise RequisitionError("There is no such requisition that you may see.", code="not_found")
        if not connection.supports_inspect:
            raise PunchoutError(f"{connection} does not support inspecting a cart.", code="operation_not_supported")
    else:
        if by.pk not in (requisition.requester_id, requisition.on_behalf_of_id):
            raise RequisitionError("Only the requester may shop for this requisition.", code="not_requester")
        if not requisition.is_editable:
            raise RequisitionError(
                f"{requisition.number} is {requisition.get_status_display().lower()}: it cannot take new lines.",
                code="not_editable",
            )
        if operation == PunchoutSession.Operation.EDIT and not connection.supports_edit:
            raise PunchoutError(f"{connection} does not support editing a cart.", code="operation_not_supported")
    lines = _session_lines(requisition, connection) if operation != PunchoutSession.Operation.CREATE else []
    token = secrets.token_urlsafe(32)  # 256 bits; only the hash is kept
    start_token = secrets.token_urlsafe(32)
    oci_call = connection.protocol == PunchoutConnection.Protocol.OCI
    # Committed before the supplier is called: no transaction (or SQLite write lock) is held over the
    # network, so a shop on this very server (the demo loop) can write its own session meanwhile.
    with transaction.atomic():
        session = PunchoutSession.objects.create(
            connection=connection,
            employee=by,
            requisition=requisition,
            operation=operation,
            token_hash=token_hash(token),
            buyer_cookie=secrets.token_hex(16),
            expires_at=timezone.now() + timedelta(minutes=connection.session_minutes),
            start_token_hash=token_hash(start_token) if oci_call else None,
            start_url="",  # OCI: the one-time call-up URL is a credential; it lives only in this answer
        )
        session.lines.set(lines)
    if oci_call:
        return SessionStart(session, callup_url_for(start_token), token)
    return_url = return_url_for(token)
    request = cxml.PunchOutSetupRequest(
        header=_header(connection),
        buyer_cookie=session.buyer_cookie,
        operation=operation,  # type: ignore[arg-type]
        browser_form_post_url=return_url,
        extrinsics=_extrinsics(connection, by, requisition),
        contacts=(cxml.Contact(name=by.display_name, email=by.user.email or None, role="endUser"),),
        items_out=_items_out(lines),
        deployment_mode=connection.deployment_mode,  # type: ignore[arg-type]
    )
    try:
        start_page = _post_setup_request(connection, cxml.build_punchout_setup_request(request))
    except PunchoutError as exc:
        session.status = PunchoutSession.Status.FAILED
        session.result = {"error": redact_text(exc.message)}
        session.save(update_fields=["status", "result"])
        raise
    session.start_url = start_page
    session.save(update_fields=["start_url"])
    return SessionStart(session, start_page, token)


def _post_setup_request(connection: PunchoutConnection, body: bytes) -> str:
    """POST the setup request and return the StartPage URL, or raise with what the supplier said."""
    try:
        answer = _post_cxml(connection, body)
    except WebAddressRefused as refused:
        raise PunchoutError(f"{connection} has an unusable URL: {refused.message}", code="invalid") from None
    except httpx.HTTPError as exc:
        logger.warning("punchout setup to %s failed: %s", connection.supplier.code, type(exc).__name__)
        raise PunchoutError(
            f"{connection} did not answer ({type(exc).__name__}); try again later.", code="supplier_unreachable"
        ) from exc
    try:
        response = cxml.parse_punchout_setup_response(answer.content)
    except cxml.CXMLError as exc:
        raise PunchoutError(
            f"{connection} answered HTTP {answer.status_code} with something that is not a PunchOutSetupResponse "
            f"({exc.message}).",
            code="supplier_error",
        ) from exc
    if response.status.code >= 300 or not response.start_page_url:
        detail = redact_text(response.status.message or response.status.text)
        raise PunchoutError(
            f"{connection} refused the punchout: {response.status.code} {detail}".strip(), code="supplier_refused"
        )
    try:
        # Read as the browser will read it: a javascript:, data: or user@host StartPage never reaches a browser.
        return web_address_parse(response.start_page_url.strip()).href
    except WebAddressRefused as refused:
        raise PunchoutError(
            f"{connection} answered a StartPage we will not open: {refused.message}", code="supplier_error"
        ) from None


@transaction.atomic
def punchout_callup(*, start_token: str, return_url_for: Any, user: Any = None) -> tuple[PunchoutSession, oci.Callup]:
    """OCI: the one-time page that sends the browser to the catalog with the login and HOOK_URL.

    The return token is made here, so the HOOK_URL exists only in this one answer (we keep its hash).
    A browser logged in as someone else than the session's shopper is refused without using the link up;
    without a login (an API caller handing the link to its browser) the single-use token is the credential.
    """
    session = (
        punchout_sessions_qs_select_for_update()
        .select_related("connection", "employee")
        .filter(start_token_hash=token_hash(start_token))
        .first()
    )
    if (
        session is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "pk", None) != session.employee.user_id
    ):
        raise PunchoutReturnRefused(
            "This punchout link belongs to someone else's session.", code="foreign_session", status=403
        )
    if session is None or session.started_at is not None:
        raise PunchoutReturnRefused(
            "This punchout link has been used already or does not exist. Start the punchout again from your cart.",
            code="callup_used",
            status=410,
        )
    if session.expires_at <= timezone.now():
        raise PunchoutReturnRefused("This punchout link has expired.", code="expired", status=410)
    token = secrets.token_urlsafe(32)
    session.token_hash = token_hash(token)
    session.started_at = timezone.now()
    session.save(update_fields=["token_hash", "started_at"])
    connection = session.connection
    fields = dict(connection.oci_fields or {})
    login = {key: fields.pop(key) for key in ("USERNAME", "PASSWORD") if key in fields}
    try:
        url = web_address_parse(connection.url.strip()).href
        callup = oci.build_callup(url, connection.method, login, fields, return_url_for(token))
        web_address_parse(callup.url)  # what the browser is sent to, query included
    except WebAddressRefused as refused:
        raise PunchoutError(f"The OCI connection to {connection} has an unusable URL: {refused.message}") from None
    except oci.OciError as exc:
        raise PunchoutError(f"The OCI connection to {connection} is misconfigured: {exc.message}") from exc
    return session, callup


@dataclass
class ReturnOutcome:
    session: PunchoutSession
    added: int = 0
    removed: int = 0
    kept: bool = False
    warnings: list[str] = field(default_factory=list)


MAX_PRICE_BASIS = Decimal(10) ** 10  # price_basis_quantity holds 13 digits, 3 of them decimals
_THOUSANDTH = Decimal("0.001")


def _price_and_basis(price: Decimal, basis: Decimal, currency: str) -> tuple[int, Decimal]:
    """The shop's price of `basis` units as (unit price in minor units, price basis quantity), kept exact.

    The price is never divided by its basis (that rounds before multiplying: 12.50 per 100 × 500 must be
    62.50, docs/money.md). A price with more digits than its currency is quoted per 10, 100 … times the basis
    while the basis fits its column; only then is it rounded, once."""
    digits = currency_digits(currency)
    for shift in range(0, 7):
        scale = Decimal(10) ** shift
        scaled_basis = basis * scale
        if scaled_basis >= MAX_PRICE_BASIS:
            break
        minor = price * scale * (Decimal(10) ** digits)
        if minor == minor.to_integral_value():
            return int(minor), scaled_basis
    return to_minor(price, currency), basis


def _cxml_basis(item: cxml.ItemIn) -> tuple[Decimal, Decimal]:
    """(price, price basis quantity in ordered units) of a cXML line.

    PriceBasisQuantity says the UnitPrice is for `quantity` price units and one ordered unit is
    `conversionFactor` price units (cXML DTD), so the price is for quantity ÷ conversionFactor ordered units.
    When that is not exact to 3 decimals, the price is moved onto the basis instead (price × factor for
    `quantity` units)."""
    price = item.unit_price.amount
    basis = item.price_basis_quantity
    if basis is None or not basis.quantity or not basis.conversion_factor:
        return price, Decimal(1)
    per_ordered = basis.quantity / basis.conversion_factor
    if per_ordered == per_ordered.quantize(_THOUSANDTH) and 0 < per_ordered < MAX_PRICE_BASIS:
        return price, per_ordered
    return price * basis.conversion_factor, basis.quantity


def _unspsc(value: str | None) -> str:
    digits = "".join(ch for ch in (value or "") if ch.isdigit())
    return digits[:8] if len(digits) >= 8 else (digits if len(digits) in (2, 4, 6) else "")


def _session_for_return(token: str, user: Any) -> PunchoutSession:
    session = (
        punchout_sessions_qs_select_for_update()
        .select_related("connection__supplier", "requisition", "employee__user")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if session is None:
        raise PunchoutReturnRefused(
            "This punchout return is not for any session we know. Start the punchout again from your cart.",
            code="unknown_session",
            status=404,
        )
    if user is not None and getattr(user, "is_authenticated", False) and user.pk != session.employee.user_id:
        raise PunchoutReturnRefused(
            "This punchout session belongs to someone else: nothing was changed.", code="foreign_session", status=403
        )
    if session.status != PunchoutSession.Status.OPEN:
        raise PunchoutReturnRefused(
            f"This punchout session has already ended ({session.get_status_display().lower()}): nothing was changed. "
            "Start the punchout again to shop more.",
            code="session_used",
            status=410,
        )
    if session.expires_at <= timezone.now():
        session.status = PunchoutSession.Status.EXPIRED
        session.save(update_fields=["status"])
        raise PunchoutReturnRefused(
            "This punchout session has expired: nothing was changed. Start the punchout again from your cart.",
            code="expired",
            status=410,
        )
    return session


def punchout_return(*, token: str, fields: list[tuple[str, str]], user: Any = None) -> ReturnOutcome:
    """Take the cart a shop posted back. Refusals change nothing, except that a used session stays used."""
    with transaction.atomic():
        session = _session_for_return(token, user)
        outcome = ReturnOutcome(session)
        try:
            specs, total_note = _parse_cart(session, fields, outcome)
            _apply(session, specs, outcome)  # its own savepoint: a refused cart leaves no line behind
        except PunchoutReturnRefused as refused:
            failed: PunchoutReturnRefused | None = refused
        except ProcurementError as error:  # e.g. the cart was submitted meanwhile, or a line is unusable
            failed = PunchoutReturnRefused(f"The shop's cart was not added: {error.message}", code=error.code)
        except (cxml.CXMLError, oci.OciError) as error:  # a codec refusal raised past _parse_cart's own handling
            failed = PunchoutReturnRefused(f"The shop's cart could not be read: {error.message}", code="bad_cart")
        except (ArithmeticError, ValueError, DataError):  # a number our columns cannot hold, however it got here
            logger.info("punchout return refused: a value the cart's columns cannot hold")
            failed = PunchoutReturnRefused(
                "The shop's cart was not added: it has a number (quantity or price) we cannot store.", code="bad_cart"
            )
        else:
            failed = None
            if total_note:
                outcome.warnings.append(total_note)
        session.status = PunchoutSession.Status.FAILED if failed else PunchoutSession.Status.RETURNED
        session.returned_at = timezone.now()
        session.result = (
            {"error": redact_text(failed.message)}
            if failed
            else {
                "added": outcome.added,
                "removed": outcome.removed,
                "kept": outcome.kept,
                "warnings": outcome.warnings,
            }
        )
        session.save(update_fields=["status", "returned_at", "result"])
    if failed is not None:
        raise failed
    return outcome


def _parse_cart(
    session: PunchoutSession, fields: list[tuple[str, str]], outcome: ReturnOutcome
) -> tuple[list[ExternalLine] | None, str]:
    """The lines the shop sent, mapped to ours; None means "keep what is there" (cXML status 204)."""
    if any(name.upper().startswith("NEW_ITEM-") for name, _ in fields):
        try:
            items = oci.parse_new_item_form(fields)
        except oci.OciError as exc:
            raise PunchoutReturnRefused(f"The shop's cart could not be read: {exc.message}", code="bad_cart") from exc
        contracts = _Contracts(session, {i.vendor_material or i.material_number or i.ext_product_id for i in items})
        return [_oci_line(session, item, outcome, contracts) for item in items], ""
    try:
        document = cxml.extract_cxml_from_form(fields)
        message = cxml.parse_punchout_order_message(document)
    except cxml.CXMLError as exc:
        raise PunchoutReturnRefused(
            f"The shop's cart could not be read (cXML status {exc.status_code}): {exc.message}", code="bad_cart"
        ) from exc
    if not secrets.compare_digest(message.buyer_cookie.strip().encode(), session.buyer_cookie.encode()):
        raise PunchoutReturnRefused(
            "The cart names another punchout session (BuyerCookie does not match): nothing was changed.",
            code="buyer_cookie_mismatch",
            status=403,
        )
    if message.status is not None and message.status.code == 204:
        return None, ""
    contracts = _Contracts(session, {item.supplier_part_id for item in message.items})
    lines = [_cxml_line(session, item, outcome, contracts) for item in message.items]
    note = ""
    currency = message.total.currency if message.total is not None else ""
    if message.total is not None and lines and all(line.unit_price.currency == currency for line in lines):
        # Never trust the shop's Total: the lines count (each rounded once, then added). Say so when they disagree.
        computed = Money.from_minor(
            total_minor(
                line_total_minor(
                    quantity=line.quantity,
                    unit_price_minor=line.unit_price.minor,
                    price_basis_quantity=line.price_basis_quantity,
                )
                for line in lines
            ),
            currency,
        )
        if to_minor(message.total.amount, currency) != computed.minor:
            theirs = decimal_text(message.total.amount, currency_digits(currency))
            note = f"The shop's total ({theirs} {currency}) differs from the sum of its lines ({computed}); "
            note += "the lines count."
    return lines, note


class _Contracts:
    """Our catalog's prices for the shop's part ids, read in two queries for the whole cart."""

    def __init__(self, session: PunchoutSession, part_ids: set[str]) -> None:
        self.items = {
            item.sku: item
            for item in CatalogItem.objects.filter(
                supplier=session.connection.supplier, sku__in=[p for p in part_ids if p], is_active=True
            )
        }
        self.lists = (
            price_lists_applicable(legal_entity=session.requisition.legal_entity, user=session.employee.user)
            if self.items
            else []
        )

    def price(self, part_id: str) -> tuple[CatalogItem | None, Money | None]:
        item = self.items.get(part_id)
        if item is None:
            return None, None
        return item, catalog_item_price(item=item, price_lists=self.lists)


def _line(
    session: PunchoutSession,
    outcome: ReturnOutcome,
    contracts: _Contracts,
    *,
    index: int,
    description: str,
    quantity: Decimal | None,
    unit: str,
    price: Decimal | None,
    currency: str,
    part_id: str,
    price_basis: Decimal = Decimal(1),
    aux_id: str = "",
    unspsc: str = "",
    lead_time: int | None = None,
    manufacturer: str = "",
    manufacturer_part_id: str = "",
    extrinsics: dict[str, Any] | None = None,
) -> ExternalLine:
    label = f"Line {index} ({(description or part_id)[:40]})"
    if quantity is None or not quantity.is_finite() or quantity <= 0:
        raise PunchoutReturnRefused(f"{label} has no quantity.", code="bad_cart")
    if quantity >= MAX_QUANTITY or quantity != quantity.quantize(Decimal("0.001")):
        raise PunchoutReturnRefused(
            f"{label} has a quantity we cannot hold: {str(quantity)[:30]} (at most 10 digits and 3 decimals).",
            code="bad_cart",
        )
    if price is None:
        raise PunchoutReturnRefused(f"{label} has no price.", code="bad_cart")
    currency = (currency or session.requisition.currency).upper()
    if not price_basis.is_finite() or not 0 < price_basis < MAX_PRICE_BASIS:
        raise PunchoutReturnRefused(f"{label} has a price basis we cannot use: {price_basis}.", code="bad_cart")
    try:
        minor, price_basis = _price_and_basis(price, price_basis, currency)
    except (MoneyError, ArithmeticError, ValueError) as exc:  # an unknown currency code or a price beyond reason
        raise PunchoutReturnRefused(
            f"{label} has a price we cannot use: {price} {currency!r}.", code="bad_cart"
        ) from exc
    if abs(minor) >= 10**15:
        raise PunchoutReturnRefused(f"{label} has a price we cannot use: {price} {currency}.", code="bad_cart")
    unit_price = Money.from_minor(minor, currency)
    item, contract = contracts.price(part_id)
    if contract is not None and contract.currency == currency:
        # Our contract price is for one unit: compare the line totals, each rounded once.
        theirs = line_total_minor(quantity=quantity, unit_price_minor=minor, price_basis_quantity=price_basis)
        ours = line_total_minor(quantity=quantity, unit_price_minor=contract.minor)
        if ours < theirs:
            outcome.warnings.append(
                f"{label}: priced at our contract price {contract} instead of the shop's {unit_price}"
                + (f" per {price_basis.normalize():f}" if price_basis != 1 else "")
                + "."
            )
            unit_price, price_basis = contract, Decimal(1)
    if currency != session.requisition.currency:
        outcome.warnings.append(f"{label} is in {currency}, the cart in {session.requisition.currency}.")
    mapped = oci.map_unit(unit or "EA", session.connection.unit_map or None)
    return ExternalLine(
        description=description or part_id,
        quantity=quantity,
        unit=mapped,
        unit_price=unit_price,
        supplier=session.connection.supplier,
        supplier_part_id=part_id,
        supplier_part_auxiliary_id=aux_id,
        price_basis_quantity=price_basis,
        unspsc=_unspsc(unspsc) or (item.unspsc if item else ""),
        lead_time_days=lead_time,
        manufacturer=manufacturer,
        manufacturer_part_id=manufacturer_part_id,
        catalog_item=item,
        extrinsics=extrinsics or {},
    )


def _cxml_line(
    session: PunchoutSession, item: cxml.ItemIn, outcome: ReturnOutcome, contracts: _Contracts
) -> ExternalLine:
    price, basis = _cxml_basis(item)
    return _line(
        session,
        outcome,
        contracts,
        index=item.line_number or 0,
        description=item.text,
        quantity=item.quantity,
        unit=item.unit_of_measure,
        price=price,
        price_basis=basis,
        currency=item.unit_price.currency,
        part_id=item.supplier_part_id,
        aux_id=item.supplier_part_auxiliary_id or "",
        unspsc=item.classification("UNSPSC") or "",
        lead_time=item.lead_time,
        manufacturer=item.manufacturer_name or "",
        manufacturer_part_id=item.manufacturer_part_id or "",
        extrinsics=dict(redact_form_fields(list(dict(item.extrinsics).items()))),
    )


def _oci_line(
    session: PunchoutSession, item: oci.OciItem, outcome: ReturnOutcome, contracts: _Contracts
) -> ExternalLine:
    return _line(
        session,
        outcome,
        contracts,
        index=item.index,
        description=(item.long_text.split("\n")[0] if not item.description else item.description),
        quantity=item.quantity,
        unit=item.unit,
        price=item.price,  # for PRICEUNIT units: kept with its basis, never divided first
        price_basis=item.price_unit,
        currency=item.currency,
        part_id=item.vendor_material or item.material_number or item.ext_product_id,
        aux_id=item.ext_quote_id,
        unspsc=item.material_group if item.material_group.isdigit() else "",
        lead_time=item.lead_time,
        manufacturer=item.manufacturer_code,
        manufacturer_part_id=item.manufacturer_material,
        extrinsics={
            k: v for k, v in redact_form_fields([("long_text", item.long_text), *dict(item.extra).items()]) if v
        },
    )


def _apply(session: PunchoutSession, specs: list[ExternalLine] | None, outcome: ReturnOutcome) -> None:
    operation = session.operation
    if operation == PunchoutSession.Operation.INSPECT or specs is None:
        outcome.kept = True
        return
    replace = list(session.lines.values_list("pk", flat=True)) if operation == PunchoutSession.Operation.EDIT else []
    if not specs and not replace:
        outcome.kept = True
        return
    created = requisition_lines_replace_external(
        requisition=session.requisition,
        by=session.employee,
        lines=specs,
        replace_line_ids=replace,
        note=f"Punchout to {session.connection}",
    )
    outcome.added = len(created)
    outcome.removed = len(replace)
    session.lines.set(created)


@dataclass(frozen=True)
class ConnectionTest:
    ok: bool
    summary: str
    sent: str  # with secrets masked
    answer: str
    http_status: int | None = None


def _masked(text: str, *secrets_: str) -> str:
    """Credentials out of a document we show or keep: by their place in cXML/OCI, and the known values anywhere."""
    text = redact_text(text)
    for secret in secrets_:
        if secret:
            text = text.replace(secret, MASK)
    return text


def punchout_connection_test(*, connection: PunchoutConnection) -> ConnectionTest:
    """cXML: send a ProfileRequest and read the answer. OCI: call the catalog up and show what it returns."""
    if connection.protocol == PunchoutConnection.Protocol.OCI:
        fields = dict(connection.oci_fields or {})
        login = {key: fields.pop(key) for key in ("USERNAME", "PASSWORD") if key in fields}
        hook = f"{settings.SITE_URL.rstrip('/')}/punchout/return/connection-test/"
        try:
            url = web_address_parse(connection.url.strip()).href
            call = oci.build_callup(url, connection.method, login, fields, hook)
        except WebAddressRefused as refused:
            return ConnectionTest(False, f"The connection's URL is not usable: {refused.message}", "", "")
        except oci.OciError as exc:
            return ConnectionTest(False, f"The connection is misconfigured: {exc.message}", "", "")
        password = login.get("PASSWORD", "")
        sent = "\n".join(f"{name}={value}" for name, value in redact_form_fields(list(call.fields)))
        sent = _masked(f"{call.method} {redact_url(call.url)}\n{sent}", password)
        try:
            if call.method == "GET":
                answer = httpx.get(call.url, timeout=connection.timeout_seconds, follow_redirects=True)
            else:
                answer = httpx.post(
                    call.url, data=dict(call.fields), timeout=connection.timeout_seconds, follow_redirects=True
                )
        except httpx.HTTPError as exc:
            return ConnectionTest(False, f"The catalog did not answer: {type(exc).__name__}", sent, "")
        ok = answer.status_code < 400
        summary = f"The catalog answered HTTP {answer.status_code}" + (" (its start page)." if ok else ".")
        return ConnectionTest(ok, summary, sent, _masked(answer.text[:20_000], password), answer.status_code)
    request = cxml.ProfileRequest(
        header=_header(connection),
        deployment_mode=connection.deployment_mode,  # type: ignore[arg-type]
    )
    body = cxml.build_profile_request(request)
    sent = _masked(body.decode("utf-8"), connection.shared_secret)
    try:
        web_address_parse(connection.url.strip())
    except WebAddressRefused as refused:
        return ConnectionTest(False, f"The connection's URL is not usable: {refused.message}", sent, "")
    try:
        answer = _post_cxml(connection, body)
    except httpx.HTTPError as exc:
        return ConnectionTest(False, f"The supplier did not answer: {type(exc).__name__}", sent, "")
    text = _masked(answer.content[:50_000].decode("utf-8", errors="replace"), connection.shared_secret)
    try:
        profile = cxml.parse_profile_response(answer.content)
    except cxml.CXMLError:
        try:
            status = cxml.parse_response(answer.content).status
        except cxml.CXMLError as exc:
            return ConnectionTest(
                False, f"HTTP {answer.status_code}, not a cXML answer: {exc.message}", sent, text, answer.status_code
            )
        ok = status.code < 300
        summary = f"cXML status {status.code} {status.text}" + (f": {status.message}" if status.message else "")
        return ConnectionTest(ok, _masked(summary, connection.shared_secret), sent, text, answer.status_code)
    names = ", ".join(t.request_name for t in profile.transactions) or "none listed"
    return ConnectionTest(
        profile.status.code < 300,
        f"cXML status {profile.status.code}; the supplier supports: {names}.",
        sent,
        text,
        answer.status_code,
    )
