"""A request for quotation from alice's requisition to the award: two evaluators, a split award, and the
awarded lines approved through the ordinary flow."""

from decimal import Decimal

import pytest
from django.core import mail

from notifications.models import Notification
from orders.models import PurchaseOrderLine
from p2p.submit_to_order import requisition_submit
from procurement.models import AuditEvent, LegalEntity
from procurement.money import Money
from requisitions.models import Requisition, RequisitionLine
from requisitions.services import requisition_create, requisition_line_add_free_text
from sourcing.errors import LinkInvalid, NotAllowed, QuoteRefused, QuotesSealed, RFQInvalid, RFQStateConflict
from sourcing.links import invitation_for_link
from sourcing.models import Invitation, RequestForQuotation
from sourcing.selectors import comparison, due_text, evaluation, quotes_unsealed, requisition_lines_to_quote
from sourcing.services import (
    AwardChoice,
    QuoteLineInput,
    RFQLineInput,
    quote_submit,
    rfq_award,
    rfq_create,
    scores_reveal,
    scores_submit,
)
from tests.approvals.helpers import decide, open_tasks

from .helpers import answer, committed, due_passes, links, person, sent_rfq, spec, token_of


def alice_cart() -> Requisition:
    alice = person("alice")
    cart = requisition_create(by=alice, legal_entity=LegalEntity.objects.get(code="ACME-FR"), title="Lab refit")
    for description, quantity in (("Centrifuge, 4,000 rpm", "2"), ("Pipette tips, 200 µl", "10")):
        requisition_line_add_free_text(
            requisition=cart,
            by=alice,
            description=description,
            quantity=Decimal(quantity),
            unit="EA",
            unit_price=Money(Decimal(0), "EUR"),
        )
    return cart


def from_cart(cart: Requisition) -> list[RFQLineInput]:
    _, lines = requisition_lines_to_quote(employee=person("frank"), requisition_pk=cart.pk)
    return [
        RFQLineInput(description=line.description, quantity=line.quantity, unit=line.unit, requisition_line_id=line.pk)
        for line in lines
    ]


def scores(rfq, values: dict[str, tuple[int, int, int, int]]) -> dict[tuple[int, str], int]:
    by_code = {quote.invitation.supplier.code: quote for quote in rfq.quotes.select_related("invitation__supplier")}
    return {
        (by_code[code].pk, criterion): value
        for code, four in values.items()
        for criterion, value in zip(("price", "delivery", "quality", "terms"), four, strict=True)
    }


