"""One live server over the demo seed, shared by every test of a module (`demo_site` fixture), and browser
contexts logged in once per persona and viewport (`signed_in`).

The ordinary e2e tests seed inside each test (`transactional_db` flushes after each); the page walk visits some
seventy pages and would pay the seed seventy times. Here the seed is committed once per module, a server of our
own serves it, and the database is flushed when the module ends, as a transactional test leaves it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from io import StringIO
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from django.core.management import call_command
from django.db import connections, transaction
from lxml import etree
from playwright.sync_api import Browser, BrowserContext, Page
from pytest_django.live_server_helper import LiveServer
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}
VIEWPORTS = {"phone": PHONE, "laptop": LAPTOP}
PASSWORD = "demo"

# Personas who are not demo users: nobody logged in, and an ERP's user shopping our catalog (punch-in).
ANONYMOUS = "anonymous"
PUNCHIN = "erp-shopper"
PUNCHIN_LEAVING = "erp-shopper-leaving"  # a punch-in of its own: leaving ends it


@dataclass
class DemoSite:
    url: str
    ids: dict[str, Any] = field(default_factory=dict)


def _approve_all(requisition_id: int) -> None:
    from approvals.flows import ApprovalFlow
    from p2p.submit_to_order import approval_decide
    from procurement.models import Employee

    for _stage in range(5):
        tasks = list(
            Task.objects.filter(
                process__data__requisition=requisition_id, flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED
            ).select_related("owner")
        )
        if not tasks:
            return
        for task in tasks:
            approval_decide(task_id=task.pk, by=Employee.objects.get(user=task.owner), decision="approve")


def _order_to_receive() -> int:
    """alice's pipettes from Burotec (e-mail orders), approved and sent by hand by frank: waiting at the dock."""
    from orders.models import PurchaseOrder
    from orders.transmission import transmission_mark_sent
    from p2p.submit_to_order import requisition_submit
    from procurement.models import Employee, LegalEntity, Supplier
    from procurement.money import Money
    from requisitions.services import requisition_create, requisition_line_add_free_text

    alice = Employee.objects.get(user__username="alice")
    france = LegalEntity.objects.get(code="ACME-FR")
    supplier = Supplier.objects.get(code="BUROTEC")
    cart = requisition_create(by=alice, legal_entity=france, title="Pipettes for the lab", justification="E2E")
    for description, quantity in (("Pipette 10-100 µl", 4), ("Pipette tips, box of 96", 10)):
        requisition_line_add_free_text(
            requisition=cart,
            by=alice,
            description=description,
            quantity=Decimal(quantity),
            unit="EA",
            unit_price=Money(Decimal("12.50"), "EUR"),
            supplier=supplier,
        )
    requisition = requisition_submit(requisition=cart, by=alice)
    _approve_all(requisition.pk)
    order = PurchaseOrder.objects.get(requisition=requisition)
    if order.status == "manual":
        transmission_mark_sent(order=order, by=Employee.objects.get(user__username="frank"), note="E2E")
    return order.pk


def _import_job(requisition_id: int) -> int:
    from procurement.models import Employee
    from requisitions.models import Requisition
    from requisitions.services.imports import import_job_create

    alice = Employee.objects.get(user__username="alice")
    with transaction.atomic():
        job = import_job_create(
            requisition=Requisition.objects.get(pk=requisition_id),
            by=alice,
            filename="restock.csv",
            content=b"sku,qty\nNO-SUCH-SKU,2\n",
        )
    return job.pk


def _supplier_upload_link(create: Any) -> str:
    """The path of an upload link frank sends LabSource (the supplier's page, no account)."""
    from procurement.models import Employee, LegalEntity, Supplier

    frank = Employee.objects.get(user__username="frank")
    url = create(
        supplier=Supplier.objects.get(code="LABSOURCE"), legal_entity=LegalEntity.objects.get(code="ACME-FR"), by=frank
    )
    return urlsplit(url).path


def _claim_on_demo_receipt(receipt_id: int) -> tuple[int, str]:
    """wendy claims 1 damaged on the demo receipt's first line; the claim and the path of the supplier's link."""
    from decimal import Decimal

    from claims.links import claim_link_make
    from claims.models import Claim
    from claims.services import claim_raise
    from procurement.models import Employee
    from receiving.models import GoodsReceiptLine

    wendy = Employee.objects.get(user__username="wendy")
    line = GoodsReceiptLine.objects.filter(receipt_id=receipt_id, quantity__gt=0).order_by("pk").first()
    assert line is not None, "the demo receipt has no line to claim"
    claim = claim_raise(
        receipt_line=line, kind="damaged", quantity=Decimal(1), comment="Box crushed", photos=[], by=wendy
    )
    link = claim_link_make(claim=claim)  # the supplier's link, as its e-mail carries it
    Claim.objects.filter(pk=claim.pk).update(link_token_hash=link.token_hash, link_expires_at=link.expires_at)
    return claim.pk, urlsplit(link.url).path


