"""Demo data of claims (idempotent): one of alice's two lab trolleys (receiving's demo order, received in full)
arrived with a bent shelf; wendy at the loading dock claims it, and the supplier has acknowledged the claim through
its link (so wendy and frank, the buyer, have its notification) and not answered it yet."""

from collections.abc import Callable
from decimal import Decimal

from django.db import transaction

from procurement.models import Employee
from receiving.demo import RECEIVED_TITLE
from receiving.models import GoodsReceipt, GoodsReceiptLine

from .models import Claim
from .services import claim_acknowledge, claim_raise

COMMENT = "One trolley arrived with its lower shelf bent; it is set aside at the dock."


@transaction.atomic
def seed(report: Callable[[str], None]) -> None:
    wendy = Employee.objects.filter(user__username="wendy").first()
    receipt = (
        GoodsReceipt.objects.filter(
            purchase_order__requisition__title=RECEIVED_TITLE,
            purchase_order__requisition__requester__user__username="alice",
            status=GoodsReceipt.Status.POSTED,
        )
        .order_by("pk")
        .first()
    )
    if wendy is None or receipt is None:
        report("no demo claim (the demo's received order is missing)")
        return
    claim = Claim.objects.filter(receipt=receipt, comment=COMMENT).first()
    if claim is None:
        line = GoodsReceiptLine.objects.filter(receipt=receipt).order_by("pk").first()
        if line is None:
            report("no demo claim (the demo's receipt has no line)")
            return
        claim = claim_raise(
            receipt_line=line, kind=Claim.Kind.DAMAGED, quantity=Decimal(1), comment=COMMENT, photos=[], by=wendy
        )
        claim = claim_acknowledge(claim=claim)
    report(f"claim: {claim.number} on {receipt.number} by wendy ({claim.get_status_display()})")