def test_from_invitation_to_a_split_award_approved_through_the_ordinary_flow(acme, invited):
    # Given alice's cart with two unpriced lines, sent out by frank to three suppliers, carol and erin scoring
    cart = alice_cart()
    rfq = sent_rfq(invited, requisition=cart, lines=from_cart(cart))
    assert rfq.status == RequestForQuotation.Status.SENT
    assert sorted(message.to[0] for message in mail.outbox if rfq.number in message.subject) == [
        "carol@acme.example",
        "erin@acme.example",
        "sales@alpha.example",
        "sales@bravo.example",
        "sales@charlie.example",
    ]
    # and the committee is told in the app too, with the link to their scoring page
    assert sorted(
        Notification.objects.filter(kind="sourcing.evaluation_invited").values_list("recipient__username", "link")
    ) == [("carol", f"/sourcing/{rfq.pk}/score/"), ("erin", f"/sourcing/{rfq.pk}/score/")]
    # When the three suppliers answer (bravo revises once) and the due date passes
    answer(rfq, "ALPHA", "250.00", "12.50", lead_time=5)
    answer(rfq, "BRAVO", "260.00", "13.00")
    answer(rfq, "BRAVO", "240.00", "13.00")
    answer(rfq, "CHARLIE", None, "14.00")
    rfq = due_passes(rfq)

    # Then the comparison shows lines × suppliers with the lowest price of each line marked
    table = comparison(rfq=rfq, employee=person("frank"))
    assert [quote.invitation.supplier.code for quote in table.quotes] == ["ALPHA", "BRAVO", "CHARLIE"]
    assert [
        [(str(cell.line.unit_price.amount) if cell.line else "-", cell.lowest) for cell in row.cells]
        for row in table.rows
    ] == [
        [("250.00", False), ("240.00", True), ("-", False)],
        [("12.50", True), ("13.00", False), ("14.00", False)],
    ]
    assert rfq.quotes.get(invitation__supplier__code="BRAVO").revision == 2

    # When carol scores: she sees her own scores only, nothing is revealed
    scores_submit(
        rfq=rfq,
        by=person("carol"),
        scores=scores(rfq, {"ALPHA": (8, 9, 7, 6), "BRAVO": (9, 6, 8, 8), "CHARLIE": (5, 5, 5, 5)}),
    )
    seen_by_erin = evaluation(rfq=rfq, employee=person("erin"))
    assert (seen_by_erin.revealed, seen_by_erin.mine, seen_by_erin.all_scores, seen_by_erin.results) == (
        False,
        {},
        [],
        [],
    )
    assert len(evaluation(rfq=rfq, employee=person("carol")).mine) == 12
    # and erin scores: both are revealed together, with the weighted totals
    scores_submit(
        rfq=rfq,
        by=person("erin"),
        scores=scores(rfq, {"ALPHA": (6, 9, 9, 6), "BRAVO": (9, 8, 8, 8), "CHARLIE": (4, 4, 4, 4)}),
    )
    rfq.refresh_from_db()
    revealed = evaluation(rfq=rfq, employee=person("carol"))
    assert revealed.revealed
    assert [(result.quote.invitation.supplier.code, str(result.total)) for result in revealed.results] == [
        ("BRAVO", "82.00"),  # (9×40 + 7×20 + 8×30 + 8×10) / 10
        ("ALPHA", "76.00"),  # (7×40 + 9×20 + 8×30 + 6×10) / 10
        ("CHARLIE", "45.00"),
    ]
    with pytest.raises(RFQStateConflict):
        scores_submit(
            rfq=rfq,
            by=person("carol"),
            scores=scores(rfq, {"ALPHA": (0, 0, 0, 0), "BRAVO": (0, 0, 0, 0), "CHARLIE": (0, 0, 0, 0)}),
        )

    # When frank awards line 1 to Bravo and line 2 to Alpha
    lines = list(rfq.lines.order_by("line_number"))
    quote_line = {
        (quote_line.quote.invitation.supplier.code, quote_line.rfq_line.line_number): quote_line.pk
        for quote in quotes_unsealed(rfq=rfq, employee=person("frank"))
        for quote_line in quote.lines.all()
    }
    mail.outbox.clear()
    with committed():
        rfq_award(
            rfq=rfq,
            by=person("frank"),
            choices=[
                AwardChoice(rfq_line=lines[0].pk, quote_line=quote_line[("BRAVO", 1)]),
                AwardChoice(rfq_line=lines[1].pk, quote_line=quote_line[("ALPHA", 2)]),
            ],
            justification="Bravo is cheapest on centrifuges, Alpha on tips and fastest.",
        )

    # Then alice's cart holds the two quoted lines at the quoted prices instead of the unpriced ones
    rfq.refresh_from_db()
    assert (rfq.status, rfq.award_requisition_id) == (RequestForQuotation.Status.AWARDED, cart.pk)
    got = [
        (
            line.line_number,
            line.source,
            line.supplier.code,
            line.description,
            str(line.quantity),
            line.unit_price_minor,
            line.extrinsics["quote"]["rfq"],
        )
        for line in RequisitionLine.objects.filter(requisition=cart).order_by("line_number")
    ]
    assert got == [
        (3, "quote", "BRAVO", "Centrifuge, 4,000 rpm", "2.000", 240_00, rfq.number),
        (4, "quote", "ALPHA", "Pipette tips, 200 µl", "10.000", 12_50, rfq.number),
    ]
    # Charlie, who quoted but won nothing, is told; Alpha and Bravo are awarded
    assert dict(Invitation.objects.filter(rfq=rfq).values_list("supplier__code", "outcome")) == {
        "ALPHA": "awarded",
        "BRAVO": "awarded",
        "CHARLIE": "declined",
    }
    assert sorted((message.to[0], message.subject) for message in mail.outbox) == [
        ("alice@acme.example", f"{rfq.number} is awarded: your requisition has the quoted lines"),
        ("sales@charlie.example", f"Request for quotation {rfq.number}: not awarded to you"),
    ]
    (told,) = Notification.objects.filter(kind="sourcing.awarded")
    assert (told.recipient.username, told.title, told.link) == (
        "alice",
        f"{rfq.number} is awarded: your requisition has the quoted lines",
        f"/requisitions/{cart.pk}/",
    )
    # and every step is in the audit log
    assert list(
        AuditEvent.objects.filter(object_type="sourcing.RequestForQuotation", object_id=str(rfq.pk))
        .order_by("pk")
        .values_list("event_type", flat=True)
    ) == [
        "sourcing.rfq.created",
        "sourcing.rfq.status",
        "sourcing.rfq.sent",
        "sourcing.scores.submitted",
        "sourcing.scores.submitted",
        "sourcing.scores.revealed",
        "sourcing.rfq.status",
        "sourcing.rfq.awarded",
    ]

    # When alice submits the cart, it goes through the manager chain and is approved (605.00 EUR: bob signs)
    cart.refresh_from_db()
    assert cart.total_minor == 605_00
    requisition_submit(requisition=cart, by=person("alice"))
    while open_tasks(cart):
        for username in open_tasks(cart):
            decide(cart, username, "approve")
    cart.refresh_from_db()
    assert cart.status == "ordered"
    assert sorted(
        PurchaseOrderLine.objects.filter(purchase_order__requisition=cart).values_list(
            "purchase_order__supplier__code", "unit_price_minor"
        )
    ) == [("ALPHA", 12_50), ("BRAVO", 240_00)]