def build_demo_site(url: str) -> DemoSite:
    """The demo seed, plus an order waiting to be received and an import job; the ids the page table needs."""
    from approvals.inbox import approval_open_task_id
    from approvals.links import decision_link_url
    from budgets.models import Budget
    from catalogs.models import CatalogUpload
    from catalogs.supplier_links import supplier_upload_link_create
    from contracts.demo import NUMBER as DEMO_CONTRACT
    from invoices.models import Invoice
    from procurement.models import Contract, Employee
    from receiving.models import GoodsReceipt
    from requisitions.models import Requisition, RequisitionList
    from sourcing.demo import DEMO_TITLE as DEMO_RFQ
    from sourcing.models import RequestForQuotation

    call_command("seed_demo", stdout=StringIO())
    lab = Requisition.objects.get(requester__user__username="alice", title="Lab restock")
    chairs = Requisition.objects.get(requester__user__username="alice", title="Ergonomic chairs for the lab")
    bob = Employee.objects.select_related("user").get(user__username="bob")
    task_id = approval_open_task_id(employee=bob, requisition_id=chairs.pk)
    assert task_id is not None, "bob holds no task on the demo chairs"
    order_id = _order_to_receive()
    receipt_id = GoodsReceipt.objects.order_by("pk").first().pk
    claim_id, claim_link = _claim_on_demo_receipt(receipt_id)
    ids = {
        "lab_cart": lab.pk,
        "submitted": chairs.pk,
        "saved_list": RequisitionList.objects.filter(owner__user__username="alice").order_by("pk").first().pk,
        "import_job": _import_job(lab.pk),
        "email_link": urlsplit(decision_link_url(task_id=task_id, user_id=bob.user_id)).path,
        "order": order_id,
        "receipt": receipt_id,
        "claim": claim_id,
        "claim_link": claim_link,
        "invoice_on_hold": Invoice.objects.get(number="BT-2026-0412").pk,
        "budget": Budget.objects.get(cost_centre__code="FR-LAB").pk,
        "catalog_upload": CatalogUpload.objects.get(supplier__code="LABSOURCE").pk,
        "supplier_upload_link": _supplier_upload_link(supplier_upload_link_create),
        "rfq": RequestForQuotation.objects.get(title=DEMO_RFQ, legal_entity__code="ACME-FR").pk,
        "contract": Contract.objects.get(number=DEMO_CONTRACT).pk,
    }
    return DemoSite(url=url, ids=ids)


@pytest.fixture(scope="module")
def demo_site(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoSite]:
    # The server's threads close their database connection after each request (not kept for CONN_MAX_AGE), so
    # none is left open on the test database when pytest drops it.
    database = connections.settings["default"]
    max_age = database["CONN_MAX_AGE"]
    database["CONN_MAX_AGE"] = 0
    with django_db_blocker.unblock():
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            site = build_demo_site(server.url)
            # Playwright's sync API switches contexts, and Django's connections are per context: close here what
            # the seed opened, or it stays open on the test database until the end of the session.
            connections.close_all()
            yield site
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0)
            connections.close_all()
            database["CONN_MAX_AGE"] = max_age


def log_in(page: Page, base_url: str, username: str) -> None:
    """The login form, as a person fills it; done once the browser has left the login page."""
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


_payload_ids = itertools.count(1)


def punch_in(page: Page, base_url: str) -> None:
    """An ERP user arrives in our catalog: the ERP's cXML setup, then its StartPage in this browser."""
    request = f"""<?xml version="1.0" encoding="UTF-8"?>
<cXML payloadID="pages-{next(_payload_ids)}@erp.example" timestamp="2026-11-22T10:00:00+01:00"><Header>
<From><Credential domain="NetworkID"><Identity>ERP-DEMO</Identity></Credential></From>
<To><Credential domain="DUNS"><Identity>ACME-CATALOG</Identity></Credential></To>
<Sender><Credential domain="NetworkID"><Identity>ERP-DEMO</Identity><SharedSecret>demo-secret</SharedSecret>
</Credential><UserAgent>E2E ERP</UserAgent></Sender></Header><Request><PunchOutSetupRequest operation="create">
<BuyerCookie>pages</BuyerCookie><Extrinsic name="UserEmail">sven@erp.example</Extrinsic>
<BrowserFormPost><URL>http://127.0.0.1:9/erp/receive</URL></BrowserFormPost></PunchOutSetupRequest></Request></cXML>"""
    answer = httpx.post(f"{base_url}/punchout/cxml/setup/", content=request.encode())
    assert answer.status_code == 200, answer.text
    start = etree.fromstring(answer.content).findtext("Response/PunchOutSetupResponse/StartPage/URL")
    page.goto(start)
    page.wait_for_selector("#punchout-banner")


def new_context(browser: Browser, site: DemoSite, viewport: str) -> BrowserContext:
    return browser.new_context(viewport=VIEWPORTS[viewport], base_url=site.url, locale="en-US")


@pytest.fixture(scope="module")
def signed_in(browser: Browser, demo_site: DemoSite) -> Iterator[Callable[[str, str], BrowserContext]]:
    """`signed_in(persona, viewport)`: a browser context of that size where the persona has logged in (once)."""
    contexts: dict[tuple[str, str], BrowserContext] = {}

    def get(persona: str, viewport: str) -> BrowserContext:
        key = (persona, viewport)
        if key not in contexts:
            context = new_context(browser, demo_site, viewport)
            if persona != ANONYMOUS:
                page = context.new_page()
                if persona in (PUNCHIN, PUNCHIN_LEAVING):
                    punch_in(page, demo_site.url)
                else:
                    log_in(page, demo_site.url, persona)
                page.close()
            contexts[key] = context
        return contexts[key]

    yield get
    for context in contexts.values():
        context.close()
