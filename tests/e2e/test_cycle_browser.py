"""Erin, finance, opens the cycle times on a laptop and on a phone: the chart is drawn (no script error, no
Content-Security-Policy violation: the page fixture fails on either), a click on February's bar lists February's
requisitions, and the table downloads as XLSX with the filters."""

import pytest
from playwright.sync_api import Page, expect

from analytics.cycle_refresh import cycle_refresh
from tests.analytics.test_cycle_times import _generate

from .demo_site import LAPTOP, PHONE
from .test_approval_browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_erin_sees_the_cycle_chart_drills_into_a_month_and_downloads_the_table(live_server, page: Page, viewport):
    erin, _france, plans = _generate()
    erin.user.set_password("demo")
    erin.user.save()
    cycle_refresh()
    february = [p for p in plans if p.requisition.legal_entity.code == "ACME-FR" and p.submitted.month == 2]
    page.set_viewport_size(viewport)
    log_in(page, live_server.url, "erin")
    page.goto(f"{live_server.url}/analytics/cycle-times/?from=2026-01&to=2026-03")
    chart = page.locator("#cycle-chart")
    expect(chart).to_have_attribute("data-chart-ready", "5")  # Chart.js drew the five steps' bars
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner
    box = chart.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 200
    # February's bars are the middle third of the chart: a click on the first step's bar opens its requisitions
    hit = page.evaluate(
        """() => {
            const chart = Chart.getChart(document.getElementById('cycle-chart'));
            const bar = chart.getDatasetMeta(0).data[1];
            return [bar.x, bar.y + 2];
        }"""
    )
    chart.click(position={"x": hit[0], "y": hit[1]})
    expect(page).to_have_url(
        f"{live_server.url}/analytics/cycle-times/?from=2026-01&to=2026-03&month=2026-02#drill-down"
    )
    expect(page.locator("#cycle-requisitions tbody tr")).to_have_count(len(february))
    with page.expect_download() as download:
        page.locator("[data-export=xlsx]").click()
    assert download.value.suggested_filename.startswith("cycle-times-") and download.value.suggested_filename.endswith(
        ".xlsx"
    )