def test_quotes_are_sealed_before_the_due_date(acme, invited):
    rfq = sent_rfq(invited)
    answer(rfq, "ALPHA", "250.00", "12.50")
    for username in ("frank", "carol", "erin"):
        with pytest.raises(QuotesSealed):
            quotes_unsealed(rfq=rfq, employee=person(username))
    with pytest.raises(RFQStateConflict):
        scores_reveal(rfq=rfq, by=person("frank"))
    with pytest.raises(RFQStateConflict):
        rfq_award(rfq=rfq, by=person("frank"), choices=[], justification="Too early")
    # and no audit row tells a price (as an amount or in minor units; a bare "250" may be an id or a time)
    told = str(list(AuditEvent.objects.values_list("data", flat=True)))
    assert ("250.00" in told, "25000" in told, "250,00" in told) == (False, False, False)


def test_a_quote_after_the_due_date_is_refused(acme, invited):
    rfq = sent_rfq(invited)
    answer(rfq, "ALPHA", "250.00", "12.50")
    rfq = due_passes(rfq)
    refusal = f"The due date of {rfq.number} ({due_text(rfq)}) has passed: quotes are no longer accepted."
    # The link no longer opens the page
    with pytest.raises(LinkInvalid) as refused:
        invitation_for_link(token_of(links(rfq)["BRAVO"]))
    assert (refused.value.status, refused.value.code, refused.value.message) == (410, "link_expired", refusal)
    # and the service refuses the quote itself
    with pytest.raises(QuoteRefused) as refused_quote:
        quote_submit(
            invitation=Invitation.objects.get(rfq=rfq, supplier__code="BRAVO"),
            lines=[QuoteLineInput(rfq_line=rfq.lines.first().pk, unit_price=Decimal("1.00"), lead_time_days=1)],
        )
    assert refused_quote.value.message == refusal
    assert rfq.quotes.count() == 1


def test_a_request_needs_two_suppliers_a_committee_and_weights_of_100(acme, invited):
    frank, entity = person("frank"), LegalEntity.objects.get(code="ACME-FR")
    cases = [
        (spec(invited[:1]), "Invite at least two suppliers."),
        (spec(invited, evaluators=()), "Name at least one evaluator."),
        (
            spec(invited, weights={"price": 50, "delivery": 20, "quality": 20, "terms": 20}),
            "The weights add up to 110: they must add up to 100.",
        ),
        (
            spec(invited, lines=[RFQLineInput(description="X", quantity=Decimal("0.0001"))]),
            "Line 1: the quantity has more than 3 decimals.",
        ),
    ]
    for given, message in cases:
        with pytest.raises(RFQInvalid) as refused:
            rfq_create(by=frank, legal_entity=entity, spec=given)
        assert refused.value.message == message
    with pytest.raises(NotAllowed):
        rfq_create(by=person("alice"), legal_entity=entity, spec=spec(invited))
    assert RequestForQuotation.objects.count() == 0
