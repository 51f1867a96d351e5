"""A punch-in from an ERP is a shopping session and nothing more, during it and after it.

Given an ERP client that knows its shared secret, when its setup request names the superuser, an approver or
any employee, then the browser that opens the StartPage can shop the catalog and the session's cart with the
client's prices, and reach nothing else; transfer, leave and expiry end it; a login the browser already had
is neither replaced nor widened.
"""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from p2p.submit_to_order import requisition_submit
from procurement.models import CatalogItem, Employee
from procurement.money import Money
from punchout.models import InboundSession
from requisitions.models import Requisition, RequisitionStatus
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.factories import api_token

from ..approvals.helpers import open_tasks
from .test_inbound import post_setup, setup_request, start_page

pytestmark = pytest.mark.usefixtures("punch_in")

CLOSED_PAGES = (
    "/approvals/",
    "/approvals/away/",
    "/budgets/",
    "/purchase-orders/",
    "/requisitions/",
    "/requisitions/lists/",
    "/admin/",
    "/admin/auth/user/",
)
CLOSED_API = ("/api/v1/approvals/inbox/", "/api/v1/requisitions/", "/api/v1/budgets/", "/api/v1/purchase-orders/")


@pytest.fixture
def alices_requisitions(organisation) -> tuple[Requisition, Requisition]:
    """alice's open cart of one line, and a requisition of hers waiting in bob's inbox (her manager's)."""
    alice = organisation.requester
    made = []
    for title in ("Lab restock", "Conference room screen"):
        cart = requisition_create(by=alice, legal_entity=organisation.france, title=title)
        requisition_line_add_free_text(
            requisition=cart,
            by=alice,
            description=title,
            quantity=Decimal(1),
            unit="EA",
            unit_price=Money(Decimal("245.00"), "EUR"),
        )
        made.append(cart)
    draft, waiting = made
    return draft, requisition_submit(requisition=waiting, by=alice)


def punch_in(client: Client, email: str, browser: Client | None = None, **setup: str) -> tuple[Client, InboundSession]:
    url = start_page(post_setup(client, setup_request(email=email, **setup)))
    browser = browser or Client()
    landed = browser.get(urlparse(url).path)
    assert landed.status_code == 303, landed.content.decode()[:500]
    return browser, InboundSession.objects.filter(status="shopping").latest("pk")


def add_to_cart(browser: Client, count: int = 2) -> list[CatalogItem]:
    items = list(CatalogItem.objects.filter(is_active=True).order_by("sku")[:count])
    browser.post("/requisitions/add-from-catalog/", {f"qty-{item.pk}": "1" for item in items})
    return items


def assert_nothing_beyond_the_cart(browser: Client, *, session_open: bool) -> None:
    """While the session is open every other page and API call is refused (403); once it has ended the browser
    is nobody: pages send it to the login, the API answers 401."""
    for page in CLOSED_PAGES:
        response = browser.get(page)
        if session_open:
            assert response.status_code == 403, page
        else:
            login = "/admin/login/" if page.startswith("/admin/") else "/login/"
            assert (response.status_code, response["Location"]) == (302, f"{login}?next={page}"), page
    for endpoint in CLOSED_API:
        assert browser.get(endpoint).status_code == (403 if session_open else 401), endpoint


@pytest.mark.parametrize("username", ["admin", "bob", "erin"])
def test_a_punch_in_naming_the_superuser_or_an_approver_reaches_only_the_catalog_and_its_cart(client, username):
    person = get_user_model().objects.get(username=username)
    browser, session = punch_in(client, person.email)

    shopper = session.employee.user
    assert shopper.pk != person.pk and shopper.email == person.email
    assert not (shopper.is_staff or shopper.is_superuser or shopper.has_usable_password())
    assert browser.get("/catalog/").status_code == 200
    assert browser.get(f"/requisitions/{session.requisition_id}/").status_code == 200
    assert_nothing_beyond_the_cart(browser, session_open=True)
    refused = browser.get("/approvals/").content.decode()
    assert "Not available during a punchout session" in refused and "transfer the cart or leave" in refused

    browser.post("/punchout/inbound/transfer/")
    assert_nothing_beyond_the_cart(browser, session_open=False)
    assert browser.get("/catalog/")["Location"].startswith("/login/")


def test_an_approver_named_by_the_erp_cannot_decide_during_or_after_the_session(client, alices_requisitions):
    bob = Employee.objects.get(user__username="bob")
    _, waiting = alices_requisitions
    assert waiting.status == RequisitionStatus.IN_APPROVAL
    before = open_tasks(waiting)
    task_id = before["bob"]
    browser, _ = punch_in(client, bob.user.email)

    for url in (f"/approvals/tasks/{task_id}/approve/", f"/api/v1/approvals/tasks/{task_id}/approve/"):
        assert browser.post(url, {"comment": "ok"}).status_code == 403, url
    browser.post("/punchout/inbound/leave/")
    assert browser.post(f"/approvals/tasks/{task_id}/approve/", {"comment": "ok"}).status_code == 302
    assert browser.post(f"/api/v1/approvals/tasks/{task_id}/approve/", {"comment": "ok"}).status_code == 401

    assert open_tasks(waiting) == before  # still waiting for bob himself
    waiting.refresh_from_db()
    assert waiting.status == RequisitionStatus.IN_APPROVAL


