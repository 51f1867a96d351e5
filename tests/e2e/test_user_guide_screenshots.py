"""The screenshots of docs/user-guide.md: each persona walks their main story over the demo data and the pages
are saved into docs/images/ (viewport shots, palette PNGs, phone and laptop sizes).

Runs only when asked: SCREENSHOTS=1 (the guide's images are generated, then committed).
"""

# The demo site's fixtures are imported from demo_site.py (not a conftest: one seed per module that asks for it).
# ruff: noqa: F401, F811

from __future__ import annotations

import os
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from procurement.models import Employee
from requisitions.models import Requisition

from .demo_site import ANONYMOUS, DemoSite, demo_site, signed_in

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.screenshots,
    pytest.mark.django_db,
    pytest.mark.skipif(not os.environ.get("SCREENSHOTS"), reason="SCREENSHOTS=1 makes the user guide's images"),
]

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"

SignedIn = Callable[[str, str], BrowserContext]


def shoot(page: Page, name: str) -> None:
    """What the window shows (not the whole page), as a 256-colour PNG: small enough to commit."""
    page.wait_for_load_state("networkidle")
    picture = Image.open(BytesIO(page.screenshot(animations="disabled", caret="hide"))).convert("RGB")
    IMAGES.mkdir(parents=True, exist_ok=True)
    picture.quantize(colors=256).save(IMAGES / f"{name}.png", optimize=True)


def test_requester_fills_a_cart_from_the_catalog_submits_and_follows_it(demo_site: DemoSite, signed_in: SignedIn):
    lab = Requisition.objects.get(requester__user__username="alice", title="Lab restock")
    for viewport in ("laptop", "phone"):
        page = signed_in("alice", viewport).new_page()
        page.goto(f"/requisitions/{lab.pk}/")  # the cart she fills
        page.goto("/catalog/")
        page.get_by_label("Search SKU or name").fill("ballpoint")
        page.get_by_label("Search SKU or name").press("Enter")
        expect(page.locator("#catalog-table tbody tr").first).to_contain_text("Ballpoint")
        shoot(page, f"requester-catalog-{viewport}")
        page.close()

    page = signed_in("alice", "laptop").new_page()
    page.goto("/catalog/?q=ballpoint")
    sku = page.locator("#catalog-table tbody tr").first.get_attribute("data-sku")
    page.get_by_label(f"Quantity of {sku}").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    page.wait_for_load_state()
    page.goto(f"/requisitions/{lab.pk}/")
    expect(page.locator("#cart-form")).to_contain_text(sku or "?")
    expect(page.locator("#approval-chain")).to_be_visible()
    shoot(page, "requester-cart-laptop")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#requisition-status")).to_have_text("In approval")
    shoot(page, "requester-tracker-laptop")
    page.close()
    page = signed_in("alice", "phone").new_page()
    page.goto(f"/track/{lab.pk}/")
    shoot(page, "requester-tracker-phone")
    page.goto("/")
    shoot(page, "requester-home-phone")
    page.close()
    page = signed_in("alice", "laptop").new_page()
    page.goto("/")
    shoot(page, "requester-home-laptop")
    page.goto("/notifications/preferences/")
    shoot(page, "requester-notification-preferences-laptop")
    page.close()


def test_approver_decides_in_the_inbox_and_from_the_email_link(demo_site: DemoSite, signed_in: SignedIn):
    chairs = Requisition.objects.get(requester__user__username="alice", title="Ergonomic chairs for the lab")
    page = signed_in("bob", "laptop").new_page()
    page.goto("/")
    shoot(page, "approver-home-laptop")
    page.goto("/approvals/")
    row = page.locator(f"tr[data-requisition='{chairs.number}']")
    row.get_by_label(f"Comment on {chairs.number}").fill("Fine for the new lab benches")
    shoot(page, "approver-inbox-laptop")
    page.goto("/approvals/away/")
    shoot(page, "approver-away-laptop")
    page.close()

    page = signed_in("bob", "phone").new_page()
    page.goto("/approvals/")
    shoot(page, "approver-inbox-phone")
    page.close()

    # the e-mail's one-click link, opened on a phone without logging in
    page = signed_in(ANONYMOUS, "phone").new_page()
    page.goto(demo_site.ids["email_link"])
    expect(page.locator("#email-decision")).to_contain_text(chairs.number)
    shoot(page, "approver-email-phone")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#requisition-status")).to_be_visible()
    shoot(page, "approver-email-decided-phone")
    page.close()


def test_buyer_follows_orders(demo_site: DemoSite, signed_in: SignedIn):
    page = signed_in("frank", "laptop").new_page()
    page.goto("/")
    shoot(page, "buyer-home-laptop")
    page.goto("/purchase-orders/")
    shoot(page, "buyer-orders-laptop")
    page.goto(f"/purchase-orders/{demo_site.ids['order']}/")
    shoot(page, "buyer-order-laptop")
    page.close()


def test_finance_handles_invoices_on_hold_and_watches_budgets(demo_site: DemoSite, signed_in: SignedIn):
    page = signed_in("erin", "laptop").new_page()
    page.goto("/")
    shoot(page, "finance-home-laptop")
    page.goto("/invoices/on-hold/")
    shoot(page, "finance-invoices-on-hold-laptop")
    page.goto(f"/invoices/{demo_site.ids['invoice_on_hold']}/")
    shoot(page, "finance-invoice-laptop")
    page.goto("/budgets/")
    shoot(page, "finance-budgets-laptop")
    page.goto(f"/budgets/{demo_site.ids['budget']}/")
    shoot(page, "finance-budget-laptop")
    page.close()


def test_warehouse_receives_on_a_phone(demo_site: DemoSite, signed_in: SignedIn):
    assert Employee.objects.filter(user__username="wendy").exists()
    page = signed_in("wendy", "phone").new_page()
    page.goto("/receiving/")
    shoot(page, "warehouse-receiving-phone")
    page.goto(f"/receiving/orders/{demo_site.ids['order']}/")
    shoot(page, "warehouse-receive-phone")
    page.get_by_role("button", name="Receive all outstanding").click()
    page.locator("#receive-post").click()
    expect(page.locator(".messages")).to_contain_text("posted")
    shoot(page, "warehouse-received-phone")
    page.close()
