"""Outbound punchout sessions: open a session at a supplier's shop (cXML setup request, or OCI call-up).

The cart's app decides who may shop for which cart and hands its lines over as plain `CartLine`s; this
module keeps the session, its tokens and the conversation with the shop. Nothing here logs a shared secret,
a password or a token.
"""

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.models import Employee

from .. import cxml, oci
from ..cart_lines import CartLine
from ..error_codes import PunchoutErrorCode
from ..errors import PunchoutError, PunchoutReturnRefused
from ..lock_objects import punchout_sessions_qs_select_for_update
from ..models import PunchoutConnection, PunchoutSession
from ..redact import redact_text
from ..tokens import token_hash
from ..transitions import punchout_session_status_move
from ..web_addresses import WebAddressRefused, web_address_parse
from .supplier_calls import cxml_header, cxml_post

logger = logging.getLogger(__name__)

EXTRINSICS = ("UserEmail", "UniqueName", "UserFullName", "FirstName", "LastName", "CostCenter", "BusinessUnit")


@dataclass(frozen=True)
class CartToShop:
    """The cart a session shops for, as far as the shop is told about it."""

    requisition_id: int
    legal_entity_code: str
    cost_centre_code: str  # the requester's default cost centre ("" when none)
    lines: Sequence[CartLine] = ()  # edit and inspect: the lines earlier sessions with this shop brought


@dataclass(frozen=True)
class SessionStart:
    session: PunchoutSession
    start_url: str  # cXML: the supplier's StartPage; OCI: our one-time call-up page
    token: str  # the return token, for building the return URL (never stored in clear)


def _extrinsics(connection: PunchoutConnection, employee: Employee, cart: CartToShop) -> dict[str, str]:
    user = employee.user
    known = {
        "UserEmail": user.email,
        "UniqueName": user.username,
        "UserFullName": employee.display_name,
        "FirstName": user.first_name,
        "LastName": user.last_name,
        "CostCenter": cart.cost_centre_code,
        "BusinessUnit": employee.org_unit.code if employee.org_unit else "",
        "LegalEntity": cart.legal_entity_code,
        "Department": employee.org_unit.name if employee.org_unit else "",
    }
    return {name: known[name] for name in connection.extrinsics or [] if known.get(name)}


