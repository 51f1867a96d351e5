"""Every page of the app, as the persona who uses it, on a 390×844 phone and a 1366×900 laptop: it answers as
expected, logs no console error, does not scroll sideways, shows its primary action within the window's width,
and axe-core finds no serious or critical accessibility violation.

A failure names the page, the persona and the viewport (`test_page[inbox-bob-phone]`) and lists every check that
failed on it. With PAGES_REPORT=<file.json> the findings of every page (width seen, axe violations) are written
there as JSON.
"""

# The demo site's fixtures are imported from demo_site.py (not a conftest: one seed per module that asks for it).
# ruff: noqa: F401, F811

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, Response

from .demo_site import ANONYMOUS, PUNCHIN, PUNCHIN_LEAVING, VIEWPORTS, DemoSite, demo_site, signed_in

# The marker sets up the test database; the demo site is seeded and committed once for the module (demo_site), and
# each test only reads it through the browser.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

PRIMARY = "[data-primary-action]"
BLOCKING_IMPACTS = {"serious", "critical"}


@dataclass(frozen=True)
class Row:
    """A page: its name in test ids, who opens it, its path (formatted with DemoSite.ids).

    primary: where the primary action is until the page marks it with data-primary-action; None where the page
    has none (a read-only page). status: what the page answers. leave: reach the page by leaving a punch-in (a
    POST), not by URL.
    axe_exclude: a part of the page axe leaves out (third-party markup we do not write).
    """

    name: str
    persona: str
    path: str
    primary: str | None
    status: int = 200
    leave: bool = False
    axe_exclude: str | None = None


PAGES = [
    # home per role
    Row("home", "alice", "/", None),
    Row("home", "bob", "/", None),
    Row("home", "frank", "/", None),
    Row("home", "erin", "/", None),
    Row("home", "wendy", "/", None),
    # requester
    Row("catalog", "alice", "/catalog/", "#add-to-cart button[type=submit]"),
    Row("cart", "alice", "/requisitions/{lab_cart}/", "button[name=action][value=submit]"),
    Row("requisition-tracker", "alice", "/requisitions/{submitted}/", None),
    Row("track", "alice", "/track/{submitted}/", None),
    Row("requisitions", "alice", "/requisitions/", "form[action$='/requisitions/new/'] button[type=submit]"),
    Row("lists", "alice", "/requisitions/lists/", "button.primary"),
    Row("list-edit", "alice", "/requisitions/lists/{saved_list}/edit/", "button.primary"),
    Row("import", "alice", "/requisitions/{lab_cart}/import/", "button.primary"),
    Row("import-job", "alice", "/requisitions/imports/{import_job}/", None),
    # approver
    Row("inbox", "bob", "/approvals/", "button.primary"),
    Row("approval-history", "bob", "/approvals/history/", None),
    Row("away", "bob", "/approvals/away/", "button.primary"),
    Row("email-decision", ANONYMOUS, "{email_link}", "button[value=approve], a.button.primary"),
    # buyer
    Row("orders", "frank", "/purchase-orders/", None),
    Row("order", "frank", "/purchase-orders/{order}/", None),
    Row("order-confirm", "frank", "/purchase-orders/{order}/close/confirm/", "button.primary"),
    # warehouse
    Row("receiving", "wendy", "/receiving/", "a.button.primary"),
    Row("receive", "wendy", "/receiving/orders/{order}/", "#receive-post"),
    Row("receipt", "wendy", "/receiving/receipts/{receipt}/", None),
    # claims on deliveries: raised at the dock, followed by the buyer, answered by the supplier through its link
    Row("claim-new", "wendy", "/claims/receipts/{receipt}/new/", None),
    Row("claims", "frank", "/claims/", None),
    Row("claim", "frank", "/claims/{claim}/", None),
    Row("supplier-scorecard", "frank", "/claims/suppliers/LABSOURCE/", None),
    Row("claim-answer", ANONYMOUS, "{claim_link}", None),
    # finance
    Row("invoices", "erin", "/invoices/", None),
    Row("invoices-on-hold", "erin", "/invoices/on-hold/", None),
    Row("invoice", "erin", "/invoices/{invoice_on_hold}/", None),
    Row("invoice-upload", "frank", "/invoices/upload/", "button.primary"),
    Row("invoice-typed", "frank", "/invoices/new/", "button.primary"),
    Row("budgets", "erin", "/budgets/", None),
    Row("budget", "erin", "/budgets/{budget}/", None),
    Row("budget-import", "erin", "/budgets/import/", "main button[type=submit]"),
    # analytics: cycle times, approver turnaround, a budget's burn-down (Chart.js charts)
    Row("cycle-times", "erin", "/analytics/cycle-times/", None),
    Row("audit-log", "erin", "/audit/", "#audit-apply"),
    Row("approver-turnaround", "erin", "/analytics/approvers/", None),
    Row("burn-down", "erin", "/analytics/burn-down/?budget={budget}", None),
    # catalog uploads: the buyer's list, form and diff; the supplier's page reached by its link
    Row("catalog-uploads", "frank", "/catalogs/", None),
    Row("catalog-upload", "frank", "/catalogs/upload/", None),
    Row("catalog-upload-diff", "frank", "/catalogs/uploads/{catalog_upload}/", None),
    Row("catalog-upload-flagged", "frank", "/catalogs/uploads/{catalog_upload}/?kind=flagged", None),
    Row("supplier-catalog-upload", ANONYMOUS, "{supplier_upload_link}", None),
    # sourcing: requests for quotation (the demo's, being scored), contracts and their burn-down
    Row("sourcing", "frank", "/sourcing/", None),
    Row("rfq", "frank", "/sourcing/{rfq}/", None),
    Row("rfq-compare", "frank", "/sourcing/{rfq}/compare/", None),
    Row("rfq-score", "erin", "/sourcing/{rfq}/score/", None),
    Row("contracts", "frank", "/contracts/", None),
    Row("contracts-requester", "alice", "/contracts/", None),
    Row("contract", "frank", "/contracts/{contract}/", None),
    Row("contract-new", "frank", "/contracts/new/", None),
    # spend analytics (finance)
    Row("spend", "erin", "/analytics/spend/", None),
    Row("spend-suppliers", "erin", "/analytics/spend/?by=supplier&legal_entity=ACME-FR", None),
    Row("spend-lines", "erin", "/analytics/spend/lines/?legal_entity=ACME-FR", None),
    Row("spend-refused", "alice", "/analytics/spend/", None, status=403),
    # everyone
    Row("login", ANONYMOUS, "/login/", "button.primary"),
    Row("not-found", "alice", "/no-such-page/", None, status=404),
    # Swagger UI draws the operations (drf-spectacular-sidecar's bundle); axe checks the page around it.
    Row("api-docs", "alice", "/api/docs/", None, axe_exclude="#swagger-ui"),
    # punchout as people see it: an ERP's user in our catalog and cart, leaving; a stale punchout link
    Row("punchin-catalog", PUNCHIN, "/catalog/", "#transfer-cart"),
    Row("punchin-ended", PUNCHIN_LEAVING, "/catalog/", None, leave=True),
    Row("punchout-refused", "alice", "/punchout/callup/no-such-token/", None, status=410),
    # notifications and the profile
    Row("notifications", "alice", "/notifications/", None),
    Row("notification-preferences", "alice", "/notifications/preferences/", "main button[type=submit]"),
    Row("webhooks", "admin", "/notifications/webhooks/", "main button[type=submit]"),
    Row("profile", "alice", "/profile/", "main button[type=submit]"),
    Row("profile-tokens", "alice", "/profile/tokens/", "main button[type=submit]"),
]

