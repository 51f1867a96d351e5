"""Issue 13 §1: a requisition's total is the sum of its line totals (each currency's sum converted once at the
stored rate, the rate recorded), and every view shows that same figure: the cart page, the list, the API, the
approval preview, the approver's inbox (page and API) and the e-mail asking for approval."""

import html
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core import mail
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from approvals.inbox import approval_inbox
from p2p.submit_to_order import requisition_submit
from procurement.models import ExchangeRate, LegalEntity, Role
from procurement.money import Money
from requisitions.models import RequisitionLine
from requisitions.services import (
    SplitSpec,
    requisition_create,
    requisition_line_add_free_text,
    requisition_line_splits_set,
)
from tests.factories import CostCentreFactory, EmployeeFactory, api_token

SEK_TO_EUR = Decimal("0.0873456789")

line_specs = st.lists(
    st.tuples(
        st.sampled_from(["EUR", "SEK"]),
        st.integers(min_value=1, max_value=99_999).map(lambda n: Decimal(n).scaleb(-3)),  # quantity 0.001 … 99.999
        st.integers(min_value=0, max_value=10_000_000).map(lambda n: Decimal(n).scaleb(-2)),  # price 0.00 … 100,000
        st.sampled_from([None, (Decimal("50"), Decimal("50")), (Decimal("33.33"), Decimal("66.67"))]),
    ),
    min_size=1,
    max_size=4,
)


def text(money: Money) -> str:
    return html.escape(str(money))


@pytest.mark.django_db(transaction=False)
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=line_specs)
def test_every_view_of_a_requisition_shows_the_same_total(django_capture_on_commit_callbacks, specs):
    mail.outbox.clear()
    entity = LegalEntity.objects.filter(code="FR-PROP").first() or LegalEntity.objects.create(
        code="FR-PROP", name="Property France", currency="EUR"
    )
    ExchangeRate.objects.get_or_create(
        from_currency="SEK", to_currency="EUR", valid_from=date(2020, 1, 1), defaults={"rate": SEK_TO_EUR}
    )
    lab, shop = CostCentreFactory(legal_entity=entity), CostCentreFactory(legal_entity=entity)
    manager = EmployeeFactory(legal_entities=[entity], roles=[Role.REQUESTER])
    requester = EmployeeFactory(legal_entities=[entity], roles=[Role.REQUESTER], manager=manager)
    requester.default_cost_centre = lab
    requester.save()
    requester.cost_centres.add(lab, shop)
    cart = requisition_create(by=requester, legal_entity=entity, title="Property")
    for currency, quantity, price, split in specs:
        line = requisition_line_add_free_text(
            requisition=cart,
            by=requester,
            description="Thing",
            quantity=quantity,
            unit="EA",
            unit_price=Money(max(price, Decimal("0.01")), currency),
        )
        if split:
            requisition_line_splits_set(
                line=line,
                by=requester,
                splits=[SplitSpec(cost_centre=lab, percent=split[0]), SplitSpec(cost_centre=shop, percent=split[1])],
            )
    cart.refresh_from_db()

    # the total: each currency's line totals added, SEK converted once at the stored rate, half up
    lines = RequisitionLine.objects.filter(requisition=cart)
    eur = sum(line.total_minor for line in lines if line.currency == "EUR")
    sek = sum(line.total_minor for line in lines if line.currency == "SEK")
    expected = Money.from_minor(eur + int((sek * SEK_TO_EUR).quantize(Decimal(1), rounding=ROUND_HALF_UP)), "EUR")
    assert cart.total == expected
    assert cart.total_rates == ({"SEK": "0.0873456789"} if any(s[0] == "SEK" for s in specs) else {})

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(requester.user)}")
    assert api.get(f"/api/v1/requisitions/{cart.pk}/").json()["total"] == expected.as_api()
    assert api.get(f"/api/v1/requisitions/{cart.pk}/approval-chain/").json()["total"] == expected.as_api()

    browser = Client()
    browser.force_login(requester.user)
    cart_page = browser.get(f"/requisitions/{cart.pk}/").content.decode()
    if cart.total_rates:
        assert f'id="requisition-total">{text(expected)}<' in cart_page
    else:
        assert f'<td class="num">{text(expected)}</td>' in cart_page
    assert text(expected) in browser.get("/requisitions/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        requisition_submit(requisition=cart, by=requester)
    [item] = approval_inbox(employee=manager)
    assert item.total == expected
    approver = Client()
    approver.force_login(manager.user)
    assert f'<td class="num">{text(expected)}</td>' in approver.get("/approvals/").content.decode()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token(manager.user)}")
    [task] = api.get("/api/v1/approvals/inbox/").json()["results"]
    assert task["requisition_detail"]["total"] == expected.as_api()
    [message] = [m for m in mail.outbox if m.to == [manager.user.email]]
    assert f"({expected})" in message.subject and f"for {expected}." in message.body
