"""Budget plans: periods from each entity's fiscal year, the CSV/XLSX import with per-line errors, saving rules."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook

from budgets.imports import BudgetImportFormatError, budgets_import
from budgets.models import Budget
from budgets.periods import PeriodError, period_parse
from budgets.services import BudgetInvalid, BudgetSpec, budget_save
from procurement.models import AuditEvent, CostCentre, LegalEntity
from procurement.money import Money


@pytest.mark.parametrize(
    ("label", "start_month", "expected"),
    [
        ("2026", 1, ("year", "2026", date(2026, 1, 1), date(2026, 12, 31))),
        ("2026-Q2", 1, ("quarter", "2026-Q2", date(2026, 4, 1), date(2026, 6, 30))),
        ("q4 2026", 1, ("quarter", "2026-Q4", date(2026, 10, 1), date(2026, 12, 31))),
        ("2026-02", 1, ("month", "2026-02", date(2026, 2, 1), date(2026, 2, 28))),
        ("2028-02", 1, ("month", "2028-02", date(2028, 2, 1), date(2028, 2, 29))),
        # July start: FY2027 runs from July 2026 to June 2027, named by the year it ends in.
        ("FY2027", 7, ("year", "FY2027", date(2026, 7, 1), date(2027, 6, 30))),
        ("2027", 7, ("year", "FY2027", date(2026, 7, 1), date(2027, 6, 30))),
        ("FY27-Q1", 7, ("quarter", "FY2027-Q1", date(2026, 7, 1), date(2026, 9, 30))),
        ("FY2027-Q3", 7, ("quarter", "FY2027-Q3", date(2027, 1, 1), date(2027, 3, 31))),
        ("FY2027-P06", 7, ("month", "FY2027-P06", date(2026, 12, 1), date(2026, 12, 31))),
        ("2026-12", 7, ("month", "FY2027-P06", date(2026, 12, 1), date(2026, 12, 31))),
        ("2026-03", 4, ("month", "FY2026-P12", date(2026, 3, 1), date(2026, 3, 31))),
    ],
)
def test_periods_follow_the_fiscal_year_start(label, start_month, expected):
    period = period_parse(label, start_month=start_month)
    assert (period.kind, period.label, period.start, period.end) == expected


@pytest.mark.parametrize("label", ["", "2026-Q5", "2026-13", "next year", "FY2026-P13"])
def test_a_period_that_is_not_one_is_refused_with_examples(label):
    with pytest.raises(PeriodError, match=r"2026|empty"):
        period_parse(label, start_month=1)


@pytest.fixture
def plan_world(france, sweden, employee_in):
    france.fiscal_year_start_month = 7
    france.save()
    for code, entity in [("FR-OPS", france), ("FR-IT", france), ("SE-OPS", sweden)]:
        CostCentre.objects.create(code=code, name=code, legal_entity=entity)
    return employee_in(france)  # a planner of the French entity only


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_a_csv_plan_creates_budgets_in_the_entity_fiscal_year(plan_world):
    data = csv_bytes(
        "Legal entity;Cost centre;Period;Amount;Currency;Control;GL account;Tolerance %",
        "FR-TEST;FR-OPS;FY2027-Q1;12 500,50;EUR;hard;;5",
        "FR-TEST;FR-IT;FY2027;50000;;warn;6400;",
    )
    result = budgets_import(filename="plan.csv", data=data, entities=[plan_world.legal_entities.get()], by=plan_world)
    assert result.saved and (result.created, result.changed, result.errors) == (2, 0, [])
    ops = Budget.objects.get(cost_centre__code="FR-OPS")
    assert (ops.period_label, ops.period_start, ops.period_end) == ("FY2027-Q1", date(2026, 7, 1), date(2026, 9, 30))
    assert ops.amount == Money(Decimal("12500.50"), "EUR") and ops.tolerance_percent == 5
    it = Budget.objects.get(cost_centre__code="FR-IT")
    assert (it.gl_account, it.control, it.currency, it.period_kind) == ("6400", "warn", "EUR", "year")
    assert AuditEvent.objects.filter(event_type="budget.created").count() == 2


def test_a_plan_with_bad_lines_saves_nothing_and_names_each_line(plan_world):
    data = csv_bytes(
        "legal_entity,cost_centre,period,amount,currency,control",
        "FR-TEST,FR-OPS,2027,1000,EUR,hard",  # good
        "SE-TEST,SE-OPS,2027,1000,SEK,hard",  # not the planner's entity
        "FR-TEST,FR-NOPE,2027,1000,EUR,hard",
        "FR-TEST,FR-OPS,2027-Q9,1000,EUR,hard",
        "FR-TEST,FR-IT,2027,ten,EUR,hard",
        "FR-TEST,FR-IT,2027,10.555,EUR,hard",
        "FR-TEST,FR-IT,2027,10,XYZ,hard",
        "FR-TEST,FR-IT,2027,10,EUR,maybe",
        "FR-TEST,FR-OPS,FY2027,5,EUR,hard",  # the same budget as line 2
        "",
        "FR-TEST,FR-IT,2027,-5,EUR,warn",
        "FR-TEST,FR-IT,2028,1e30,EUR,warn",
    )
    result = budgets_import(filename="plan.csv", data=data, entities=[plan_world.legal_entities.get()])
    assert not result.saved and result.rows == 11
    errors = {error.line: error.message for error in result.errors}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10, 12, 13]
    assert "SE-TEST is unknown or not one you may plan for" in errors[3]
    assert "FR-NOPE is not a cost centre of FR-TEST" in errors[4]
    assert "'2027-Q9' is not a period" in errors[5]
    assert "'ten' is not a number" in errors[6]
    assert "more decimals than EUR" in errors[7]
    assert "'XYZ' is not an ISO 4217" in errors[8]
    assert "'maybe' is not one of hard, warn, none" in errors[9]
    assert errors[10] == "The same budget as line 2."
    assert "must not be negative" in errors[12]
    assert "must be below" in errors[13]
    assert not Budget.objects.exists()


def test_an_xlsx_plan_changes_existing_budgets(plan_world):
    entity = plan_world.legal_entities.get()
    budget_save(spec=BudgetSpec(entity, CostCentre.objects.get(code="FR-OPS"), "FY2027", Money(Decimal(1000), "EUR")))
    book = Workbook()
    sheet = book.active
    sheet.append(["Entity", "Cost center", "Period", "Budget", "Control", "Tolerance amount"])
    sheet.append(["FR-TEST", "fr-ops", "FY2027", 2500.75, "Warning", 100])
    sheet.append(["FR-TEST", "FR-IT", "FY2027-P01", 300, None, None])
    buffer = BytesIO()
    book.save(buffer)
    result = budgets_import(filename="plan.xlsx", data=buffer.getvalue(), entities=[entity])
    assert (result.created, result.changed, result.errors) == (1, 1, [])
    ops = Budget.objects.get(cost_centre__code="FR-OPS")
    assert ops.amount == Money(Decimal("2500.75"), "EUR") and ops.control == "warn"
    assert ops.tolerance == Money(Decimal(100), "EUR")
    month = Budget.objects.get(cost_centre__code="FR-IT")
    assert (month.period_label, month.period_start, month.control) == ("FY2027-P01", date(2026, 7, 1), "hard")


def test_a_file_that_is_not_a_plan_is_refused_as_a_whole(plan_world):
    entity = plan_world.legal_entities.get()
    with pytest.raises(BudgetImportFormatError, match="missing: cost_centre, period, amount"):
        budgets_import(filename="plan.csv", data=csv_bytes("legal_entity,foo", "FR-TEST,1"), entities=[entity])
    with pytest.raises(BudgetImportFormatError, match="not supported"):
        budgets_import(filename="plan.xls", data=b"\xd0\xcf\x11\xe0" + b"\0" * 100, entities=[entity])
    with pytest.raises(BudgetImportFormatError, match="No budgets below the header"):
        budgets_import(filename="plan.csv", data=csv_bytes("legal_entity,cost_centre,period,amount"), entities=[entity])


def test_a_hard_stop_cannot_be_lowered_below_what_it_already_holds(plan_world):
    from budgets.ledger import ledger_write
    from budgets.models import BudgetEntry

    entity = plan_world.legal_entities.get()
    centre = CostCentre.objects.get(code="FR-OPS")
    budget, _ = budget_save(spec=BudgetSpec(entity, centre, "FY2027", Money(Decimal(1000), "EUR")))
    ledger_write(
        [
            BudgetEntry(
                budget=budget,
                kind="actual",
                amount_minor=60000,
                source_amount_minor=60000,
                source_currency="EUR",
                rate=1,
            )
        ]
    )
    with pytest.raises(BudgetInvalid, match=r"already holds 600\.00"):
        budget_save(spec=BudgetSpec(entity, centre, "FY2027", Money(Decimal(500), "EUR")))
    with pytest.raises(BudgetInvalid, match="currency cannot change"):
        budget_save(spec=BudgetSpec(entity, centre, "FY2027", Money(Decimal(5000), "SEK")))
    budget, created = budget_save(spec=BudgetSpec(entity, centre, "FY2027", Money(Decimal(500), "EUR"), "warn"))
    assert not created and budget.amount_minor == 50000


def test_a_cost_centre_of_another_entity_cannot_carry_a_budget(plan_world, sweden):
    with pytest.raises(BudgetInvalid, match="does not belong"):
        budget_save(
            spec=BudgetSpec(
                LegalEntity.objects.get(code="FR-TEST"),
                CostCentre.objects.get(code="SE-OPS"),
                "2027",
                Money(Decimal(1), "EUR"),
            )
        )


def test_the_admin_enters_a_budget_by_period_label(admin_client, plan_world):
    entity = LegalEntity.objects.get(code="FR-TEST")
    form = {
        "legal_entity": entity.pk,
        "cost_centre": CostCentre.objects.get(code="FR-OPS").pk,
        "gl_account": "",
        "unspsc_prefix": "",
        "period_label": "FY2027-Q2",
        "currency": "EUR",
        "control": "hard",
        "tolerance_percent": "0",
        "amount": "7500.00",
        "tolerance_amount": "0",
    }
    response = admin_client.post("/admin/budgets/budget/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    budget = Budget.objects.get()
    assert (budget.period_start, budget.period_end, budget.amount_minor) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
        750000,
    )
    bad = admin_client.post("/admin/budgets/budget/add/", {**form, "period_label": "Q9"})
    assert bad.status_code == 200 and "is not a period" in bad.content.decode()
