"""Goods arrive: the receipt is posted and the order's invoices are matched again.

    post       receiving: the receipt checked and posted; the order's line counts and status follow
               (orders.order_progress), and the requisition's
               invoices:  the order's invoices matched again (a receipt may clear "invoiced 5, received 3")
               budgets:   an order the receipt closed gives back what it still holds
    reverse    receiving: the receipt reversed, its counts taken off the order
               invoices:  the order's invoices matched again

Each entry point runs in one transaction: a refusal at any step keeps nothing. Callers are the web edges
(receiving's pages and API) and the demo data.
"""

from collections.abc import Sequence

from django.db import transaction

from invoices.matching import invoices_rematch
from orders.models import PurchaseOrder, Shipment
from p2p.close_out import purchase_order_closed_release
from procurement.models import Employee
from receiving.models import GoodsReceipt
from receiving.services import ReceiptLineInput, goods_receipt_create, goods_receipt_reverse


@transaction.atomic
def goods_receipt_post(
    *,
    order: PurchaseOrder,
    lines: Sequence[ReceiptLineInput],
    note: str,
    by: Employee,
    shipment: Shipment | None = None,
) -> GoodsReceipt:
    """Post a goods receipt on the order, then match the order's invoices again."""
    # 1. receiving: the receipt, and the order's counts and status.
    receipt = goods_receipt_create(order=order, lines=lines, note=note, by=by, shipment=shipment)
    # 2. invoices: matched again against what has now arrived (an invoice on hold for "invoiced 5, received 3"
    #    matches, is accepted, and may close the order).
    invoices_rematch(order=order)
    # 3. budgets: an order closed by this receipt gives back what it still holds.
    purchase_order_closed_release(order=order, by=by)
    return receipt


@transaction.atomic
def goods_receipt_reverse_post(*, receipt: GoodsReceipt, reason: str, by: Employee) -> GoodsReceipt:
    """Reverse a goods receipt, then match the order's invoices again."""
    # 1. receiving: the receipt reversed, its counts off the order.
    reversed_receipt = goods_receipt_reverse(receipt=receipt, reason=reason, by=by)
    # 2. invoices: matched again against what is left.
    invoices_rematch(order=reversed_receipt.purchase_order)
    return reversed_receipt
