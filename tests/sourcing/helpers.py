"""The test company's sourcing: three suppliers who answer by e-mail, frank the buyer, carol and erin the
committee; a request made, sent and answered as the product does it. The clock passing the due date is the
due date moved into the past (`due_passes`)."""

import re
from datetime import date, timedelta
from decimal import Decimal

from django.core import mail
from django.test import TestCase
from django.utils import timezone

from procurement.models import Employee, LegalEntity, Supplier
from sourcing.links import invitation_for_link
from sourcing.models import Invitation, RequestForQuotation
from sourcing.services import QuoteLineInput, RFQLineInput, RFQSpec, quote_submit, rfq_create, rfq_send
from tests.factories import SupplierFactory

WEIGHTS = {"price": 40, "delivery": 20, "quality": 30, "terms": 10}


def person(username: str) -> Employee:
    return Employee.objects.select_related("user").get(user__username=username)


def suppliers() -> list[Supplier]:
    return [
        SupplierFactory(code=code, name=name, contact_email=f"sales@{code.lower()}.example")
        for code, name in (("ALPHA", "Alpha Lab"), ("BRAVO", "Bravo Supplies"), ("CHARLIE", "Charlie Tools"))
    ]


def spec(invited: list[Supplier], *, evaluators=("carol", "erin"), requisition=None, lines=None, **kwargs) -> RFQSpec:
    values = {
        "title": "Lab equipment",
        "due_at": timezone.now() + timedelta(days=7),
        "lines": lines
        or [
            RFQLineInput(description="Centrifuge", quantity=Decimal(2), unit="EA", specification="4,000 rpm"),
            RFQLineInput(description="Pipette tips", quantity=Decimal(10), unit="BX"),
        ],
        "supplier_ids": [supplier.pk for supplier in invited],
        "evaluator_ids": [person(name).pk for name in evaluators],
        "weights": WEIGHTS,
        "requisition": requisition,
    }
    values.update(kwargs)
    return RFQSpec(**values)


def committed():
    """What a write queues on commit (e-mails) runs when the block ends, as after a real commit."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def sent_rfq(invited: list[Supplier], **kwargs) -> RequestForQuotation:
    rfq = rfq_create(
        by=person("frank"), legal_entity=LegalEntity.objects.get(code="ACME-FR"), spec=spec(invited, **kwargs)
    )
    with committed():
        return rfq_send(rfq=rfq, by=person("frank"))


def links(rfq: RequestForQuotation) -> dict[str, str]:
    """supplier code → the path of its quote page, read from the invitation e-mails sent."""
    found = {}
    for invitation in Invitation.objects.filter(rfq=rfq).select_related("supplier"):
        for message in mail.outbox:
            if message.to == [invitation.supplier.contact_email] and rfq.number in message.subject:
                link = re.search(r"https?://\S+(/sourcing/quote/\S+/)", message.body)
                assert link is not None, message.body
                found[invitation.supplier.code] = link[1]
    return found


def token_of(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def answer(rfq: RequestForQuotation, code: str, *prices: str, lead_time: int = 10) -> None:
    """The supplier `code` quotes the request's lines at `prices` (None: that line not quoted), through its link."""
    invitation = invitation_for_link(token_of(links(rfq)[code]))
    lines = list(rfq.lines.order_by("line_number"))
    quote_submit(
        invitation=invitation,
        lines=[
            QuoteLineInput(
                rfq_line=line.pk,
                unit_price=None if price is None else Decimal(price),
                lead_time_days=lead_time,
                valid_until=date.today() + timedelta(days=60),
            )
            for line, price in zip(lines, prices, strict=True)
        ],
    )


def due_passes(rfq: RequestForQuotation) -> RequestForQuotation:
    """The due date is now behind us."""
    past = timezone.now() - timedelta(minutes=1)
    RequestForQuotation.objects.filter(pk=rfq.pk).update(due_at=past)
    Invitation.objects.filter(rfq=rfq).update(expires_at=past)
    rfq.refresh_from_db()
    return rfq
