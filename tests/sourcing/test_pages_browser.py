"""The sourcing pages in a real Chromium, as the persona who uses them, on a 390×844 phone and a 1366×900 laptop:
each answers as expected, logs no console error, does not scroll sideways, shows its primary action within the
window, and axe-core finds no serious or critical accessibility violation (the checks of tests/e2e/test_every_page).
"""

# The demo site's fixtures come from tests/e2e (one seed for the module).
# ruff: noqa: F401, F811

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connections
from django.utils import timezone
from playwright.sync_api import Browser

from tests.e2e.conftest import browser_type_launch_args
from tests.e2e.demo_site import ANONYMOUS, VIEWPORTS, DemoSite, demo_site, log_in, new_context

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

PRIMARY = "[data-primary-action]"


@dataclass(frozen=True)
class Row:
    name: str
    persona: str
    path: str
    primary: bool
    status: int = 200


PAGES = [
    Row("rfqs", "frank", "/sourcing/", True),
    Row("rfq-new", "frank", "/sourcing/new/", True),
    Row("rfq", "frank", "/sourcing/{demo}/", True),
    Row("rfq-compare", "frank", "/sourcing/{demo}/compare/", True),
    Row("rfq-score", "erin", "/sourcing/{demo}/score/", True),
    Row("rfq-award", "frank", "/sourcing/{demo}/award/", True),
    Row("rfq-sealed", "carol", "/sourcing/{open}/compare/", False, status=403),
    Row("quote", ANONYMOUS, "{quote}", True),
    Row("quote-expired", ANONYMOUS, "/sourcing/quote/{expired}/", False, status=410),
]


@pytest.fixture(scope="module")
def ids(demo_site: DemoSite, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The demo's request being scored, and a request of frank's open for quotes with one supplier's link."""
    from procurement.models import Employee, LegalEntity, Supplier
    from sourcing.links import quote_link_make
    from sourcing.models import Invitation, RequestForQuotation
    from sourcing.services import RFQLineInput, RFQSpec, rfq_create, rfq_send

    with django_db_blocker.unblock():
        demo = RequestForQuotation.objects.get(title="Lab centrifuges and pipette tips")
        frank = Employee.objects.get(user__username="frank")
        rfq = rfq_create(
            by=frank,
            legal_entity=LegalEntity.objects.get(code="ACME-FR"),
            spec=RFQSpec(
                title="Safety cabinets",
                due_at=timezone.now() + timedelta(days=5),
                lines=[
                    RFQLineInput(description="Flammables cabinet, 90 l", quantity=Decimal(1), unit="EA"),
                    RFQLineInput(
                        description="Acid cabinet", quantity=Decimal(2), unit="EA", specification="EN 14470-1"
                    ),
                ],
                supplier_ids=list(
                    Supplier.objects.filter(code__in=["LABSOURCE", "BUROTEC"]).values_list("pk", flat=True)
                ),
                evaluator_ids=[Employee.objects.get(user__username="carol").pk],
                weights={"price": 50, "delivery": 20, "quality": 20, "terms": 10},
            ),
        )
        rfq = rfq_send(rfq=rfq, by=frank)
        invitation = Invitation.objects.get(rfq=rfq, supplier__code="LABSOURCE")
        link = quote_link_make(invitation=invitation)
        invitation.token_hash = link.token_hash
        invitation.save(update_fields=["token_hash"])
        expired = Invitation.objects.filter(rfq=demo).first()
        old_link = quote_link_make(invitation=expired)
        expired.token_hash = old_link.token_hash
        expired.save(update_fields=["token_hash"])
        connections.close_all()
    yield {"demo": demo.pk, "open": rfq.pk, "quote": link.path, "expired": old_link.token}


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.mark.parametrize("row", [pytest.param(row, id=row.name) for row in PAGES])
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_sourcing_page(
    row: Row,
    viewport: str,
    ids: dict[str, Any],
    demo_site: DemoSite,
    browser: Browser,
    axe: Axe,
) -> None:
    # A context of its own per page, logged in afresh: a cached context may have lost its session since.
    context = new_context(browser, demo_site, viewport)
    page = context.new_page()
    if row.persona != ANONYMOUS:
        log_in(page, demo_site.url, row.persona)
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"console error: {message.text}")
            if message.type == "error" and "Failed to load resource" not in message.text
            else None
        ),
    )
    try:
        path = row.path.format(**ids)
        response = page.goto(path)
        status = response.status if response is not None else None
        landed = page.url.removeprefix(demo_site.url)
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        box = None
        if row.primary:
            box = next(
                (element.bounding_box() for element in page.locator(PRIMARY).all() if element.is_visible()), None
            )
        violations = [
            f"{violation['impact']}: {violation['id']} on {[' '.join(node['target']) for node in violation['nodes']]}"
            for violation in axe.run(page).response["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
    finally:
        context.close()
    if landed != path:
        problems.append(f"landed on {landed}")
    if status != row.status:
        problems.append(f"answered {status}, expected {row.status}")
    if width > inner:
        problems.append(f"scrolls sideways: {width} px wide in a {inner} px window")
    if row.primary and (box is None or box["x"] < 0 or box["x"] + box["width"] > inner):
        problems.append(f"the primary action is not visible within the window: {box}")
    problems.extend(violations)
    assert problems == []
