"""Alice logs in and lands on her home page with her requisitions in flight; the tracker of one of them fits a
390 px phone (stages stacked, nothing wider than the screen) and runs left to right on a laptop."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from requisitions.models import Requisition

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHAIRS = "Ergonomic chairs for the lab"  # approvals/demo.py: waits in bob's inbox


def log_in(page: Page, base_url: str, username: str = "alice") -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Log in").click()


def test_alice_lands_on_her_home_page_and_follows_a_requisition_on_her_phone(live_server, page: Page):
    call_command("seed_demo", stdout=StringIO())
    chairs = Requisition.objects.get(requester__user__username="alice", title=CHAIRS)

    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server.url)
    expect(page).to_have_url(f"{live_server.url}/")
    in_flight = page.locator("#home-in_flight")
    expect(in_flight).to_contain_text(CHAIRS)
    expect(in_flight.locator(".home-row", has_text=CHAIRS)).to_contain_text("with Bob Dubois")
    expect(page.locator("[data-primary-action]")).to_be_in_viewport()

    # On a laptop the stages run left to right.
    page.goto(f"{live_server.url}/track/{chairs.pk}/")
    tracker = page.locator("#requisition-tracker")
    expect(tracker).to_be_visible()
    expect(tracker.locator('[aria-current="step"]')).to_have_attribute("data-stage", "approval-1")
    expect(tracker.locator('[aria-current="step"]')).to_contain_text("has it now")
    first, second = (tracker.locator(".tracker-stage").nth(i).bounding_box() for i in (0, 1))
    assert first and second and second["x"] > first["x"] and abs(second["y"] - first["y"]) < 2

    # On a phone they stack, and nothing of the tracker is wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(tracker).to_be_visible()
    first, second = (tracker.locator(".tracker-stage").nth(i).bounding_box() for i in (0, 1))
    assert first and second and second["y"] > first["y"] and abs(second["x"] - first["x"]) < 2
    box = tracker.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert tracker.evaluate("element => element.scrollWidth <= element.clientWidth")
    for stage in tracker.locator(".tracker-stage").all():
        stage_box = stage.bounding_box()
        assert stage_box and stage_box["x"] + stage_box["width"] <= 390, stage.get_attribute("data-stage")
