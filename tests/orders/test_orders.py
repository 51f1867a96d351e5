"""From approved requisition to purchase orders at the suppliers, and the suppliers' answers back."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core import mail
from django.db.models import Sum
from django.utils import timezone
from lxml import etree
from pypdf import PdfReader

from approvals.models import PurchasingRule
from approvals.services import purchasing_rule_save
from budgets.models import BudgetEntry
from orders.models import PurchaseOrder, PurchaseOrderLine, Transmission
from orders.order_changes import LineChange
from orders.services import OrderError, purchase_order_issue
from orders.transmission import transmission_resend, transmission_send
from p2p.submit_to_order import purchase_order_change
from procurement.models import Employee
from requisitions.models import RequisitionStatus
from tests.punchout.support import dtd_errors

from .conftest import cxml_supplier, ordered

pytestmark = pytest.mark.usefixtures("auto_approve")


def frank() -> Employee:
    return Employee.objects.select_related("user").get(user__username="frank")


def send_all() -> list[str]:
    return [
        transmission_send(transmission_id=pk) for pk in Transmission.objects.order_by("pk").values_list("pk", flat=True)
    ]


def test_approval_makes_one_order_per_supplier_numbered_and_committed(
    endpoint, burotec, organisation, django_capture_on_commit_callbacks
):
    acme = cxml_supplier("ACMETOOLS", endpoint.url)
    with django_capture_on_commit_callbacks(execute=True):
        requisition = ordered(
            [(acme, "Torque wrench", "2", "120.00"), (burotec, "Paper A4", "10", "4.50"), (acme, "Drill", "1", "99.90")]
        )
    requisition.refresh_from_db()
    assert requisition.status == RequisitionStatus.ORDERED
    orders = {order.supplier.code: order for order in requisition.purchase_orders.all()}
    assert set(orders) == {"ACMETOOLS", "BUROTEC"}
    numbers = sorted(order.number for order in orders.values())
    assert numbers[0].startswith(requisition.legal_entity.po_number_prefix)
    assert int(numbers[1][-6:]) == int(numbers[0][-6:]) + 1  # consecutive
    tools = orders["ACMETOOLS"]
    assert [(line.line_number, line.description, line.quantity) for line in tools.lines.all()] == [
        (1, "Torque wrench", 2),
        (2, "Drill", 1),
    ]
    assert all(line.requisition_line.requisition_id == requisition.pk for line in tools.lines.all())
    assert tools.total_minor == 33990
    # The budget: the pre-commitment is released and the orders' amounts are committed, in that transaction.
    kinds = dict(
        BudgetEntry.objects.filter(requisition=requisition).values_list("kind").annotate(total=Sum("amount_minor"))
    )
    assert kinds["commitment"] == 33990 + 4500 and kinds["precommitment"] + kinds["release"] == 0
    # Sent on commit: cXML to the supplier endpoint, e-mail with a PDF to Burotec.
    assert endpoint.orders() == {tools.number}
    (document,) = endpoint.documents
    assert dtd_errors(document) == []
    root = etree.fromstring(document)
    assert root.find("Request/OrderRequest/OrderRequestHeader").get("type") == "new"
    assert [i.get("lineNumber") for i in root.iter("ItemOut")] == ["1", "2"]
    # Each line is charged in full to the requester's cost centre.
    distributions = [
        (
            distribution.find("Accounting").get("name"),
            [(segment.get("id"), segment.findtext("Name")) for segment in distribution.iter("AccountingSegment")],
            distribution.findtext("Charge/Money"),
        )
        for distribution in root.iter("Distribution")
    ]
    centre = organisation.engineering.code
    assert distributions == [
        ("100 %", [(centre, "CostCenter")], "240.00"),
        ("100 %", [(centre, "CostCenter")], "99.90"),
    ]
    tools.refresh_from_db()
    assert tools.status == PurchaseOrder.Status.SENT
    attempt = tools.transmissions.get().attempt_log.get()
    assert attempt.outcome == "sent" and "supplier-secret" not in attempt.request and "********" in attempt.request
    (email,) = [m for m in mail.outbox if "Purchase order" in m.subject]
    assert email.to == ["commandes@burotec.example"]
    name, content, kind = email.attachments[0]
    assert kind == "application/pdf" and orders["BUROTEC"].number in name
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)
    assert orders["BUROTEC"].number in text and "Paper A4" in text and "Acme France" in text


def test_lines_without_a_supplier_wait_for_a_buyer(endpoint):
    acme = cxml_supplier("ACMETOOLS", endpoint.url)
    requisition = ordered([(acme, "Torque wrench", "1", "10"), (None, "Something special", "1", "5")])
    requisition.refresh_from_db()
    assert requisition.status == RequisitionStatus.APPROVED
    assert requisition.purchase_orders.count() == 1
    assert "1 line without a supplier" in requisition.events.filter(data__purchase_orders=True).get().comment


def test_a_hold_rule_keeps_orders_with_a_buyer_until_issued(endpoint, django_capture_on_commit_callbacks):
    purchasing_rule_save(
        rule=PurchasingRule(
            name="Big orders to a buyer",
            position=2,
            effect=PurchasingRule.Effect.HOLD_FOR_BUYER,
            min_amount_minor=50000,
            message="Above 500 EUR a buyer checks the order first.",
        )
    )
    acme = cxml_supplier("ACMETOOLS", endpoint.url)
    with django_capture_on_commit_callbacks(execute=True):
        requisition = ordered([(acme, "Lathe", "1", "900")])
    order = requisition.purchase_orders.get()
    assert order.status == PurchaseOrder.Status.HELD and "500 EUR" in order.hold_reason
    assert endpoint.calls == 0 and not BudgetEntry.objects.filter(requisition=requisition, kind="commitment").exists()
    with pytest.raises(OrderError):
        purchase_order_issue(order=order, by=Employee.objects.get(user__username="alice"))
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_issue(order=order, by=frank())
    order.refresh_from_db()
    requisition.refresh_from_db()
    assert (order.status, requisition.status) == (PurchaseOrder.Status.SENT, RequisitionStatus.ORDERED)
    assert endpoint.orders() == {order.number}


def test_server_errors_are_retried_with_the_same_payload_id_and_4xx_is_not(
    endpoint, django_capture_on_commit_callbacks
):
    acme = cxml_supplier("ACMETOOLS", endpoint.url)
    order = ordered([(acme, "Torque wrench", "1", "10")]).purchase_orders.get()
    endpoint.failure_rate = 1.0  # down
    assert transmission_send(transmission_id=order.transmissions.get().pk) == "retry"
    transmission = order.transmissions.get()
    assert transmission.status == "retrying" and transmission.next_attempt_at is not None
    endpoint.failure_rate = 0.0
    assert transmission_send(transmission_id=transmission.pk) == "skipped"  # not before the retry's time
    Transmission.objects.filter(pk=transmission.pk).update(next_attempt_at=timezone.now())  # the time comes
    assert transmission_send(transmission_id=transmission.pk) == "sent"
    assert transmission_send(transmission_id=transmission.pk) == "skipped"  # never twice
    payloads = {payload for _, payload in endpoint.created}
    assert payloads == {transmission.revision.payload_id}

    refused = ordered([(cxml_supplier("PICKY", endpoint.url), "Bolt", "1", "1")]).purchase_orders.get()
    endpoint.refuse_with = 400
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert transmission_send(transmission_id=refused.transmissions.get().pk) == "failed"
    refused.refresh_from_db()
    assert refused.status == PurchaseOrder.Status.FAILED and refused.transmissions.get().attempts == 1
    # The entity's one buyer is told, once.
    assert [(m.subject, m.to) for m in mail.outbox] == [(f"{refused.number} was not sent", [frank().user.email])]
    endpoint.refuse_with = None
    transmission_resend(order=refused, by=frank())
    assert transmission_send(transmission_id=refused.transmissions.get().pk) == "sent"


def test_a_buyer_change_sends_an_update_and_a_full_cancel_a_delete(endpoint, django_capture_on_commit_callbacks):
    acme = cxml_supplier("ACMETOOLS", endpoint.url)
    with django_capture_on_commit_callbacks(execute=True):
        requisition = ordered([(acme, "Torque wrench", "4", "100"), (acme, "Drill", "1", "50")])
    order = requisition.purchase_orders.get()
    first = order.revisions.get().payload_id
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_change(order=order, by=frank(), changes=[LineChange(1, quantity=Decimal(2))], note="Fewer")
    order.refresh_from_db()
    assert (order.revision, order.total_minor) == (2, 25000)
    update = etree.fromstring(endpoint.documents[-1])
    header = update.find("Request/OrderRequest/OrderRequestHeader")
    assert (header.get("type"), header.find("DocumentReference").get("payloadID")) == ("update", first)
    assert dtd_errors(endpoint.documents[-1]) == []
    committed = sum(
        BudgetEntry.objects.filter(requisition=requisition, kind__in=["commitment", "commitment_release"]).values_list(
            "amount_minor", flat=True
        )
    )
    assert committed == 25000
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_change(
            order=order, by=frank(), changes=[LineChange(1, quantity=Decimal(0)), LineChange(2, quantity=Decimal(0))]
        )
    order.refresh_from_db()
    assert order.status == PurchaseOrder.Status.CANCELLED
    assert etree.fromstring(endpoint.documents[-1]).find(".//OrderRequestHeader").get("type") == "delete"
    assert all(line.status == PurchaseOrderLine.Status.CANCELLED for line in order.lines.all())


def test_the_api_lists_orders_of_a_requisition_with_their_transmissions(
    endpoint, api_client, organisation, django_capture_on_commit_callbacks
):
    from tests.factories import api_token

    acme = cxml_supplier("ACMETOOLS", endpoint.url)
    with django_capture_on_commit_callbacks(execute=True):
        requisition = ordered([(acme, "Torque wrench", "2", "120.00")])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(Employee.objects.get(user__username='alice').user)}")
    (order,) = api_client.get("/api/v1/purchase-orders/", {"requisition": requisition.pk}).json()["results"]
    assert order["supplier"] == "ACMETOOLS" and order["status"] == "sent"
    assert order["total"] == {"amount": "240.00", "currency": "EUR"}
    assert order["lines"][0]["quantity"] == "2"
    (sent,) = order["transmissions"]
    assert sent["status"] == "sent" and sent["attempts"] == 1 and sent["payload_id"]
    swede = __import__("tests.factories", fromlist=["EmployeeFactory"]).EmployeeFactory(
        legal_entities=[organisation.sweden]
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(swede.user)}")
    assert api_client.get("/api/v1/purchase-orders/").json()["results"] == []


def test_the_pages_show_the_order_its_sending_and_its_pdf(endpoint, client, django_capture_on_commit_callbacks):
    acme = cxml_supplier("ACMETOOLS", endpoint.url)
    with django_capture_on_commit_callbacks(execute=True):
        order = ordered([(acme, "Torque wrench", "2", "120.00")]).purchase_orders.get()
    client.force_login(frank().user)
    listing = client.get("/purchase-orders/").content.decode()
    assert order.number in listing
    page = client.get(f"/purchase-orders/{order.pk}/").content.decode()
    assert "Torque wrench" in page and order.revisions.get().payload_id in page and "Attempt 1" in page
    pdf = client.get(f"/purchase-orders/{order.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert order.number in "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages)


def test_raising_a_quantity_goes_through_approval_before_the_supplier_hears_of_it(
    endpoint, django_capture_on_commit_callbacks
):
    from approvals.models import ApprovalChain
    from orders.models import OrderChange
    from tests.approvals.helpers import decide

    PurchasingRule.objects.filter(effect=PurchasingRule.Effect.AUTO_APPROVE).update(max_amount_minor=20000)
    acme = cxml_supplier("ACMETOOLS", endpoint.url)
    with django_capture_on_commit_callbacks(execute=True):
        order = ordered([(acme, "Torque wrench", "1", "150")]).purchase_orders.get()  # auto-approved (≤ 200 EUR)
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_change(order=order, by=frank(), changes=[LineChange(1, quantity=Decimal(9))], note="Team of 9")
    change = OrderChange.objects.get()
    order.refresh_from_db()
    # The extra 8 x 150 EUR goes to alice's manager chain, as a requisition of hers would; nothing left yet.
    assert change.status == "pending" and order.revision == 1 and len(endpoint.documents) == 1
    assert change.requisition.requester.user.username == "alice" and change.requisition.total_minor == 120000
    assert change.requisition.lines.get().cost_centre_id == order.lines.get().cost_centre_id
    assert ApprovalChain.objects.filter(requisition=change.requisition).exists()
    with django_capture_on_commit_callbacks(execute=True):
        decide(change.requisition, "bob")
        decide(change.requisition, "carol")
    change.refresh_from_db()
    order.refresh_from_db()
    assert change.status == "applied" and order.revision == 2 and order.total_minor == 135000
    update = etree.fromstring(endpoint.documents[-1])
    assert update.find(".//OrderRequestHeader").get("type") == "update"
    assert update.find(".//ItemOut").get("quantity") == "9"
    commitments = BudgetEntry.objects.filter(
        kind__in=["commitment", "commitment_release"], requisition__in=[order.requisition, change.requisition]
    ).aggregate(total=Sum("amount_minor"))["total"]
    assert commitments == 135000


def test_the_budget_page_leads_to_the_orders_behind_a_commitment(endpoint, client, organisation):
    acme = cxml_supplier("ACMETOOLS", endpoint.url)
    order = ordered([(acme, "Torque wrench", "2", "120.00")]).purchase_orders.get()
    budget = organisation.budget  # the requester's cost centre's
    client.force_login(organisation.finance.user)
    page = client.get(f"/budgets/{budget.pk}/").content.decode()
    holds = page[page.index('id="budget-holds"') : page.index('id="budget-entries"')]
    assert f'href="/purchase-orders/{order.pk}/"' in holds and "240.00" in holds
    assert "Commitment (purchase order)" in page and order.number in page


def test_issuing_one_held_order_keeps_the_others_money_held(endpoint, django_capture_on_commit_callbacks):
    purchasing_rule_save(
        rule=PurchasingRule(name="All to a buyer", position=2, effect=PurchasingRule.Effect.HOLD_FOR_BUYER)
    )
    requisition = ordered(
        [(cxml_supplier("ONE", endpoint.url), "A", "1", "100"), (cxml_supplier("TWO", endpoint.url), "B", "1", "50")]
    )
    first, second = requisition.purchase_orders.order_by("supplier__code")

    def held() -> dict[str, int]:
        rows = (
            BudgetEntry.objects.filter(requisition=requisition).values_list("kind").annotate(total=Sum("amount_minor"))
        )
        totals = dict(rows)
        return {
            "pre": totals.get("precommitment", 0) + totals.get("release", 0),
            "committed": totals.get("commitment", 0),
        }

    assert held() == {"pre": 15000, "committed": 0}
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_issue(order=first, by=frank())
    assert held() == {"pre": 5000, "committed": 10000}  # the second order's 50 EUR stay held
    with django_capture_on_commit_callbacks(execute=True):
        purchase_order_issue(order=second, by=frank())
    assert held() == {"pre": 0, "committed": 15000}
    requisition.refresh_from_db()
    assert requisition.status == RequisitionStatus.ORDERED
