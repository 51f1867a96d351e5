"""Demo data of sourcing (idempotent): frank's request for quotation of lab equipment for ACME-FR, sent to
LabSource, Burotec and Nordic IT, who all quoted; its due date has passed and the committee is scoring: carol has
scored, erin has not yet (log in as erin to score, then as frank to award)."""

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from procurement.models import Employee, LegalEntity, Supplier

from .links import quote_link_make
from .models import Invitation, RequestForQuotation
from .services import (
    QuoteLineInput,
    RFQLineInput,
    RFQSpec,
    quote_submit,
    rfq_create,
    rfq_send,
    scores_submit,
)

DEMO_TITLE = "Lab centrifuges and pipette tips"
SUPPLIER_CODES = ("LABSOURCE", "BUROTEC", "NORDIC-IT")
# Per supplier: (unit price of each line, lead time in days), and carol's scores (price, delivery, quality, terms).
QUOTES = {
    "LABSOURCE": (("1180.00", "11.90"), 10, (8, 7, 9, 7)),
    "BUROTEC": (("1240.00", "10.50"), 5, (7, 9, 7, 8)),
    "NORDIC-IT": (("1150.00", "12.40"), 21, (9, 5, 6, 6)),
}


@transaction.atomic
def seed(report: Callable[[str], None]) -> None:
    rfq = RequestForQuotation.objects.filter(title=DEMO_TITLE, legal_entity__code="ACME-FR").first()
    if rfq is None:
        rfq = _scored_by_carol()
    if rfq is None:
        report("sourcing: no demo request (the demo people or suppliers are missing)")
        return
    report(f"sourcing: {rfq.number} with {rfq.quotes.count()} quotes, scored by carol, waiting for erin's scores")


def _scored_by_carol() -> RequestForQuotation | None:
    people = {
        employee.user.username: employee
        for employee in Employee.objects.filter(user__username__in=["frank", "carol", "erin"]).select_related("user")
    }
    suppliers = {supplier.code: supplier for supplier in Supplier.objects.filter(code__in=SUPPLIER_CODES)}
    france = LegalEntity.objects.filter(code="ACME-FR").first()
    if len(people) < 3 or len(suppliers) < 3 or france is None:
        return None
    frank = people["frank"]
    rfq = rfq_create(
        by=frank,
        legal_entity=france,
        spec=RFQSpec(
            title=DEMO_TITLE,
            description="For the new Lyon lab; delivery to the main site.",
            due_at=timezone.now() + timedelta(days=7),
            lines=[
                RFQLineInput(
                    description="Benchtop centrifuge",
                    quantity=Decimal(2),
                    unit="EA",
                    specification="4,000 rpm, 24 × 15 ml",
                ),
                RFQLineInput(description="Pipette tips 200 µl, racked", quantity=Decimal(40), unit="BX"),
            ],
            supplier_ids=[suppliers[code].pk for code in SUPPLIER_CODES],
            evaluator_ids=[people["carol"].pk, people["erin"].pk],
            weights={"price": 40, "delivery": 20, "quality": 30, "terms": 10},
        ),
    )
    rfq = rfq_send(rfq=rfq, by=frank)
    lines = list(rfq.lines.order_by("line_number"))
    valid_until = timezone.localdate() + timedelta(days=60)
    for invitation in Invitation.objects.filter(rfq=rfq).select_related("supplier", "rfq"):
        prices, lead_time, _scores = QUOTES[invitation.supplier.code]
        quote_submit(
            invitation=invitation,
            lines=[
                QuoteLineInput(
                    rfq_line=line.pk, unit_price=Decimal(price), lead_time_days=lead_time, valid_until=valid_until
                )
                for line, price in zip(lines, prices, strict=True)
            ],
            note="Demo quote",
        )
    # The demo skips the week of waiting: the due date is put behind us, so the quotes are open to the committee
    # (and the links, replaced here, no longer work).
    past = timezone.now() - timedelta(hours=1)
    RequestForQuotation.objects.filter(pk=rfq.pk).update(due_at=past)
    for invitation in Invitation.objects.filter(rfq=rfq):
        invitation.token_hash, invitation.expires_at = quote_link_make(invitation=invitation).token_hash, past
        invitation.save(update_fields=["token_hash", "expires_at"])
    rfq.refresh_from_db()
    quotes = {quote.invitation.supplier.code: quote for quote in rfq.quotes.select_related("invitation__supplier")}
    criteria = ("price", "delivery", "quality", "terms")
    scores_submit(
        rfq=rfq,
        by=people["carol"],
        scores={
            (quotes[code].pk, criterion): value
            for code, (_prices, _lead, carol) in QUOTES.items()
            for criterion, value in zip(criteria, carol, strict=True)
        },
    )
    return rfq
