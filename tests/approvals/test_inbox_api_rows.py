"""The API's inbox rows, written straight from the page query's rows (approvals.serializers.InboxApiResults), are
what InboxItemSerializer writes of the inbox items: the same objects and the same bytes, for varied rows
(currencies, missing values, delegations, more lines than shown, earlier decisions, non-ASCII text), in every
order, language and time zone."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from rest_framework.renderers import JSONRenderer

from approvals.inbox import approval_inbox_page, approval_inbox_rows
from approvals.serializers import InboxApiResults, InboxItemSerializer
from approvals.services import delegation_create
from budgets.selectors import budget_impacts
from p2p.submit_to_order import requisition_submit
from procurement.models import Employee, LegalEntity
from procurement.money import Money, minor_text
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.factories import SupplierFactory

from .helpers import decide, person, submitted


def both(employee: Employee, **options) -> tuple[list, list]:
    """The API's rows and the serializer's, for the same page."""
    fast = approval_inbox_rows(employee=employee, build=InboxApiResults(), budget_impacts=budget_impacts, **options)
    items = approval_inbox_page(employee=employee, budget_impacts=budget_impacts, **options).items
    return fast.items, list(InboxItemSerializer(items, many=True).data)


def assert_same(employee: Employee, **options) -> int:
    fast, declared = both(employee, **options)
    assert fast == [dict(row) for row in declared]
    assert JSONRenderer().render(fast) == JSONRenderer().render(declared)
    return len(fast)


def varied_cart(username: str, *, entity: str, currency: str, lines: int, title: str, justification: str = ""):
    requester = person(username)
    cart = requisition_create(
        by=requester, legal_entity=LegalEntity.objects.get(code=entity), title=title, justification=justification
    )
    supplier = SupplierFactory(code="CAFÉ-Ö", name="Café Öresund", currency=currency)
    for number in range(lines):
        requisition_line_add_free_text(
            requisition=cart,
            by=requester,
            description=f"Ligne {number} — crème brûlée “à la carte” 北京",
            quantity=Decimal("2.5") if number % 2 else Decimal(3),
            unit="EA",
            unit_price=Money(Decimal("1234.56") + number, currency),
            supplier=supplier if number % 3 == 0 else None,
        )
    cart.refresh_from_db()
    return requisition_submit(requisition=cart, by=requester)


def varied_rows() -> None:
    """Requisitions in two currencies, with 7 lines (5 shown), suppliers or none, non-ASCII text, a justification
    or none, earlier decisions with and without comments, and a delegation (bob's tasks go to carol)."""
    varied_cart("alice", entity="ACME-FR", currency="EUR", lines=7, title="Fournitures « été » ✓", justification="Né")
    varied_cart("alice", entity="ACME-FR", currency="EUR", lines=1, title="x <b>&</b>")
    varied_cart("alice", entity="ACME-FR", currency="SEK", lines=2, title="Kontorsmaterial åäö")
    for amount, comment in (
        ("5000", "Très bien — d’accord ✓ et un commentaire bien plus long que quarante signes"),
        ("6000", ""),
    ):
        requisition = submitted(amount)
        decide(requisition, "bob", comment=comment)
    submitted("100")
    today = date.today()
    delegation_create(employee=person("bob"), delegate=person("carol"), starts_on=today, ends_on=today + timedelta(1))


@pytest.mark.usefixtures("acme")
def test_varied_rows_are_written_as_the_serializer_writes_them():
    varied_rows()
    seen = 0
    for username in ("bob", "carol", "dave", "frank"):
        employee = person(username)
        for order in ("oldest", "newest", "amount"):
            seen += assert_same(employee, order=order)
            seen += assert_same(employee, order=order, limit=2)
    assert seen > 10
    carol = person("carol")
    assert any(row["chain_so_far"] for row in both(carol)[0])
    for language, zone in (("fr", "Europe/Paris"), ("sv", "Asia/Kolkata"), ("en", "UTC")):
        with translation.override(language), timezone.override(zone):
            assert_same(carol)
            assert_same(person("bob"), order="amount")


def test_the_demo_rows_requisitions_and_invoices_are_written_as_the_serializer_writes_them(demo):
    invoice_rows = 0
    for employee in Employee.objects.select_related("user"):
        for order in ("oldest", "amount"):
            fast, _ = both(employee, order=order)
            invoice_rows += sum(row["invoice"] is not None for row in fast)
            assert_same(employee, order=order)
        with translation.override("fr"), timezone.override("Europe/Stockholm"):
            assert_same(employee)
    assert invoice_rows


@pytest.mark.parametrize("currency", ["EUR", "JPY", "BHD", "SEK", "CLF"])
def test_minor_text_is_the_api_amount(currency):
    for minor in (0, 1, -1, 5, 99, 100, 101, -250, 1_234_567, -1_000_000_007, 10**15 + 3):
        assert minor_text(minor, currency) == Money.from_minor(minor, currency).as_api()["amount"]
