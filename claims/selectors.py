"""Reads of claims and who may do what with them.

Who may raise a claim on a goods receipt: whoever may receive its order (its requester, the requisition's named
receiver, the entity's warehouse: `receiving.selectors.may_receive`) and the entity's buyers, all members of the
receipt's legal entity. Who may see a claim: whoever may see its receipt. Who closes it: the entity's buyers.
"""

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from procurement.models import AuditEvent, Employee, Role
from receiving.models import GoodsReceipt, GoodsReceiptLine
from receiving.selectors import may_receive, receipts_visible

from .errors import ClaimNotFound
from .models import Claim

ZERO = Decimal(0)


def is_buyer(*, employee: Employee, legal_entity_id: int) -> bool:
    return (
        employee.roles.filter(code=Role.BUYER).exists()
        and employee.legal_entities.filter(pk=legal_entity_id, is_active=True).exists()
    )


def may_raise(*, employee: Employee, receipt: GoodsReceipt) -> bool:
    """A receiver of the receipt's order, or a buyer of its entity (a member of the entity either way)."""
    if not employee.legal_entities.filter(pk=receipt.legal_entity_id, is_active=True).exists():
        return False
    return is_buyer(employee=employee, legal_entity_id=receipt.legal_entity_id) or may_receive(
        employee=employee, order=receipt.purchase_order
    )


def may_close(*, employee: Employee, claim: Claim) -> bool:
    return is_buyer(employee=employee, legal_entity_id=claim.legal_entity_id)


def claims_visible(*, employee: Employee) -> QuerySet[Claim]:
    """Claims on receipts the employee may see, in their active entities."""
    entities = employee.legal_entities.filter(is_active=True).values("pk")
    return Claim.objects.filter(legal_entity__in=entities, receipt__in=receipts_visible(employee=employee).values("pk"))


def claim_get(*, employee: Employee, pk: int | str) -> Claim:
    try:
        return (
            claims_visible(employee=employee)
            .select_related(
                "legal_entity",
                "supplier",
                "purchase_order",
                "receipt",
                "receipt_line__po_line",
                "raised_by__user",
                "closed_by__user",
                "credit_note",
            )
            .prefetch_related("photos")
            .get(pk=pk)
        )
    except (Claim.DoesNotExist, ValueError):
        raise ClaimNotFound(_("There is no claim %(id)s that you may see.") % {"id": pk}) from None


def claim_history(*, claim: Claim) -> list[AuditEvent]:
    """The claim's audit events, oldest first: raised, each status move, the answer."""
    return list(
        AuditEvent.objects.filter(object_type=Claim._meta.label, object_id=str(claim.pk))
        .select_related("actor")
        .order_by("created_at", "id")
    )


def claimed_quantity(*, receipt_line: GoodsReceiptLine, kinds: Iterable[str] | None = None, short: bool) -> Decimal:
    """What is claimed already: on this receipt line (not short), or short on its order line (every receipt)."""
    if short:
        claims = Claim.objects.filter(receipt_line__po_line_id=receipt_line.po_line_id, kind=Claim.Kind.SHORT)
    else:
        claims = Claim.objects.filter(receipt_line=receipt_line).exclude(kind=Claim.Kind.SHORT)
    return claims.aggregate(total=Sum("quantity"))["total"] or ZERO


def claimable_quantity(*, receipt_line: GoodsReceiptLine, kind: str) -> Decimal:
    """The most a new claim of `kind` may claim on the receipt line (docs/analytics.md, "Claims on deliveries"):

    - short: what the order line still misses (ordered less accepted on every posted receipt) less what is claimed
      short on the order line already;
    - any other kind: what the receipt line accepted less what is claimed on it already (short claims apart).
    """
    if kind == Claim.Kind.SHORT:
        po_line = receipt_line.po_line
        missing = max(po_line.quantity - po_line.received_quantity, ZERO)
        return max(missing - claimed_quantity(receipt_line=receipt_line, short=True), ZERO)
    return max(receipt_line.quantity - claimed_quantity(receipt_line=receipt_line, short=False), ZERO)


def claims_of(
    *, employee: Employee, receipt_id: int | None = None, order_id: int | None = None, supplier_id: int | None = None
) -> QuerySet[Claim]:
    """The claims the employee may see of one receipt, order or supplier, newest first."""
    claims = claims_visible(employee=employee)
    filters = Q()
    if receipt_id is not None:
        filters &= Q(receipt_id=receipt_id)
    if order_id is not None:
        filters &= Q(purchase_order_id=order_id)
    if supplier_id is not None:
        filters &= Q(supplier_id=supplier_id)
    return claims.filter(filters).select_related("receipt_line__po_line").order_by("-raised_at", "-id")