def _items_out(lines: Sequence[CartLine]) -> tuple[cxml.ItemOut, ...]:
    items = []
    for number, line in enumerate(lines, 1):
        items.append(
            cxml.ItemOut(
                quantity=line.quantity.normalize(),  # 2, not 2.000 (format_decimal writes 1E+1 as 10)
                supplier_part_id=line.supplier_part_id or f"LINE-{line.line_number}",
                supplier_part_auxiliary_id=line.supplier_part_auxiliary_id or None,
                unit_price=cxml.Money(amount=line.unit_price.amount, currency=line.currency),
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


def punchout_operation_check(*, connection: PunchoutConnection, operation: str) -> None:
    """The operation is one we know, and the connection is switched on."""
    if operation not in PunchoutSession.Operation.values:
        raise PunchoutError(
            _("Unknown punchout operation %(operation)s: create, edit or inspect.") % {"operation": repr(operation)},
            code=PunchoutErrorCode.INVALID,
        )
    if not connection.is_active:
        raise PunchoutError(
            _("The punchout to %(connection)s is switched off.") % {"connection": connection},
            code=PunchoutErrorCode.CONNECTION_INACTIVE,
        )


def punchout_session_start(
    *,
    cart: CartToShop,
    by: Employee,
    connection: PunchoutConnection,
    operation: str,
    return_url_for: Any,
    callup_url_for: Any,
) -> SessionStart:
    """Open a shopping session: for cXML the setup request is sent now and its StartPage returned.

    The caller has checked that `by` may shop for (or look at) the cart. `return_url_for(token)` and
    `callup_url_for(token)` build absolute URLs on this server.
    """
    punchout_operation_check(connection=connection, operation=operation)
    if operation == PunchoutSession.Operation.INSPECT and not connection.supports_inspect:
        raise PunchoutError(
            _("%(connection)s does not support inspecting a cart.") % {"connection": connection},
            code=PunchoutErrorCode.OPERATION_NOT_SUPPORTED,
        )
    if operation == PunchoutSession.Operation.EDIT and not connection.supports_edit:
        raise PunchoutError(
            _("%(connection)s does not support editing a cart.") % {"connection": connection},
            code=PunchoutErrorCode.OPERATION_NOT_SUPPORTED,
        )
    lines = cart.lines if operation != PunchoutSession.Operation.CREATE else ()
    token = secrets.token_urlsafe(32)  # 256 bits; only the hash is kept
    start_token = secrets.token_urlsafe(32)
    oci_call = connection.protocol == PunchoutConnection.Protocol.OCI
    # Committed before the supplier is called: no transaction (or SQLite write lock) is held over the
    # network, so a shop on this very server (the demo loop) can write its own session meanwhile.
    with transaction.atomic():
        session = PunchoutSession.objects.create(
            connection=connection,
            employee=by,
            requisition_id=cart.requisition_id,
            operation=operation,
            token_hash=token_hash(token),
            buyer_cookie=secrets.token_hex(16),
            expires_at=timezone.now() + timedelta(minutes=connection.session_minutes),
            start_token_hash=token_hash(start_token) if oci_call else None,
            start_url="",  # OCI: the one-time call-up URL is a credential; it lives only in this answer
        )
        session.lines.set([line.pk for line in lines])
    if oci_call:
        return SessionStart(session, callup_url_for(start_token), token)
    return_url = return_url_for(token)
    request = cxml.PunchOutSetupRequest(
        header=cxml_header(connection),
        buyer_cookie=session.buyer_cookie,
        operation=operation,  # type: ignore[arg-type]
        browser_form_post_url=return_url,
        extrinsics=_extrinsics(connection, by, cart),
        contacts=(cxml.Contact(name=by.display_name, email=by.user.email or None, role="endUser"),),
        items_out=_items_out(lines),
        deployment_mode=connection.deployment_mode,  # type: ignore[arg-type]
    )
    try:
        start_page = _post_setup_request(connection, cxml.build_punchout_setup_request(request))
    except PunchoutError as exc:
        session.result = {"error": redact_text(exc.message)}
        punchout_session_status_move(
            session=session,
            to_status=PunchoutSession.Status.FAILED,
            comment=session.result["error"],
            also_save=["result"],
        )
        raise
    session.start_url = start_page
    session.save(update_fields=["start_url"])
    return SessionStart(session, start_page, token)


def _post_setup_request(connection: PunchoutConnection, body: bytes) -> str:
    """POST the setup request and return the StartPage URL, or raise with what the supplier said."""
    try:
        answer = cxml_post(connection, body)
    except WebAddressRefused as refused:
        raise PunchoutError(
            _("%(connection)s has an unusable URL: %(message)s")
            % {"connection": connection, "message": refused.message},
            code=PunchoutErrorCode.INVALID,
        ) from None
    except httpx.HTTPError as exc:
        logger.warning("punchout setup to %s failed: %s", connection.supplier.code, type(exc).__name__)
        raise PunchoutError(
            _("%(connection)s did not answer (%(name)s); try again later.")
            % {"connection": connection, "name": type(exc).__name__},
            code=PunchoutErrorCode.SUPPLIER_UNREACHABLE,
        ) from exc
    try:
        response = cxml.parse_punchout_setup_response(answer.content)
    except cxml.CXMLError as exc:
        raise PunchoutError(
            _(
                "%(connection)s answered HTTP %(status_code)s with something that is not a "
                "PunchOutSetupResponse (%(message)s)."
            )
            % {"connection": connection, "status_code": answer.status_code, "message": exc.message},
            code=PunchoutErrorCode.SUPPLIER_ERROR,
        ) from exc
    if response.status.code >= 300 or not response.start_page_url:
        detail = redact_text(response.status.message or response.status.text)
        raise PunchoutError(
            (
                _("%(connection)s refused the punchout: %(code)s %(detail)s")
                % {"connection": connection, "code": response.status.code, "detail": detail}
            ).strip(),
            code=PunchoutErrorCode.SUPPLIER_REFUSED,
        )
    try:
        # Read as the browser will read it: a javascript:, data: or user@host StartPage never reaches a browser.
        return web_address_parse(response.start_page_url.strip()).href
    except WebAddressRefused as refused:
        raise PunchoutError(
            _("%(connection)s answered a StartPage we will not open: %(message)s")
            % {"connection": connection, "message": refused.message},
            code=PunchoutErrorCode.SUPPLIER_ERROR,
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
            _("This punchout link belongs to someone else's session."),
            code=PunchoutErrorCode.FOREIGN_SESSION,
            status=403,
        )
    if session is None or session.started_at is not None:
        raise PunchoutReturnRefused(
            _("This punchout link has been used already or does not exist. Start the punchout again from your cart."),
            code=PunchoutErrorCode.CALLUP_USED,
            status=410,
        )
    if session.expires_at <= timezone.now():
        raise PunchoutReturnRefused(_("This punchout link has expired."), code=PunchoutErrorCode.EXPIRED, status=410)
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
        raise PunchoutError(
            _("The OCI connection to %(connection)s has an unusable URL: %(message)s")
            % {"connection": connection, "message": refused.message}
        ) from None
    except oci.OciError as exc:
        raise PunchoutError(
            _("The OCI connection to %(connection)s is misconfigured: %(message)s")
            % {"connection": connection, "message": exc.message}
        ) from exc
    return session, callup
