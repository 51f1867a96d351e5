"""Invoices are due and discounted on their order's payment terms (from its contract), a supplier's earlier due
date is an exception, and what an accepted invoice bills under a framework agreement is invoiced on its cap."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from invoices.matching import invoice_match
from invoices.models import Invoice
from invoices.services import invoice_reject
from procurement.contract_ledger import contract_burn_down
from procurement.models import Contract, ContractLedgerEntry
from procurement.money import MoneyError, early_payment_discount_minor
from tests.contracts.factories import ContractFactory
from tests.factories import api_token

from .helpers import invoice_for, ordered, po_lines, receive

DAY = date(2026, 11, 20)


def test_the_discount_rule_rounds_half_up_once():
    assert early_payment_discount_minor(amount_minor=123_456, percent=Decimal(2)) == 2469
    assert early_payment_discount_minor(amount_minor=25, percent=Decimal(2)) == 1
    assert early_payment_discount_minor(amount_minor=24, percent=Decimal(2)) == 0
    assert early_payment_discount_minor(amount_minor=-123_456, percent=Decimal("2.5")) == -3086
    with pytest.raises(MoneyError):
        early_payment_discount_minor(amount_minor=100, percent=Decimal(101))


@pytest.fixture
def framework(world):
    return ContractFactory(
        number="FA-BOLTS",
        kind=Contract.Kind.FRAMEWORK,
        supplier=world.supplier,
        legal_entity=world.france,
        currency="EUR",
        cap_minor=1_000_000,
        payment_net_days=30,
        early_discount_percent=Decimal(2),
        early_discount_days=10,
    )


def under_contract(world, framework, *lines):
    """An issued order of the lines, placed under the framework agreement as ordering does (its lines priced
    from it, its terms 30 days net, 2 % within 10 days)."""
    order = ordered(world, *lines)
    order.lines.update(contract=framework)
    order.contract = framework
    order.payment_net_days, order.payment_discount_percent, order.payment_discount_days = 30, Decimal(2), 10
    order.save(update_fields=["contract", "payment_net_days", "payment_discount_percent", "payment_discount_days"])
    return order


def test_an_invoice_is_due_and_discounted_on_its_orders_terms(world, framework, client):
    # Given 10 bolts at 12.34 ordered under the agreement and received
    order = under_contract(world, framework, ("10", "12.34"))
    line = po_lines(order)[0]
    receive(order, line, "10")
    # When the supplier invoices them on 20 November (123.40 + 20 % VAT = 148.08) without a due date
    invoice = invoice_for(order, (line, "10", "12.34"), invoice_date=DAY)
    invoice_match(invoice=invoice)
    invoice.refresh_from_db()
    # Then it is due 30 days later, 2 % off (2.96) when paid within 10 days
    assert invoice.status == Invoice.Status.READY_TO_PAY
    assert invoice.total_minor == 14808
    assert (invoice.due_date, invoice.due_date_from_order) == (DAY + timedelta(days=30), True)
    assert (invoice.discount_percent, invoice.discount_until, invoice.discount_minor) == (
        Decimal(2),
        DAY + timedelta(days=10),
        296,
    )
    # And the invoice page and API show them
    client.force_login(world.buyer.user)
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert '<dd id="due-date">2026-12-20' in page
    assert '<dd id="discount">2.96\xa0EUR if paid by 2026-11-30</dd>' in page
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(world.buyer.user)}")
    body = api.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert (body["due_date"], body["discount_until"], body["discount"], body["discount_percent"]) == (
        "2026-12-20",
        "2026-11-30",
        {"amount": "2.96", "currency": "EUR"},
        "2",
    )


def test_a_supplier_due_date_earlier_than_the_terms_puts_the_invoice_on_hold(world, framework):
    order = under_contract(world, framework, ("10", "12.34"))
    line = po_lines(order)[0]
    receive(order, line, "10")
    invoice = invoice_for(order, (line, "10", "12.34"), invoice_date=DAY)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=DAY + timedelta(days=15))
    invoice_match(invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.EXCEPTION
    assert invoice.reasons == [f"due 2026-12-05 where order {order.number}'s terms (30 days net) make it 2026-12-20"]
    assert invoice.due_date == DAY + timedelta(days=15)  # the supplier's own is kept


def test_a_later_supplier_due_date_is_kept_and_matches(world, framework):
    order = under_contract(world, framework, ("10", "12.34"))
    line = po_lines(order)[0]
    receive(order, line, "10")
    invoice = invoice_for(order, (line, "10", "12.34"), invoice_date=DAY)
    Invoice.objects.filter(pk=invoice.pk).update(due_date=DAY + timedelta(days=45))
    invoice_match(invoice=invoice)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.due_date, invoice.due_date_from_order) == (
        Invoice.Status.READY_TO_PAY,
        DAY + timedelta(days=45),
        False,
    )


def test_an_order_without_terms_leaves_the_invoice_without_due_date_or_discount(world):
    order = ordered(world, ("10", "12.34"))
    line = po_lines(order)[0]
    receive(order, line, "10")
    invoice = invoice_for(order, (line, "10", "12.34"), invoice_date=DAY)
    invoice_match(invoice=invoice)
    invoice.refresh_from_db()
    assert (invoice.due_date, invoice.discount_until, invoice.discount_minor) == (None, None, 0)


def test_an_accepted_invoice_under_a_framework_agreement_is_invoiced_on_its_cap_once(world, framework, client):
    # Given 10 bolts at 12.34 ordered under the agreement (123.40 committed), 4 received
    order = under_contract(world, framework, ("10", "12.34"))
    line = po_lines(order)[0]
    receive(order, line, "4")
    # When the supplier invoices 10: on hold (4 received), then the other 6 arrive and it matches
    invoice = invoice_for(order, (line, "10", "12.34"), invoice_date=DAY)
    invoice_match(invoice=invoice)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.EXCEPTION
    assert not ContractLedgerEntry.objects.filter(kind=ContractLedgerEntry.Kind.INVOICED).exists()
    receive(order, line, "6")
    invoice_match(invoice=invoice)
    # Then the contract has 123.40 invoiced (net), once: matching again writes nothing more
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.RECEIVED)
    invoice_match(invoice=invoice)
    entries = list(
        ContractLedgerEntry.objects.filter(kind=ContractLedgerEntry.Kind.INVOICED).values_list(
            "contract__number", "amount_minor", "reference"
        )
    )
    assert entries == [("FA-BOLTS", 12340, f"invoice:{invoice.pk}")]
    assert contract_burn_down(framework).invoiced_minor == 12340
    # And the contract's page and API show it
    client.force_login(world.buyer.user)
    page = client.get(f"/contracts/{framework.pk}/").content.decode()
    assert '<dd id="burn-invoiced">123.40\xa0EUR</dd>' in page
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(world.buyer.user)}")
    body = api.get(f"/api/v1/contracts/{framework.pk}/").json()
    assert body["burn_down"]["invoiced"] == {"amount": "123.40", "currency": "EUR"}


def test_a_rejected_invoice_comes_off_the_contracts_cap(world, framework):
    order = under_contract(world, framework, ("10", "12.34"))
    line = po_lines(order)[0]
    receive(order, line, "10")
    invoice = invoice_for(order, (line, "10", "12.34"), invoice_date=DAY)
    invoice_match(invoice=invoice)
    assert contract_burn_down(framework).invoiced_minor == 12340
    invoice_reject(invoice=invoice, by=world.buyer, comment="Wrong supplier entity")
    assert contract_burn_down(framework).invoiced_minor == 0
    assert not ContractLedgerEntry.objects.filter(kind=ContractLedgerEntry.Kind.INVOICED).exists()


def test_a_credit_note_takes_back_what_it_credits_from_the_contracts_invoiced_amount(world, framework, client):
    # Given 20 bolts at 12.34 ordered under the agreement, 10 received and invoiced (123.40 invoiced on its cap)
    order = under_contract(world, framework, ("20", "12.34"))
    line = po_lines(order)[0]
    receive(order, line, "10")
    invoice = invoice_for(order, (line, "10", "12.34"), invoice_date=DAY)
    invoice_match(invoice=invoice)
    # When the supplier credits 3 of them
    credit = invoice_for(order, (line, "3", "12.34"), invoice_date=DAY, kind=Invoice.Kind.CREDIT_NOTE, corrects=invoice)
    invoice_match(invoice=credit)
    credit.refresh_from_db()
    assert [r for line in credit.lines.all() for r in line.reasons] == []
    assert credit.status == Invoice.Status.READY_TO_PAY
    # Then the contract has 86.38 invoiced, net of the 37.02 credited, and matching again writes nothing more
    Invoice.objects.filter(pk=credit.pk).update(status=Invoice.Status.RECEIVED)
    invoice_match(invoice=credit)
    entries = list(ContractLedgerEntry.objects.order_by("pk").values_list("kind", "amount_minor", "reference"))
    assert [entry for entry in entries if entry[0] != ContractLedgerEntry.Kind.COMMITTED] == [
        ("invoiced", 12340, f"invoice:{invoice.pk}"),
        ("credited", 3702, f"invoice:{credit.pk}"),
    ]
    assert contract_burn_down(framework).invoiced_minor == 8638
    client.force_login(world.buyer.user)
    page = client.get(f"/contracts/{framework.pk}/").content.decode()
    assert '<dd id="burn-invoiced">86.38\xa0EUR</dd>' in page
    # And a credit note rejected after it was accepted gives it back
    invoice_reject(invoice=credit, by=world.buyer, comment="Sent in error")
    assert contract_burn_down(framework).invoiced_minor == 12340
    assert not ContractLedgerEntry.objects.filter(kind=ContractLedgerEntry.Kind.CREDITED).exists()


def test_the_invoices_list_sorts_and_filters_by_due_date(world, framework, client):
    order = under_contract(world, framework, ("10", "1.00"))
    line = po_lines(order)[0]
    receive(order, line, "10")
    late = invoice_for(order, (line, "2", "1.00"), number="LATE", invoice_date=DAY)
    soon = invoice_for(order, (line, "2", "1.00"), number="SOON", invoice_date=DAY - timedelta(days=20))
    invoice_for(order, (line, "2", "1.00"), number="NONE", invoice_date=DAY, kind=Invoice.Kind.CREDIT_NOTE)
    for invoice in (late, soon):
        invoice_match(invoice=invoice)
    client.force_login(world.buyer.user)
    page = client.get("/invoices/", {"sort": "due"}).content.decode()
    positions = [page.index(f'data-invoice="{number}"') for number in ("SOON", "LATE", "NONE")]
    assert positions == sorted(positions)  # due 30 Nov, due 20 Dec, no due date
    due_soon = client.get("/invoices/", {"due_by": "2026-11-30"}).content.decode()
    assert ('data-invoice="SOON"' in due_soon, 'data-invoice="LATE"' in due_soon) == (True, False)
    bad = client.get("/invoices/", {"due_by": "30/11/2026"})
    assert bad.status_code == 200
    assert "Give the date as YYYY-MM-DD" in bad.content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(world.buyer.user)}")
    body = api.get("/api/v1/invoices/", {"sort": "due", "due_by": "2026-12-31"}).json()
    assert [(row["number"], row["due_date"]) for row in body["results"]] == [
        ("SOON", "2026-11-30"),
        ("LATE", "2026-12-20"),
    ]
    wrong = api.get("/api/v1/invoices/", {"due_by": "tomorrow"})
    assert (wrong.status_code, wrong.json()["code"]) == (400, "invalid")