CASES = [
    pytest.param(row, viewport, id=f"{row.name}-{row.persona}-{viewport}") for row in PAGES for viewport in VIEWPORTS
]

FINDINGS: list[dict[str, Any]] = []


@pytest.fixture(scope="module", autouse=True)
def _findings_written() -> Iterator[None]:
    yield
    target = os.environ.get("PAGES_REPORT")
    if target:
        with open(target, "w", encoding="utf-8") as out:
            json.dump(FINDINGS, out, indent=1)


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


def open_row(page: Page, site: DemoSite, row: Row) -> Response | None:
    path = row.path.format(**site.ids)
    if not row.leave:
        return page.goto(path)
    page.goto(path)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Leave without sending").click()
    return navigation.value


def primary_action_box(page: Page, row: Row) -> tuple[str, dict[str, float] | None]:
    """The selector used and the bounding box of the first visible element it finds (None: none visible)."""
    selector = PRIMARY if page.locator(PRIMARY).count() else row.primary
    if selector is None:
        return "", None
    for element in page.locator(selector).all():
        if element.is_visible():
            return selector, element.bounding_box()
    return selector, None


@pytest.mark.parametrize(("row", "viewport"), CASES)
def test_page(
    row: Row, viewport: str, demo_site: DemoSite, signed_in: Callable[[str, str], BrowserContext], axe: Axe
) -> None:
    context = signed_in(row.persona, viewport)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"console error: {message.text}")
            if message.type == "error" and "Failed to load resource" not in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    try:
        response = open_row(page, demo_site, row)
        status = response.status if response is not None else None
        landed_on = page.url
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        selector, box = primary_action_box(page, row)
        results = axe.run(page, context={"exclude": [[row.axe_exclude]]} if row.axe_exclude else None).response
        violations = [
            {
                "id": violation["id"],
                "impact": violation["impact"],
                "help": violation["help"],
                "targets": [" ".join(node["target"]) for node in violation["nodes"]],
            }
            for violation in results["violations"]
        ]
    finally:
        page.close()

    failures = list(problems)
    # A persona's page, not the login page it would be sent to if its session had ended (that passes every check).
    if row.persona != ANONYMOUS and "/login/" in landed_on and "/login/" not in row.path:
        failures.append(f"landed on the login page ({landed_on}): {row.persona} is not signed in")
    if status != row.status:
        failures.append(f"answered {status}, expected {row.status}")
    if width > inner:
        failures.append(f"scrolls sideways: the page is {width} px wide in a {inner} px window")
    if selector and box is None:
        failures.append(f"primary action {selector!r} is not visible")
    elif box is not None and (box["x"] < 0 or box["x"] + box["width"] > inner):
        failures.append(
            f"primary action {selector!r} lies at x {box['x']:.0f}..{box['x'] + box['width']:.0f}, "
            f"outside the {inner} px window"
        )
    for violation in violations:
        if violation["impact"] in BLOCKING_IMPACTS:
            failures.append(
                f"axe {violation['impact']}: {violation['id']} ({violation['help']}) on "
                + ", ".join(violation["targets"][:5])
                + (f" and {len(violation['targets']) - 5} more" if len(violation["targets"]) > 5 else "")
            )
    FINDINGS.append(
        {
            "page": row.name,
            "persona": row.persona,
            "viewport": viewport,
            "path": row.path.format(**demo_site.ids),
            "status": status,
            "width": width,
            "inner": inner,
            "primary": selector,
            "primary_box": box,
            "console": problems,
            "violations": violations,
            "failures": failures,
        }
    )
    assert not failures, f"{row.name} as {row.persona} at {viewport}:\n  " + "\n  ".join(failures)
