"""Budgets and a budget's ledger download as CSV and XLSX, equal to what the API answers."""

from decimal import Decimal

from budgets.exports import BUDGET_COLUMNS
from budgets.models import BudgetEntry
from procurement.models import Role
from tests.factories import (
    BudgetEntryFactory,
    BudgetFactory,
    CostCentreFactory,
    EmployeeFactory,
    LegalEntityFactory,
    UserFactory,
    requisition_for,
)

from .downloads import csv_rows, number, xlsx_rows

FIGURES = ("amount", "precommitted", "committed", "actual", "available")


def _budgets():
    france = LegalEntityFactory(code="ACME-FR", currency="EUR")
    other = LegalEntityFactory(code="OTHER", currency="EUR")
    erin = EmployeeFactory(user=UserFactory(username="erin"), legal_entities=[france], roles=[Role.FINANCE])
    engineering = CostCentreFactory(legal_entity=france, code="FR-ENG")
    sales = CostCentreFactory(legal_entity=france, code="FR-SAL")
    eng = BudgetFactory(legal_entity=france, cost_centre=engineering, amount_minor=10_000_00)
    BudgetFactory(legal_entity=france, cost_centre=sales, amount_minor=2_500_50)
    BudgetFactory(legal_entity=other, cost_centre=CostCentreFactory(legal_entity=other, code="X"), amount_minor=1)
    requisition = requisition_for(erin, france, title="Chairs")
    for kind, minor in [("precommitment", 1_234_56), ("commitment", 999_99), ("actual", 12_34)]:
        BudgetEntryFactory(
            budget=eng, kind=kind, amount_minor=minor, requisition=requisition, note="=cmd|' /C calc'!A0"
        )
    return erin, eng


def test_budget_list_downloads_equal_the_api(db, api_client):
    erin, _ = _budgets()
    api_client.force_authenticate(erin.user)
    listed = api_client.get("/api/v1/budgets/").json()["results"]
    assert [row["cost_centre"] for row in listed] == ["FR-ENG", "FR-SAL"]
    rows = csv_rows(api_client.get("/api/v1/budgets/?export=csv"))
    assert [
        {key: row[key] for key in ("id", "legal_entity", "cost_centre", "period", "currency", *FIGURES)} for row in rows
    ] == [
        {
            "id": str(item["id"]),
            "legal_entity": item["legal_entity"],
            "cost_centre": item["cost_centre"],
            "period": item["period"],
            "currency": item["currency"],
            **{key: item[key] for key in FIGURES},
        }
        for item in listed
    ]
    _, book = xlsx_rows(
        api_client.get("/api/v1/budgets/?cost_centre=fr-eng&export=xlsx"), [c.key for c in BUDGET_COLUMNS]
    )
    (eng,) = (item for item in listed if item["cost_centre"] == "FR-ENG")
    assert [{key: number(row[key]) for key in FIGURES} for row in book] == [{key: Decimal(eng[key]) for key in FIGURES}]


def test_a_budget_ledger_downloads_every_entry_the_api_pages_through(db, api_client, client):
    erin, eng = _budgets()
    api_client.force_authenticate(erin.user)
    listed = api_client.get(f"/api/v1/budgets/{eng.pk}/entries/").json()["results"]
    rows = csv_rows(api_client.get(f"/api/v1/budgets/{eng.pk}/entries/?export=csv"))
    assert [
        {
            key: row[key]
            for key in (
                "id",
                "kind",
                "amount",
                "currency",
                "source_amount",
                "source_currency",
                "rate",
                "requisition_number",
                "note",
            )
        }
        for row in rows
    ] == [
        {
            "id": str(item["id"]),
            "kind": item["kind"],
            "amount": item["amount"],
            "currency": item["currency"],
            "source_amount": item["source_amount"],
            "source_currency": item["source_currency"],
            "rate": item["rate"],
            "requisition_number": item["requisition_number"],
            "note": "'" + item["note"],  # a formula-looking note is defused in CSV
        }
        for item in listed
    ]
    kinds = csv_rows(api_client.get(f"/api/v1/budgets/{eng.pk}/entries/?kind=actual&export=csv"))
    assert [(row["kind"], row["amount"]) for row in kinds] == [("actual", "12.34")]
    client.force_login(erin.user)
    page = client.get(f"/budgets/{eng.pk}/").content.decode()
    assert f'href="/budgets/{eng.pk}/?export=xlsx"' in page
    _, book = xlsx_rows(
        client.get(f"/budgets/{eng.pk}/?export=xlsx"),
        [key for key in csv_rows(client.get(f"/budgets/{eng.pk}/?export=csv"))[0]],
    )
    assert sorted((row["kind"], number(row["amount"]), row["note"]) for row in book) == sorted(
        (entry.kind, Decimal(entry.amount_minor) / 100, entry.note) for entry in BudgetEntry.objects.filter(budget=eng)
    )
    overview = csv_rows(client.get("/budgets/?export=csv"))
    assert [(row["cost_centre"], row["amount"]) for row in overview] == [("FR-ENG", "10000.00"), ("FR-SAL", "2500.50")]
