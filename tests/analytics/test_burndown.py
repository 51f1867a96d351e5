"""A budget's burn-down: generated ledger entries of every kind on known days, and each month's cumulative committed,
actual, used and pre-committed, the ideal line and the projected end compared with the same figures computed here
from the ledger rows (exact fractions, rounded half up); other entities' budgets are not found; bad input is 400."""

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from budgets.models import Budget, BudgetEntry
from procurement.models import Role
from procurement.money import from_minor
from tests.factories import (
    BudgetEntryFactory,
    BudgetFactory,
    CostCentreFactory,
    EmployeeFactory,
    LegalEntityFactory,
    UserFactory,
)

KINDS = ["precommitment", "release", "commitment", "commitment_release", "actual"]


def _half_up(value: Fraction) -> int:
    return int((value * 2 + 1) // 2) if value >= 0 else -int((-value * 2 + 1) // 2)


def _text(minor: int | None, currency: str = "EUR") -> str | None:
    return None if minor is None else str(from_minor(minor, currency))


@pytest.fixture
def ledger(db):
    rng = random.Random(11)
    france = LegalEntityFactory(code="ACME-FR", currency="EUR")
    other = LegalEntityFactory(code="OTHER-DE", currency="EUR")
    erin = EmployeeFactory(user=UserFactory(username="erin"), legal_entities=[france], roles=[Role.FINANCE])
    budget = BudgetFactory(
        cost_centre=CostCentreFactory(legal_entity=france, code="FR-LAB"),
        period_label="2026",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        amount_minor=120_000_00,
    )
    secret = BudgetFactory(cost_centre=CostCentreFactory(legal_entity=other, code="DE-X"))
    rows = []
    for _ in range(80):
        kind = rng.choice(KINDS)
        amount = rng.randrange(1, 900_000)
        if kind in ("release", "commitment_release"):
            amount = -amount
        # some written in December before the year (a commitment for next year), some after the as-of day
        day = datetime(2025, 12, 10, tzinfo=UTC) + timedelta(days=rng.randrange(0, 250), seconds=rng.randrange(86400))
        entry = BudgetEntryFactory(budget=budget, kind=kind, amount_minor=amount)
        BudgetEntry.objects.filter(pk=entry.pk).update(created_at=day)
        rows.append((day, kind, amount))
    return erin, budget, secret, rows


def test_each_months_figures_equal_an_independent_computation_from_the_ledger(ledger, api_client):
    erin, budget, _secret, rows = ledger
    api_client.force_authenticate(erin.user)
    response = api_client.get(f"/api/v1/analytics/burn-down/?budget={budget.pk}&as_of=2026-06-15")
    assert response.status_code == 200, response.content
    body = response.json()
    as_of_end = datetime(2026, 6, 16, tzinfo=UTC)
    seen = [(day, kind, amount) for day, kind, amount in rows if day < as_of_end]
    assert len(seen) < len(rows)  # some entries come after the day looked from
    assert [m["month"] for m in body["months"]] == [f"2026-{n:02d}" for n in range(1, 13)]
    for number, month in enumerate(body["months"], start=1):
        end = date(2026, 12, 31) if number == 12 else date(2026, number + 1, 1) - timedelta(days=1)
        assert month["month_end"] == end.isoformat()
        ideal = _half_up(Fraction(120_000_00 * ((end - date(2026, 1, 1)).days + 1), 365))
        assert month["ideal"] == _text(ideal)
        if number > 6:
            assert (month["committed"], month["actual"], month["used"], month["remaining"]) == (None,) * 4
            continue
        upto = [(kind, amount) for day, kind, amount in seen if day.date() <= end]
        committed = sum(a for k, a in upto if k in ("commitment", "commitment_release"))
        actual = sum(a for k, a in upto if k == "actual")
        precommitted = sum(a for k, a in upto if k in ("precommitment", "release"))
        assert month["committed"] == _text(committed), month["month"]
        assert month["actual"] == _text(actual)
        assert month["used"] == _text(committed + actual)
        assert month["precommitted"] == _text(precommitted)
        assert month["remaining"] == _text(120_000_00 - committed - actual)
    used = sum(a for _d, k, a in seen if k in ("commitment", "commitment_release", "actual"))
    elapsed = (date(2026, 6, 15) - date(2026, 1, 1)).days + 1
    projected = _half_up(Fraction(used * 365, elapsed))
    assert (body["used"], body["elapsed_days"], body["period_days"]) == (_text(used), 166, 365)
    assert body["projected_end"] == _text(projected)
    assert body["projected_over"] == _text(max(projected - 120_000_00, 0))
    assert (body["currency"], body["amount"], body["as_of"]) == ("EUR", "120000.00", "2026-06-15")
    if used > 0:
        day_number = -(-120_000_00 * elapsed // used)
        expected_day = date(2026, 1, 1) + timedelta(days=day_number - 1) if day_number <= 365 else None
        assert body["exhausted_on"] == (expected_day.isoformat() if expected_day else None)
    # the budget's page links to it, and the chart page shows the same figures
    from django.test import Client

    client = Client()
    client.force_login(erin.user)
    page = client.get(f"/analytics/burn-down/?budget={budget.pk}&as_of=2026-06-15")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="burn-down-data"' in text and "analytics-cycle.js" in text
    detail = client.get(f"/budgets/{budget.pk}/").content.decode()
    assert f'href="/analytics/burn-down/?budget={budget.pk}"' in detail


def test_a_budget_of_another_entity_is_not_found_and_bad_input_is_400(ledger, api_client):
    erin, budget, secret, _rows = ledger
    api_client.force_authenticate(erin.user)
    hidden = api_client.get(f"/api/v1/analytics/burn-down/?budget={secret.pk}")
    assert hidden.status_code == 404
    assert hidden.json() == {"code": "burn_down_budget_not_found", "message": f"You have no budget {secret.pk}."}
    for query, message in [
        ("budget=abc", "budget is a budget's id (a whole number)."),
        ("", "budget is a budget's id (a whole number)."),
        (f"budget={budget.pk}&as_of=2026-13-01", "as_of is a day: YYYY-MM-DD."),
        (f"budget={budget.pk}&as_of=1900-01-01", "as_of must be a day between 2000 and 2100."),
    ]:
        response = api_client.get(f"/api/v1/analytics/burn-down/?{query}")
        assert response.status_code == 400
        assert response.json() == {"code": "invalid_burn_down_request", "message": message}


def test_a_period_not_begun_has_no_projection(ledger, api_client):
    erin, budget, _secret, _rows = ledger
    Budget.objects.filter(pk=budget.pk).update(period_start=date(2027, 1, 1), period_end=date(2027, 12, 31))
    api_client.force_authenticate(erin.user)
    body = api_client.get(f"/api/v1/analytics/burn-down/?budget={budget.pk}&as_of=2026-06-15").json()
    assert (body["projected_end"], body["elapsed_days"], body["exhausted_on"]) == (None, 0, None)
    assert body["months"][0]["used"] is None
    assert Decimal(body["months"][11]["ideal"]) == Decimal("120000.00")
