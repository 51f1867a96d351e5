"""Erin, finance, opens spend by category, drills from the IT segment to a family and into one class, downloads the
family's classes as XLSX (read back: the API's figures) and sees the requisition lines and orders behind the class."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from rest_framework.test import APIClient
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from analytics.spend import spend_refresh
from p2p.submit_to_order import requisition_submit
from procurement.models import CostCentre, Employee, LegalEntity, Supplier
from procurement.money import Money
from requisitions.services import requisition_create, requisition_line_add_free_text

from .demo_site import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LINES = [
    # title, (description, quantity, price, UNSPSC, supplier)
    (
        "Laptops",
        [
            ("Laptop 14 inch", 2, "899.00", "43211503", "NORDIC-IT"),
            ("Docking station", 2, "149.50", "43211602", "NORDIC-IT"),
        ],
    ),
    (
        "Desktops",
        [("Desktop tower", 1, "640.00", "43211507", "NORDIC-IT"), ("Paper A4", 10, "4.20", "44121612", "BUROTEC")],
    ),
]


def _approve_all(requisition_id: int) -> None:
    """Every stage approved, one task at a time (of an any-of stage, the first approver decides it)."""
    from approvals.flows import ApprovalFlow
    from p2p.submit_to_order import approval_decide

    for _step in range(10):
        task = (
            Task.objects.filter(
                process__data__requisition=requisition_id, flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED
            )
            .select_related("owner")
            .order_by("id")
            .first()
        )
        if task is None:
            return
        approval_decide(task_id=task.pk, by=Employee.objects.get(user=task.owner), decision="approve")


def _spend_history() -> None:
    """Two of alice's requisitions with IT and office lines, submitted and approved as people would."""
    alice = Employee.objects.get(user__username="alice")
    france = LegalEntity.objects.get(code="ACME-FR")
    centre = CostCentre.objects.get(legal_entity=france, code="FR-ENG")
    for title, lines in LINES:
        cart = requisition_create(by=alice, legal_entity=france, title=title, justification="E2E spend")
        for description, quantity, price, unspsc, supplier in lines:
            requisition_line_add_free_text(
                requisition=cart,
                by=alice,
                description=description,
                quantity=Decimal(quantity),
                unit="EA",
                unit_price=Money(Decimal(price), "EUR"),
                supplier=Supplier.objects.get(code=supplier),
                unspsc=unspsc,
                cost_centre=centre,
            )
        requisition = requisition_submit(requisition=cart, by=alice)
        _approve_all(requisition.pk)
    spend_refresh()  # what beat does every minute


def test_erin_drills_from_a_segment_into_a_class_and_downloads_the_table(live_server, page: Page, tmp_path):
    call_command("seed_demo", stdout=StringIO())
    _spend_history()
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server.url, "erin")
    page.locator("#user-menu").click()
    page.get_by_role("link", name="Spend analytics").click()
    expect(page.locator("h1")).to_have_text("Spend by category")
    expect(page.locator("#spend-chart")).to_have_attribute("data-ready", "true")
    page.locator("#spend-table tr[data-key='43'] a[data-drill]").click()
    expect(page).to_have_url(
        f"{live_server.url}/analytics/spend/?by=category&level=family&category=43&legal_entity=ACME-FR"
    )
    page.locator("#spend-table tr[data-key='4321'] a[data-drill]").click()
    expect(page.locator("#spend-crumbs")).to_contain_text("4321")
    expect(page.locator("#spend-table tr[data-key='432115']")).to_contain_text("2,438.00")  # 2 × 899 + 640
    expect(page.locator("#spend-table tr[data-key='432116']")).to_contain_text("299.00")

    with page.expect_download() as download_info:
        page.locator("#spend-filters + * a[data-export='xlsx'], .toolbar a[data-export='xlsx']").first.click()
    path = tmp_path / "spend.xlsx"
    download_info.value.save_as(path)
    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    api = APIClient()
    api.force_authenticate(Employee.objects.get(user__username="erin").user)
    answer = api.get("/api/v1/analytics/spend/?by=category&level=class&category=4321&legal_entity=ACME-FR").json()
    assert rows[0][:3] == ("Key", "Name", "Currency")
    assert [
        (key, currency, Decimal(str(requested)), Decimal(str(committed)), lines)
        for key, _label, currency, requested, committed, *_rest, lines in rows[1:]
    ] == [
        (row["key"], row["currency"], Decimal(row["requested"]), Decimal(row["committed"]), row["lines"])
        for row in answer["results"]
    ]
    assert {row["key"] for row in answer["results"]} == {"432115", "432116"}

    page.locator("#spend-table tr[data-key='432115'] a[data-drill]").click()
    expect(page.locator("#spend-lines-count")).to_have_text("2 lines")
    expect(page.locator("#spend-lines")).to_contain_text("Laptop 14 inch")
    expect(page.locator("#spend-lines")).to_contain_text("Desktop tower")
    expect(page.locator("#spend-lines")).not_to_contain_text("Docking station")
    expect(page.locator("#spend-lines a.mono").first).to_contain_text("PO-")
