"""The cart of an ERP's punch-in is a requisition: opened when the browser arrives, sent back to the ERP at
transfer, and closed (cancelled, never submitted here) when the punch-in ends.

Punchout's punch-in sessions (`punchout.punchin_sessions`) keep the session, its shopper and the documents
sent to the ERP; this module does what the punch-in means for the requisition.
"""

from django.db import transaction

from punchout.models import InboundSession
from punchout.punchin_sessions import (
    Transfer,
    punchin_items_out_read,
    punchin_session_end,
    punchin_session_expire,
    punchin_session_for_transfer,
    punchin_session_leave,
    punchin_session_shopping,
    punchin_session_take,
    punchin_shopper,
    punchin_transfer_build,
)

from .models import RequisitionLine, RequisitionStatus
from .punchout_carts import cart_lines
from .services import requisition_create, requisition_lines_replace_external, requisition_status_move


@transaction.atomic
def punchin_cart_open(*, token: str) -> InboundSession:
    """Use the one-time StartPage: the session gets its shopper and cart. Twice or late is refused."""
    session = punchin_session_take(token=token)
    client = session.client
    employee = punchin_shopper(client=client, session=session)
    cart = requisition_create(by=employee, legal_entity=client.legal_entity, title=f"Punchout from {client.name}"[:200])
    items_out = None
    if session.items_out:
        lines, items_out = punchin_items_out_read(
            client=client, legal_entity=cart.legal_entity, employee=employee, items=session.items_out
        )
        requisition_lines_replace_external(
            requisition=cart,
            by=employee,
            lines=lines,
            source=RequisitionLine.Source.CATALOG,
            note="Lines from the ERP",
        )
    if session.operation == "inspect":
        requisition_status_move(requisition=cart, to_status=RequisitionStatus.CANCELLED, by=employee, comment="Inspect")
    punchin_session_shopping(session=session, employee=employee, requisition_id=cart.pk, items_out=items_out)
    return session


@transaction.atomic
def punchin_cart_transfer(*, session_id: int) -> Transfer:
    """Build the cart to send back and end the session: cXML PunchOutOrderMessage or OCI NEW_ITEM fields."""
    session = punchin_session_for_transfer(session_id=session_id)
    cart = session.requisition
    lines = cart_lines(cart.lines.select_related("supplier").order_by("line_number")) if cart else []
    transfer = punchin_transfer_build(session=session, lines=lines)
    punchin_session_end(session=session, status=InboundSession.Status.TRANSFERRED)
    _cart_close(session, f"Sent to {session.client.name}")
    return transfer


def punchin_cart_leave(*, session_id: int) -> None:
    """The user leaves without sending a cart: the session ends and nothing goes back to the ERP."""
    with transaction.atomic():
        session = punchin_session_leave(session_id=session_id)
        if session is not None:
            _cart_close(session, "Left the punchout session without sending the cart")


def punchin_cart_expire(*, session_id: int) -> None:
    """A shopping session past its time ends like a leave; the browser's punch-in is over."""
    with transaction.atomic():
        session = punchin_session_expire(session_id=session_id)
        if session is not None:
            _cart_close(session, "The punchout session expired")


def _cart_close(session: InboundSession, comment: str) -> None:
    """The punch-in's cart is closed, so it can never be submitted or shopped into again here."""
    cart = session.requisition
    if cart is not None and cart.status in (RequisitionStatus.DRAFT, RequisitionStatus.RETURNED):
        requisition_status_move(requisition=cart, to_status=RequisitionStatus.CANCELLED, by=None, comment=comment)
