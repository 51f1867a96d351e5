"""A claim from receipt to supplier answer to credit note, with the budget actual reversed; the supplier's link is
signed, single-use and expiring; the pages that show claims."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from budgets.models import BudgetEntry
from claims.models import Claim
from invoices.models import Invoice

from .conftest import actual_minor, browser, link_in, png


def raise_on_page(delivery, **fields):
    data = {"line": str(delivery.receipt.lines.get().pk), "kind": "damaged", "quantity": "2", "comment": "Box crushed"}
    data.update(fields)
    with delivery.committed(execute=True):
        return browser(delivery.warehouse).post(f"/claims/receipts/{delivery.receipt.pk}/new/", data)


def test_a_damaged_delivery_is_claimed_answered_with_a_credit_note_and_the_actual_is_reversed(delivery):
    # Given 10 bolts at 12.50 received and invoiced: 125.00 booked as actual on the budget
    assert delivery.invoice.status == Invoice.Status.READY_TO_PAY
    assert actual_minor(delivery) == 125_00
    entries_before = set(BudgetEntry.objects.values_list("pk", flat=True))

    # When wendy claims 2 damaged bolts with a photo on the receipt
    page = browser(delivery.warehouse).get(f"/receiving/receipts/{delivery.receipt.pk}/")
    assert 'id="raise-claim"' in page.content.decode()
    raised = raise_on_page(delivery, photos=[png()])

    # Then the claim is open and the supplier has an e-mail with a link
    claim = Claim.objects.get()
    assert raised.status_code == 302 and raised["Location"] == f"/claims/{claim.pk}/"
    assert (claim.number, claim.status, claim.kind, claim.quantity, claim.value_minor) == (
        "CL-FR-TEST-000001", "open", "damaged", Decimal("2.000"), 25_00,
    )  # fmt: skip
    assert [message.to for message in mail.outbox] == [["billing@bolts.example"]]
    assert mail.outbox[0].subject == f"Claim CL-FR-TEST-000001 on order {delivery.order.number}"
    assert "Line 1, Bolt M8: Damaged, quantity 2 (value 25.00\xa0EUR)." in mail.outbox[0].body, mail.outbox[0].body
    link = link_in(mail.outbox[0])

    # When the supplier opens the link (no login), acknowledges, and answers a credit note above the claimed value
    supplier = Client()
    shown = supplier.get(link)
    assert shown.status_code == 200 and "CL-FR-TEST-000001" in shown.content.decode()
    assert Claim.objects.get().status == "open"  # opening the link changes nothing
    supplier.post(link, {"action": "acknowledge"})
    assert Claim.objects.get().status == "acknowledged"
    too_much = supplier.post(link, {"answer": "credit_note", "credit_amount": "30.00", "note": "Sorry"})
    assert too_much.status_code == 400
    assert "The credit is at most the claimed value, 25.00\xa0EUR." in too_much.content.decode()
    assert 'value="30.00"' in too_much.content.decode()  # what was typed is kept

    # And then answers a credit note of 20.00
    answered = supplier.post(link, {"answer": "credit_note", "credit_amount": "20.00", "note": "Sorry"})
    assert answered.status_code == 200 and 'id="answer-done"' in answered.content.decode()

    # Then a credit note of 20.00 corrects INV-1, accepted, and the actual is 20.00 lower exactly
    claim.refresh_from_db()
    credit_note = claim.credit_note
    assert (claim.status, claim.answer, claim.credit_minor) == ("resolved", "credit_note", 20_00)
    assert (credit_note.kind, credit_note.number, credit_note.corrects_id, credit_note.status) == (
        "credit_note", "CL-FR-TEST-000001", delivery.invoice.pk, "ready_to_pay",
    ), (credit_note.reasons, list(credit_note.lines.values_list("reasons", flat=True)))  # fmt: skip
    assert (credit_note.net_minor, credit_note.total_minor, credit_note.source) == (20_00, 20_00, "claim")
    assert actual_minor(delivery) == 105_00
    new_actuals = list(
        BudgetEntry.objects.exclude(pk__in=entries_before)
        .filter(kind=BudgetEntry.Kind.ACTUAL)
        .values_list("budget_id", "amount_minor", "invoice_id")
    )
    assert new_actuals == [(delivery.world.budget.pk, -20_00, credit_note.pk)]

    # And the link is spent
    again = Client().get(link)
    assert again.status_code == 404
    assert "This link is not valid or has already been used." in again.content.decode()

    # When the buyer closes it
    closed = browser(delivery.world.buyer).post(f"/claims/{claim.pk}/close/", {"comment": "Credited"})
    assert closed.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "closed"

    # Then the claim's page shows its history and the credit note; the receipt and the order show it closed
    detail = browser(delivery.world.buyer).get(f"/claims/{claim.pk}/").content.decode()
    assert "Open → Acknowledged: Acknowledged by the supplier" in detail
    assert "Acknowledged → Resolved: Credit note CL-FR-TEST-000001 of 20.00\xa0EUR" in detail
    assert "Resolved → Closed: Credited" in detail
    assert f'href="/invoices/{credit_note.pk}/" id="claim-credit-note"' in detail
    for path in (f"/receiving/receipts/{delivery.receipt.pk}/", f"/purchase-orders/{delivery.order.pk}/"):
        body = browser(delivery.world.buyer).get(path).content.decode()
        assert 'data-claim="CL-FR-TEST-000001"' in body
        assert '<span class="status status-closed">Closed</span>' in body


def test_a_replacement_and_a_rejection_are_answers_with_their_own_checks(delivery):
    raise_on_page(delivery, quantity="1")
    raise_on_page(delivery, quantity="1", kind="quality")
    first, second = Claim.objects.order_by("pk")
    links = [link_in(message) for message in mail.outbox]
    supplier = Client()

    past = supplier.post(links[0], {"answer": "replacement", "replacement_date": "2001-01-01"})
    assert past.status_code == 400 and "The replacement date is in the past." in past.content.decode()
    no_date = supplier.post(links[0], {"answer": "replacement"})
    assert "Enter the day the replacement arrives." in no_date.content.decode()
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    assert supplier.post(links[0], {"answer": "replacement", "replacement_date": day}).status_code == 200
    first.refresh_from_db()
    assert (first.status, first.answer, first.replacement_date.isoformat(), first.credit_note) == (
        "resolved", "replacement", day, None,
    )  # fmt: skip

    no_reason = supplier.post(links[1], {"answer": "rejection", "reason": "  "})
    assert no_reason.status_code == 400 and "Say why the claim is rejected." in no_reason.content.decode()
    assert supplier.post(links[1], {"answer": "rejection", "reason": "Damaged in your warehouse"}).status_code == 200
    second.refresh_from_db()
    assert (second.status, second.answer, second.rejection_reason) == (
        "rejected",
        "rejection",
        "Damaged in your warehouse",
    )
    assert Invoice.objects.filter(kind="credit_note").count() == 0


def test_a_forged_an_altered_and_an_expired_link_are_refused(delivery):
    raise_on_page(delivery)
    link = link_in(mail.outbox[0])
    token = link.rsplit("/", 2)[1]
    assert Client().get(f"/claims/answer/{token[:-2]}xx/").status_code == 404
    assert Client().get("/claims/answer/not-a-token/").status_code == 404
    Claim.objects.update(link_expires_at=timezone.now() - timedelta(seconds=1))
    expired = Client().post(link, {"answer": "rejection", "reason": "late"})
    assert expired.status_code == 410
    assert "This link has expired" in expired.content.decode()
    assert Claim.objects.get().status == "open"


def test_a_buyer_sends_a_new_link_and_the_one_before_stops_working(delivery):
    raise_on_page(delivery)
    old = link_in(mail.outbox[0])
    claim = Claim.objects.get()
    with delivery.committed(execute=True):
        assert browser(delivery.world.buyer).post(f"/claims/{claim.pk}/link/").status_code == 302
    new = link_in(mail.outbox[1])
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200


def test_a_claim_is_closed_only_once_answered_and_only_by_a_buyer(delivery):
    raise_on_page(delivery)
    claim = Claim.objects.get()
    early = browser(delivery.world.buyer).post(f"/claims/{claim.pk}/close/", {})
    assert early.status_code == 409
    assert "The claim is open: it cannot become closed." in early.content.decode()
    Client().post(link_in(mail.outbox[0]), {"answer": "rejection", "reason": "No"})
    by_warehouse = browser(delivery.warehouse).post(f"/claims/{claim.pk}/close/", {})
    assert by_warehouse.status_code == 403
    assert Claim.objects.get().status == "rejected"


@pytest.mark.parametrize("supplier_email", [""])
def test_a_supplier_without_an_address_gets_no_mail_but_a_link_is_kept(delivery, supplier_email):
    delivery.world.supplier.contact_email = supplier_email
    delivery.world.supplier.save(update_fields=["contact_email"])
    raise_on_page(delivery)
    assert mail.outbox == []
    assert Claim.objects.get().link_token_hash != ""
