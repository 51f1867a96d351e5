"""The table of a goods receipt's status moves, and the one function that moves it.

A receipt is posted once; reversing it is its only move, logged as an audit event
(`receiving.goods_receipt.status`: from, to, the reason).
"""

from collections.abc import Iterable

from django.utils.translation import gettext_lazy

from procurement.models import Employee
from procurement.status_moves import StatusTable, status_move

from .errors import GoodsReceiptTransitionNotAllowed
from .models import GoodsReceipt

R = GoodsReceipt.Status

ALLOWED: dict[str, frozenset[str]] = {
    R.POSTED: frozenset({R.REVERSED}),
    R.REVERSED: frozenset(),
}

RECEIPT_TABLE = StatusTable(
    allowed=ALLOWED, labels=R, what=gettext_lazy("goods receipt"), event_type="receiving.goods_receipt.status"
)


def goods_receipt_status_move(
    *, receipt: GoodsReceipt, to_status: str, by: Employee | None, comment: str = "", also: Iterable[str] = ()
) -> GoodsReceipt:
    """Move the receipt (row-locked by the caller) to `to_status` if the table allows it, save it with the
    `also` fields the caller set, and log the move."""
    status_move(
        receipt,
        table=RECEIPT_TABLE,
        to_status=to_status,
        refused=GoodsReceiptTransitionNotAllowed,
        actor=by.user if by else None,
        legal_entity=lambda: receipt.legal_entity,
        comment=comment,
        also_save=also,
    )
    return receipt
