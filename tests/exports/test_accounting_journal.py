"""The accounting export: a period's commitments and actuals as a journal and in SAP's layout, checked line by line
against entries written on known days, with the fiscal year of an entity that starts in April."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from budgets.models import BudgetEntry
from invoices.models import Invoice
from orders.models import PurchaseOrder
from procurement.models import Role
from tests.factories import (
    BudgetEntryFactory,
    BudgetFactory,
    CostCentreFactory,
    EmployeeFactory,
    LegalEntityFactory,
    SupplierFactory,
    UserFactory,
    requisition_for,
)

from .downloads import csv_rows, number, xlsx_rows


def _ledger():
    """ACME-UK (GBP, fiscal year from April): four entries in November 2026, one in October, one elsewhere."""
    uk = LegalEntityFactory(code="ACME-UK", currency="GBP", fiscal_year_start_month=4, po_number_prefix="UK-PO-")
    other = LegalEntityFactory(code="OTHER", currency="GBP")
    erin = EmployeeFactory(user=UserFactory(username="erin"), legal_entities=[uk], roles=[Role.FINANCE])
    alice = EmployeeFactory(user=UserFactory(username="alice"), legal_entities=[uk], roles=[Role.REQUESTER])
    budget = BudgetFactory(
        legal_entity=uk, cost_centre=CostCentreFactory(legal_entity=uk, code="UK-OPS"), gl_account="620000"
    )
    supplier = SupplierFactory(code="OFFICE1", name="Office One", currency="GBP")
    requisition = requisition_for(alice, uk, title="Desks")
    order = PurchaseOrder.objects.create(
        legal_entity=uk,
        number="UK-PO-000042",
        supplier=supplier,
        currency="GBP",
        requisition=requisition,
        status="sent",
        method="email",
        total_minor=123456,
    )
    invoice = Invoice.objects.create(
        legal_entity=uk,
        supplier=supplier,
        number="INV-9",
        fiscal_year=2027,
        invoice_date=datetime(2026, 11, 20).date(),
        currency="GBP",
        net_minor=100000,
        total_minor=120000,
        source="typed",
    )
    written = []
    for kind, minor, day, note, links in [
        ("precommitment", 123456, (2026, 11, 2), "Requisition", {"requisition": requisition}),
        ("commitment", 123456, (2026, 11, 3), "=Order sent", {"requisition": requisition, "purchase_order": order}),
        ("commitment_release", -23456, (2026, 11, 20), "Invoiced", {"purchase_order": order}),
        ("actual", 100000, (2026, 11, 20), "x" * 60, {"purchase_order": order, "invoice": invoice}),
        ("actual", 5000, (2026, 10, 31), "October", {}),
    ]:
        entry = BudgetEntryFactory(budget=budget, kind=kind, amount_minor=minor, note=note, **links)
        BudgetEntry.objects.filter(pk=entry.pk).update(created_at=datetime(*day, 12, tzinfo=UTC))
        written.append(entry)
    BudgetEntryFactory(budget=BudgetFactory(legal_entity=other, cost_centre=CostCentreFactory(legal_entity=other)))
    return erin, written


def test_the_journal_of_a_month_has_each_commitment_and_actual_once_with_debit_and_credit(db, api_client):
    erin, (_, commitment, release, actual, _) = _ledger()
    api_client.force_authenticate(erin.user)
    rows = csv_rows(api_client.get("/api/v1/budgets/journal/?legal_entity=ACME-UK&period=2026-11&export=csv"))
    assert [
        (
            row["entry"],
            row["posting_date"],
            row["fiscal_year"],
            row["fiscal_period"],
            row["kind"],
            row["reference"],
            row["debit"],
            row["credit"],
            row["amount"],
            row["cost_centre"],
            row["gl_account"],
            row["supplier"],
        )
        for row in rows
    ] == [
        (
            str(commitment.pk),
            "2026-11-03",
            "2027",
            "8",
            "commitment",
            "UK-PO-000042",
            "1234.56",
            "",
            "1234.56",
            "UK-OPS",
            "620000",
            "OFFICE1",
        ),
        (
            str(release.pk),
            "2026-11-20",
            "2027",
            "8",
            "commitment_release",
            "UK-PO-000042",
            "",
            "234.56",
            "-234.56",
            "UK-OPS",
            "620000",
            "OFFICE1",
        ),
        (
            str(actual.pk),
            "2026-11-20",
            "2027",
            "8",
            "actual",
            "INV-9",
            "1000.00",
            "",
            "1000.00",
            "UK-OPS",
            "620000",
            "OFFICE1",
        ),
    ]
    assert rows[0]["text"] == "'=Order sent"
    assert sum(Decimal(row["debit"] or 0) for row in rows) - sum(
        Decimal(row["credit"] or 0) for row in rows
    ) == Decimal("2000.00")
    summary = api_client.get("/api/v1/budgets/journal/?legal_entity=ACME-UK&period=2026-11").json()
    assert (summary["count"], summary["period"], [row["entry"] for row in summary["results"]]) == (
        3,
        "FY2027-P08",
        [row["entry"] for row in rows],
    )
    with_requisitions = csv_rows(api_client.get("/api/v1/budgets/journal/?period=2026-11&precommitments=1&export=csv"))
    assert [row["kind"] for row in with_requisitions] == ["precommitment", "commitment", "commitment_release", "actual"]
    quarter = csv_rows(api_client.get("/api/v1/budgets/journal/?period=FY2027-Q3&export=csv"))  # Oct–Dec 2026
    assert [row["posting_date"] for row in quarter] == ["2026-10-31", "2026-11-03", "2026-11-20", "2026-11-20"]
    _, book = xlsx_rows(api_client.get("/api/v1/budgets/journal/?period=2026-11&export=xlsx"), list(rows[0]))
    assert [(row["entry"], number(row["amount"]), row["posting_date"]) for row in book] == [
        (int(row["entry"]), Decimal(row["amount"]), datetime.fromisoformat(row["posting_date"])) for row in rows
    ]


def test_the_sap_layout_names_sap_fields_with_signs_as_debit_credit_indicators(db, client):
    erin, (_, commitment, release, actual, _) = _ledger()
    client.force_login(erin.user)
    response = client.get("/budgets/journal/?period=2026-11&layout=sap&export=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    assert not text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [
        (
            row["BUKRS"],
            row["GJAHR"],
            row["MONAT"],
            row["BUDAT"],
            row["WAERS"],
            row["HKONT"],
            row["KOSTL"],
            row["WRTTP"],
            row["SHKZG"],
            row["WRBTR"],
            row["XBLNR"],
            row["LIFNR"],
            row["EXTID"],
        )
        for row in rows
    ] == [
        (
            "ACME-UK",
            "2027",
            "8",
            "20261103",
            "GBP",
            "620000",
            "UK-OPS",
            "22",
            "S",
            "1234.56",
            "UK-PO-000042",
            "OFFICE1",
            str(commitment.pk),
        ),
        (
            "ACME-UK",
            "2027",
            "8",
            "20261120",
            "GBP",
            "620000",
            "UK-OPS",
            "22",
            "H",
            "234.56",
            "UK-PO-000042",
            "OFFICE1",
            str(release.pk),
        ),
        (
            "ACME-UK",
            "2027",
            "8",
            "20261120",
            "GBP",
            "620000",
            "UK-OPS",
            "04",
            "S",
            "1000.00",
            "INV-9",
            "OFFICE1",
            str(actual.pk),
        ),
    ]
    assert rows[2]["SGTXT"] == "x" * 50
    assert rows[0]["ZUONR"] == commitment.requisition.number


def test_a_bad_period_is_named_on_the_form_and_in_the_api_and_only_finance_exports(db, client, api_client):
    erin, _ = _ledger()
    client.force_login(erin.user)
    page = client.get("/budgets/journal/?period=November&layout=sap&export=csv")
    assert page.status_code == 400 and 'value="November"' in page.content.decode()
    assert 'id="journal-period-error"' in page.content.decode()
    api_client.force_authenticate(erin.user)
    bad = api_client.get("/api/v1/budgets/journal/?period=2026-13&export=csv")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_journal_request"
    assert bad.json()["message"].startswith("period: ")
    alice = EmployeeFactory._meta.model.objects.get(user__username="alice")
    api_client.force_authenticate(alice.user)
    assert api_client.get("/api/v1/budgets/journal/?period=2026-11&export=csv").status_code == 403
    client.force_login(alice.user)
    assert client.get("/budgets/journal/?period=2026-11&export=csv").status_code == 403
