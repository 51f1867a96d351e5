"""A requisition shops at a supplier's punchout shop, and the cart the shop sends back becomes its lines.

Who may shop for (or look at) which requisition, and what the returned cart does to the requisition's lines,
is decided here; punchout's services keep the session, its tokens, the conversation with the shop and the
reading of the cart (`punchout.services`).
"""

import logging
from collections.abc import Iterable
from typing import Any

from django.db import DataError, transaction
from django.utils.translation import gettext as _

from procurement.errors import ProcurementError
from procurement.models import Employee
from punchout import cxml, oci
from punchout.cart_lines import CartLine, IncomingRow
from punchout.models import PunchoutConnection, PunchoutSession
from punchout.services import (
    CartToShop,
    PunchoutReturnRefused,
    ReturnOutcome,
    SessionStart,
    punchout_cart_read,
    punchout_operation_check,
    punchout_return_record,
    punchout_return_session_take,
    punchout_session_line_ids,
    punchout_session_start,
)

from .error_codes import RequisitionErrorCode
from .errors import RequisitionError
from .models import Requisition, RequisitionLine
from .selectors import requisitions_visible
from .services import requisition_lines_add_external

logger = logging.getLogger(__name__)


def cart_lines(lines: Iterable[RequisitionLine]) -> list[CartLine]:
    """Requisition lines as punchout documents read them."""
    return [
        CartLine(
            pk=line.pk,
            line_number=line.line_number,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price_minor=line.unit_price_minor,
            currency=line.currency,
            price_basis_quantity=line.price_basis_quantity,
            supplier_code=line.supplier.code if line.supplier else "",
            supplier_part_id=line.supplier_part_id,
            supplier_part_auxiliary_id=line.supplier_part_auxiliary_id,
            unspsc=line.unspsc,
            lead_time_days=line.lead_time_days,
            manufacturer=line.manufacturer,
            manufacturer_part_id=line.manufacturer_part_id,
            catalog_item_id=line.catalog_item_id,
        )
        for line in lines
    ]


def _session_lines(requisition: Requisition, connection: PunchoutConnection) -> list[RequisitionLine]:
    """The lines earlier sessions with this shop brought into the requisition (what edit and inspect show)."""
    return list(
        requisition.lines.filter(
            punchout_sessions__connection=connection, source=RequisitionLine.Source.PUNCHOUT
        ).distinct()
    )


def requisition_punchout_start(
    *,
    requisition: Requisition,
    by: Employee,
    connection: PunchoutConnection,
    operation: str,
    return_url_for: Any,
    callup_url_for: Any,
) -> SessionStart:
    """Shop for the requisition at the connection's shop (create, edit) or show it there (inspect).

    `return_url_for(token)` and `callup_url_for(token)` build absolute URLs on this server.
    """
    punchout_operation_check(connection=connection, operation=operation)
    if operation == PunchoutSession.Operation.INSPECT:
        if not requisitions_visible(employee=by).filter(pk=requisition.pk).exists():
            raise RequisitionError(
                _("There is no such requisition that you may see."), code=RequisitionErrorCode.NOT_FOUND
            )
    else:
        if by.pk not in (requisition.requester_id, requisition.on_behalf_of_id):
            raise RequisitionError(
                _("Only the requester may shop for this requisition."), code=RequisitionErrorCode.NOT_REQUESTER
            )
        if not requisition.is_editable:
            raise RequisitionError(
                _("%(number)s is %(status)s: it cannot take new lines.")
                % {"number": requisition.number, "status": requisition.get_status_display().lower()},
                code=RequisitionErrorCode.NOT_EDITABLE,
            )
    centre = requisition.requester.default_cost_centre
    lines = _session_lines(requisition, connection) if operation != PunchoutSession.Operation.CREATE else []
    cart = CartToShop(
        requisition_id=requisition.pk,
        legal_entity_code=requisition.legal_entity.code,
        cost_centre_code=centre.code if centre else "",
        lines=cart_lines(lines),
    )
    return punchout_session_start(
        cart=cart,
        by=by,
        connection=connection,
        operation=operation,
        return_url_for=return_url_for,
        callup_url_for=callup_url_for,
    )


def requisition_punchout_return(*, token: str, fields: list[tuple[str, str]], user: Any = None) -> ReturnOutcome:
    """Take the cart a shop posted back. Refusals change nothing, except that a used session stays used."""
    with transaction.atomic():
        session = punchout_return_session_take(token=token, user=user)
        requisition = session.requisition
        outcome = ReturnOutcome(session)
        line_ids: list[int] | None = None
        try:
            lines, total_note = punchout_cart_read(
                session=session,
                fields=fields,
                outcome=outcome,
                currency=requisition.currency,
                legal_entity=requisition.legal_entity,
            )
            line_ids = _apply(session, requisition, lines, outcome)  # its own savepoint: a refused cart leaves no line
        except PunchoutReturnRefused as refused:
            failed: PunchoutReturnRefused | None = refused
        except ProcurementError as error:  # e.g. the cart was submitted meanwhile, or a line is unusable
            failed = PunchoutReturnRefused(
                _("The shop's cart was not added: %(message)s") % {"message": error.message}, code=error.code
            )
        except (cxml.CXMLError, oci.OciError) as error:  # a codec refusal raised past the cart reading's own handling
            failed = PunchoutReturnRefused(
                _("The shop's cart could not be read: %(message)s") % {"message": error.message},
                code=RequisitionErrorCode.BAD_CART,
            )
        except (ArithmeticError, ValueError, DataError):  # a number our columns cannot hold, however it got here
            logger.info("punchout return refused: a value the cart's columns cannot hold")
            failed = PunchoutReturnRefused(
                _("The shop's cart was not added: it has a number (quantity or price) we cannot store."),
                code=RequisitionErrorCode.BAD_CART,
            )
        else:
            failed = None
            if total_note:
                outcome.warnings.append(total_note)
        punchout_return_record(session=session, outcome=outcome, failed=failed, line_ids=None if failed else line_ids)
    if failed is not None:
        raise failed
    return outcome


def _apply(
    session: PunchoutSession, requisition: Requisition, lines: list[IncomingRow] | None, outcome: ReturnOutcome
) -> list[int] | None:
    """The returned lines into the requisition; the ids of the lines the session brought now (None: unchanged)."""
    operation = session.operation
    if operation == PunchoutSession.Operation.INSPECT or lines is None:
        outcome.kept = True
        return None
    replace = punchout_session_line_ids(session=session) if operation == PunchoutSession.Operation.EDIT else []
    if not lines and not replace:
        outcome.kept = True
        return None
    created = requisition_lines_add_external(
        requisition=requisition,
        by=session.employee,
        lines=lines,
        replace_line_ids=replace,
        note=f"Punchout to {session.connection}",
    )
    outcome.added = len(created)
    outcome.removed = len(replace)
    return created
