"""Alice fills carts in a real browser: paste with a bad line, upload Excel, merge two carts, submit."""

from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from requisitions.models import Requisition

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_label("Acting for")).to_have_value("ACME-FR")


def test_alice_pastes_uploads_merges_and_submits(live_server, page: Page, tmp_path: Path):
    call_command("seed_demo", stdout=StringIO())
    lab = Requisition.objects.get(requester__user__username="alice", title="Lab restock")
    starter = Requisition.objects.get(requester__user__username="alice", title="New starter kit")
    log_in(page, live_server.url)

    # She opens her lab cart and pastes five lines, the third of which is wrong
    page.goto(f"{live_server.url}/requisitions/{lab.pk}/")
    page.get_by_role("link", name="Paste or upload lines").click()
    page.get_by_label("Lines to add").fill("BT-PEN-BLA-10,5\nBT-NOTE-YEL;2\nNO-SUCH-SKU,1\nLS-BKR-250\t3\nls-coat-m 1")
    page.get_by_role("button", name="Add lines").click()
    result = page.locator("#quick-add-result")
    expect(result).to_contain_text("5 lines read · 4 added · 1 not added")
    expect(result).to_contain_text("Line 3: unknown SKU NO-SUCH-SKU")

    # Then uploads an Excel file with a header and a decimal comma (packs are ordered whole: 2,0)
    workbook = openpyxl.Workbook()
    for row in [("Artikelnummer", "Menge"), ("LS-GOG-CLE", 2), ("LS-FLT-42", "2,0")]:
        workbook.active.append(row)
    path = tmp_path / "order.xlsx"
    workbook.save(path)
    page.goto(f"{live_server.url}/requisitions/{lab.pk}/import/")
    page.get_by_label("File to upload").set_input_files(str(path))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.locator("#import-status")).to_contain_text("Done", timeout=15000)
    expect(page.locator("#import-status")).to_contain_text("2 added")

    # She merges her starter-kit cart into the lab cart
    page.goto(f"{live_server.url}/requisitions/{lab.pk}/")
    expect(page.locator("#lines-table tbody tr")).to_have_count(3 + 4 + 2)
    page.locator("#merge-form").get_by_label(f"{starter.number}", exact=False).check()
    page.get_by_role("button", name=f"Merge into {lab.number}").click()
    expect(page.locator(".messages")).to_contain_text(f"Merged {starter.number}")
    expect(page.locator("#lines-table tbody tr")).to_have_count(3 + 4 + 2 + 4)

    # She charges the first line 60/40 to engineering and the lab in the split dialog
    page.locator("#lines-table tbody tr").first.get_by_role("button", name="Split…").click()
    dialog = page.locator("#split-dialog")
    dialog.get_by_label("Split cost centre 1").select_option(label="FR-ENG Engineering")
    dialog.get_by_label("Split percent 1").fill("60")
    dialog.get_by_label("Split cost centre 2").select_option(label="FR-LAB Laboratory")
    dialog.get_by_label("Split percent 2").fill("40")
    dialog.get_by_role("button", name="Save split").click()
    expect(page.locator("#lines-table tbody tr").first).to_contain_text("FR-ENG 60 %, FR-LAB 40 %")

    # And submits it
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#requisition-status")).to_have_text("In approval")
    expect(page.locator("#history")).to_contain_text("Draft → Submitted")
    expect(page.locator("#history")).to_contain_text("Submitted → In approval")
    starter.refresh_from_db()
    lab.refresh_from_db()
    assert (lab.status, lab.line_count, starter.status) == ("in_approval", 13, "cancelled")
