"""Telling our side what the supplier did with a claim through its link: the person who raised it and the buyers
of the entity (who close it) hear, in the app and by e-mail as each chose (`notifications`, kind
`claim.answered`), in their language; the entity's webhooks get the event."""

from typing import Any

from django.urls import reverse

from notifications.models import Kind
from notifications.services import notify
from procurement.models import Employee, Role
from procurement.money import Money

from .models import Claim

ACKNOWLEDGED = "acknowledged"


def claim_answer_notify(*, claim: Claim, event: str) -> None:
    """`event` is "acknowledged" or the claim's answer (replacement, credit_note, rejection). Call it inside the
    write's transaction: e-mails and webhooks go on commit."""
    buyers = Employee.objects.filter(
        roles__code=Role.BUYER, legal_entities=claim.legal_entity_id, user__is_active=True
    ).select_related("user")
    people = {buyer.user.pk: buyer.user for buyer in buyers}
    raiser = claim.raised_by.user if claim.raised_by_id and claim.raised_by else None
    if raiser is not None and raiser.is_active:
        people[raiser.pk] = raiser
    context: dict[str, Any] = {
        "event": event,
        "number": claim.number,
        "order": claim.purchase_order.number,
        "supplier": claim.supplier.name,
        "note": claim.supplier_note,
        "replacement_date": claim.replacement_date,
        "credit": Money.from_minor(claim.credit_minor, claim.currency) if claim.credit_minor is not None else None,
        "credit_number": claim.credit_note.number if claim.credit_note_id and claim.credit_note else "",
        "reason": claim.rejection_reason,
    }
    notify(
        recipients=[people[pk] for pk in sorted(people)],
        kind=Kind.CLAIM_ANSWERED,
        legal_entity=claim.legal_entity,
        message="claim_answered",
        context=context,
        link=reverse("claims:detail", args=[claim.pk]),
        obj=claim,
        data={
            "claim": {"id": claim.pk, "number": claim.number, "status": claim.status},
            "purchase_order": {"id": claim.purchase_order_id, "number": claim.purchase_order.number},
            "supplier": claim.supplier.code,
            "answer": event,
        },
    )