def test_the_punch_in_cart_cannot_be_submitted_and_other_carts_stay_out_of_reach(client, alices_requisitions):
    alice = Employee.objects.get(user__username="alice")
    alices_cart, _ = alices_requisitions
    browser, session = punch_in(client, alice.user.email)
    add_to_cart(browser)

    page = browser.get(f"/requisitions/{session.requisition_id}/").content.decode()
    for refused_here in ("Submit for approval", "Copy", "Cancel cart", "Split…", "Paste or upload lines", "Move"):
        assert refused_here not in page, refused_here  # the page offers nothing the punch-in may not do
    submit = browser.post(f"/requisitions/{session.requisition_id}/save/", {"action": "submit"})
    assert submit.status_code == 403
    assert browser.get(f"/requisitions/{alices_cart.pk}/").status_code == 403
    for action in ("copy", "merge", "save-list", "withdraw"):
        assert browser.post(f"/requisitions/{session.requisition_id}/{action}/").status_code == 403, action
    session.requisition.refresh_from_db()
    assert session.requisition.status == RequisitionStatus.DRAFT and session.requisition.lines.count() == 2

    browser.post("/punchout/inbound/transfer/")
    session.refresh_from_db()
    session.requisition.refresh_from_db()
    assert session.status == "transferred"
    assert session.requisition.status == RequisitionStatus.CANCELLED  # sent to the ERP: never submitted here


def test_a_start_page_never_replaces_the_login_the_browser_has(client, alices_requisitions):
    alice = Employee.objects.get(user__username="alice")
    browser = Client()
    browser.force_login(alice.user)
    alices_carts = {r.pk: r.lines.count() for r in Requisition.objects.filter(requester=alice, status="draft")}
    assert alices_carts == {alices_requisitions[0].pk: 1}

    browser, session = punch_in(client, "someone@erp.example", browser=browser)
    catalog = browser.get("/catalog/").content.decode()
    assert "Shopping for Test ERP" in catalog
    add_to_cart(browser, count=3)
    assert session.requisition.lines.count() == 3
    # Her own pages are hers, as before: the punch-in neither replaced nor widened her login.
    assert browser.get("/approvals/").status_code == 200
    assert browser.get("/requisitions/").status_code == 200
    assert {r.pk: r.lines.count() for r in Requisition.objects.filter(requester=alice, status="draft")} == alices_carts

    browser.post("/punchout/inbound/transfer/")
    after = browser.get("/catalog/")
    assert after.status_code == 200 and "Shopping for" not in after.content.decode()
    assert after.context["user"] == alice.user


def test_an_expired_punch_in_ends_and_opens_nothing(client):
    browser, session = punch_in(client, "buyer@erp.example")
    add_to_cart(browser)
    InboundSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert browser.get("/catalog/")["Location"].startswith("/login/")
    removed = browser.cookies["punchin"]  # the answer removed the punch-in cookie
    assert (removed.value, removed["max-age"]) == ("", 0)
    session.refresh_from_db()
    assert session.status == "expired"
    assert Requisition.objects.get(pk=session.requisition_id).status == RequisitionStatus.CANCELLED
    assert browser.post("/punchout/inbound/transfer/").status_code == 400
    assert_nothing_beyond_the_cart(browser, session_open=False)


def test_a_transfer_after_the_session_ended_elsewhere_is_refused(client):
    browser, session = punch_in(client, "buyer@erp.example")
    InboundSession.objects.filter(pk=session.pk).update(status="expired")
    refused = browser.post("/punchout/inbound/transfer/")
    assert refused.status_code == 410 and "has ended" in refused.content.decode()


def test_a_punch_in_identity_holding_an_ordinary_login_is_logged_out(client):
    """Punchout-only users once kept a full login after their session: whatever way they hold one, it ends."""
    browser, session = punch_in(client, "buyer@erp.example")
    browser.post("/punchout/inbound/transfer/")
    shopper = session.employee.user

    stale = Client()
    stale.force_login(shopper)
    assert stale.get("/approvals/")["Location"].startswith("/login/")
    assert stale.get("/catalog/")["Location"].startswith("/login/")
    token = api_token(shopper)
    api = Client(headers={"Authorization": f"Token {token}"})
    assert api.get("/api/v1/requisitions/").status_code == 401
    assert api.get("/api/v1/catalog/items/").status_code == 401
