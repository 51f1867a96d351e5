"""At the same moment on PostgreSQL: a supplier's two browser tabs send their quote, and two evaluators send their
scores. The request's row lock makes each wait for the other: one quote with two revisions, and the scores revealed
once, together."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from procurement.models import AuditEvent
from sourcing.models import Invitation, Quote, QuoteLine
from sourcing.services import QuoteLineInput, quote_submit, scores_submit
from tests.concurrency import run_concurrently

from .helpers import answer, due_passes, person, sent_rfq

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_tabs_sending_a_quote_at_once_make_one_quote_of_two_revisions(acme, invited):
    rfq = sent_rfq(invited)
    lines = list(rfq.lines.order_by("line_number"))
    invitation = Invitation.objects.get(rfq=rfq, supplier__code="ALPHA")

    def send(price: str):
        return quote_submit(
            invitation=invitation,
            lines=[
                QuoteLineInput(
                    rfq_line=line.pk,
                    unit_price=Decimal(price),
                    lead_time_days=5,
                    valid_until=date.today() + timedelta(days=30),
                )
                for line in lines
            ],
        )

    results = run_concurrently([lambda: send("10.00"), lambda: send("11.00")])

    assert sorted(type(result).__name__ for result in results) == ["Quote", "Quote"]
    quote = Quote.objects.get()
    assert (quote.revision, QuoteLine.objects.count()) == (2, 2)


def test_two_evaluators_scoring_at_once_reveal_the_scores_once(acme, invited):
    rfq = sent_rfq(invited)
    answer(rfq, "ALPHA", "250.00", "12.50")
    answer(rfq, "BRAVO", "240.00", "13.00")
    rfq = due_passes(rfq)
    quotes = list(rfq.quotes.values_list("pk", flat=True))

    def score(username: str):
        return scores_submit(
            rfq=rfq,
            by=person(username),
            scores={
                (quote, criterion): 5 for quote in quotes for criterion in ("price", "delivery", "quality", "terms")
            },
        )

    results = run_concurrently([lambda: score("carol"), lambda: score("erin")])

    assert sorted(type(result).__name__ for result in results) == ["Evaluator", "Evaluator"]
    rfq.refresh_from_db()
    assert rfq.scores_revealed_at is not None
    assert AuditEvent.objects.filter(event_type="sourcing.scores.revealed").count() == 1
