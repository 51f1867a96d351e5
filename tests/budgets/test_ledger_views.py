"""Drill-down from the overview to one budget's ledger and the requisitions behind it; entries and plan API;
GL-account budgets and a tolerance given as an amount."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from budgets.models import Budget, BudgetEntry
from p2p.submit_to_order import requisition_submit, requisition_withdraw
from procurement.models import Employee, LegalEntity
from requisitions.errors import RequisitionError
from tests.factories import EmployeeFactory, api_token

from .test_funds import alice, lab_cart

pytestmark = pytest.mark.usefixtures("budgets")


def token_for(employee: Employee) -> str:
    return f"Token {api_token(employee.user)}"


def test_the_budget_page_shows_its_ledger_and_the_requisitions_holding_it(client):
    held = requisition_submit(requisition=lab_cart("250"), by=alice())
    gone = requisition_submit(requisition=lab_cart("100"), by=alice())
    requisition_withdraw(requisition=gone, by=alice(), comment="")
    lab = Budget.objects.get(cost_centre__code="FR-LAB")
    client.force_login(Employee.objects.get(user__username="erin").user)
    overview = client.get("/budgets/").content.decode()
    assert f'href="/budgets/{lab.pk}/"' in overview
    page = client.get(f"/budgets/{lab.pk}/").content.decode()
    holds = page[page.index('id="budget-holds"') : page.index('id="budget-entries"')]
    assert held.number in holds and "250.00\xa0EUR" in holds
    assert gone.number not in holds  # withdrawn: holds nothing any more
    entries = page[page.index('id="budget-entries"') :]
    assert entries.count("<tr>") == 1 + 4  # header; actual, two pre-commitments, one release
    assert "Release" in entries and "-100.00\xa0EUR" in entries and f"{gone.number} withdrawn" in entries


def test_a_budget_of_another_entity_is_not_found(client):
    se_budget = Budget.objects.get(cost_centre__code="SE-OPS")
    client.force_login(Employee.objects.get(user__username="erin").user)  # working in ACME-FR
    assert client.get(f"/budgets/{se_budget.pk}/").status_code == 404


def test_the_entries_api_pages_the_ledger_for_members_only(api_client):
    requisition = requisition_submit(requisition=lab_cart("1125", currency="SEK"), by=alice())
    lab = Budget.objects.get(cost_centre__code="FR-LAB")
    api_client.credentials(HTTP_AUTHORIZATION=token_for(alice()))
    body = api_client.get(f"/api/v1/budgets/{lab.pk}/entries/", {"kind": "precommitment"}).json()
    assert body["next_before"] is None
    (entry,) = body["results"]
    assert entry["requisition"] == requisition.pk and entry["requisition_number"] == requisition.number
    assert (entry["amount"], entry["currency"], entry["source_amount"], entry["source_currency"]) == (
        "100.00",
        "EUR",
        "1125.00",
        "SEK",
    )
    assert entry["rate"] == "0.0888888889" and entry["over_limit"] is False  # 1 / 11.25
    swede = EmployeeFactory(legal_entities=[LegalEntity.objects.get(code="ACME-SE")])
    api_client.credentials(HTTP_AUTHORIZATION=token_for(swede))
    refused = api_client.get(f"/api/v1/budgets/{lab.pk}/entries/")
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"


def test_the_plan_api_reports_each_bad_line_and_is_for_finance_only(api_client):
    plan = b"legal_entity,cost_centre,period,amount\nACME-FR,FR-IT,2031,1000\nACME-FR,FR-IT,2031-Q7,5\n"
    api_client.credentials(HTTP_AUTHORIZATION=token_for(alice()))
    upload = SimpleUploadedFile("plan.csv", plan, content_type="text/csv")
    assert api_client.post("/api/v1/budgets/import/", {"file": upload}).status_code == 403
    api_client.credentials(HTTP_AUTHORIZATION=token_for(Employee.objects.get(user__username="erin")))
    bad = api_client.post("/api/v1/budgets/import/", {"file": SimpleUploadedFile("plan.csv", plan)})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_lines" and [e["line"] for e in bad.json()["errors"]] == [3]
    good = api_client.post(
        "/api/v1/budgets/import/", {"file": SimpleUploadedFile("plan.csv", plan.rsplit(b"\n", 2)[0] + b"\n")}
    )
    assert good.json() == {"created": 1, "changed": 0}
    assert Budget.objects.get(cost_centre__code="FR-IT", period_label="2031").amount_minor == 100000


def test_the_import_page_lists_bad_lines(client):
    client.force_login(Employee.objects.get(user__username="erin").user)
    assert "Import a budget plan" in client.get("/budgets/").content.decode()
    plan = b"legal_entity;cost_centre;period;amount\nACME-FR;FR-IT;2031;abc\n"
    page = client.post("/budgets/import/", {"file": SimpleUploadedFile("plan.csv", plan)}).content.decode()
    assert "Nothing was saved" in page and "&#x27;abc&#x27; is not a number" in page
    client.force_login(alice().user)
    assert client.get("/budgets/import/").status_code == 403
    assert "Import a budget plan" not in client.get("/budgets/").content.decode()


def test_a_gl_account_budget_only_counts_lines_on_that_account():
    lab = Budget.objects.get(cost_centre__code="FR-LAB")
    today = date.today()
    Budget.objects.create(
        legal_entity=lab.legal_entity,
        cost_centre=lab.cost_centre,
        gl_account="6100",
        period_label="gl",
        period_start=today.replace(month=1, day=1),
        period_end=today.replace(month=12, day=31),
        amount_minor=10000,
        currency="EUR",
        control=Budget.Control.HARD,
        tolerance_minor=5000,  # 100 EUR plus a 50 EUR tolerance
    )
    elsewhere = lab_cart("400")
    requisition_submit(requisition=elsewhere, by=alice())  # no GL account: the GL budget is not touched
    assert not BudgetEntry.objects.filter(budget__gl_account="6100").exists()
    on_account = lab_cart("160")
    on_account.lines.update(gl_account="6100")
    with pytest.raises(RequisitionError, match=r"FR-LAB gl \(GL 6100\) has 100.00"):
        requisition_submit(requisition=on_account, by=alice())
    within = lab_cart("150")
    within.lines.update(gl_account="6100")
    requisition_submit(requisition=within, by=alice())
    assert BudgetEntry.objects.get(budget__gl_account="6100").amount_minor == Decimal(15000)
