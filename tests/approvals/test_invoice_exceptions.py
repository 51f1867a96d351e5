"""An invoice on hold with a price variance goes to an approval: a buyer, then the requester of the order, then
finance when an invoice-exception rule says so; each may accept the variance, ask for a credit note or reject the
invoice, in the inbox, the API or the e-mail."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals.errors import TaskNotYours
from approvals.flows import ApprovalFlow
from approvals.inbox import approval_inbox
from approvals.models import ApprovalChain, PurchasingRule, StepStatus
from approvals.routing import approvals_escalate
from approvals.selectors import invoice_approval_chain_for
from approvals.services import delegation_create, purchasing_rule_save
from invoices.exceptions import invoice_exception_route, invoice_exception_withdraw
from invoices.models import Invoice, InvoiceLine
from orders.models import PurchaseOrder
from p2p.submit_to_order import approval_decide, requisition_submit
from procurement.events import AuditEvent
from procurement.models import Employee, Role, Supplier
from procurement.money import Money
from requisitions.services import requisition_create, requisition_line_add_free_text
from tests.factories import EmployeeFactory, SupplierFactory

from .helpers import decide, person
from .test_inbox import api_as

pytestmark = pytest.mark.usefixtures("acme")

PRICE_REASON = "unit price 8.40 vs 8.00 ordered, +5 % over the 2 % tolerance"


def ordered(username: str = "alice") -> PurchaseOrder:
    """alice's 10 lab scales at 8.00 EUR from Burotec, approved by bob and ordered."""
    requester = person(username)
    supplier = SupplierFactory(
        code="BUROTEC",
        name="Burotec SARL",
        order_method=Supplier.OrderMethod.EMAIL,
        order_email="orders@burotec.example",
    )
    cart = requisition_create(by=requester, legal_entity=requester.default_legal_entity, title="Lab scales")
    requisition_line_add_free_text(
        requisition=cart,
        by=requester,
        description="Lab scale",
        quantity=Decimal(10),
        unit="EA",
        unit_price=Money(Decimal("8.00"), "EUR"),
        supplier=supplier,
    )
    requisition = requisition_submit(requisition=cart, by=requester)
    decide(requisition, "bob")
    return PurchaseOrder.objects.get(requisition=requisition)


def on_hold(order: PurchaseOrder, *, entered_by: Employee | None = None, number: str = "INV-840") -> Invoice:
    """The supplier billed 10 scales at 8.40 instead of 8.00: the line is an exception (as the match writes it)."""
    invoice = Invoice.objects.create(
        legal_entity=order.legal_entity,
        supplier=order.supplier,
        number=number,
        fiscal_year=timezone.localdate().year,
        invoice_date=timezone.localdate(),
        currency="EUR",
        net_minor=84_00,
        total_minor=84_00,
        status=Invoice.Status.EXCEPTION,
        source=Invoice.Source.TYPED if entered_by else Invoice.Source.CXML,
        created_by=entered_by.user if entered_by else None,
    )
    invoice.purchase_orders.add(order)
    InvoiceLine.objects.create(
        invoice=invoice,
        line_number=1,
        po_line=order.lines.get(),
        description="Lab scale",
        quantity=Decimal(10),
        unit="EA",
        unit_price_minor=8_40,
        net_minor=84_00,
        match=InvoiceLine.Match.EXCEPTION,
        reasons=[PRICE_REASON],
        variance_minor=4_00,
    )
    return invoice


def finance_above(amount_minor: int) -> PurchasingRule:
    return purchasing_rule_save(
        rule=PurchasingRule(
            name="Invoice variances go to finance",
            applies_to=PurchasingRule.AppliesTo.INVOICE_EXCEPTIONS,
            effect=PurchasingRule.Effect.ROLE,
            role=PurchasingRule.RoleChoice.FINANCE,
            min_amount_minor=amount_minor,
            currency="EUR",
            position=50,
        )
    )


def invoice_tasks(invoice: Invoice) -> dict[str, int]:
    tasks = Task.objects.filter(
        process__data__invoice=invoice.pk, flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED
    ).select_related("owner")
    return {task.owner.username: task.pk for task in tasks}


def decide_invoice(invoice: Invoice, username: str, decision: str = "approve", comment: str = "") -> object:
    return approval_decide(
        task_id=invoice_tasks(invoice)[username], by=person(username), decision=decision, comment=comment
    )


def stages(chain: ApprovalChain) -> list[tuple[str, str, list[str]]]:
    return [
        (step.name, step.status, [a.approver.user.username for a in step.approvers.order_by("pk")])
        for step in chain.steps.order_by("position")
    ]


def test_an_invoice_on_hold_goes_to_a_buyer_then_the_requester_then_finance_by_rule(
    django_capture_on_commit_callbacks,
):
    finance_above(3_00)  # the variance is 4.00 EUR
    invoice = on_hold(ordered())
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        chain = invoice_exception_route(invoice=invoice)

    assert chain is not None and chain.invoice_id == invoice.pk and chain.requisition_id is None
    assert stages(chain) == [
        ("Buyer", "pending", ["frank"]),
        ("Requester: Alice Martin", "pending", ["alice"]),
        ("Invoice variances go to finance", "pending", ["erin"]),
    ]
    assert invoice_tasks(invoice) == {"frank": invoice_tasks(invoice)["frank"]}
    [message] = mail.outbox
    assert message.to == ["frank@acme.example"]
    assert message.subject == "Invoice INV-840 from Burotec SARL (84.00\xa0EUR) is on hold"
    assert f"line 1 (Lab scale): {PRICE_REASON}" in message.body
    assert "differs from the order by 4.00\xa0EUR" in message.body


def test_below_the_rules_variance_finance_is_not_asked():
    finance_above(5_00)
    chain = invoice_exception_route(invoice=on_hold(ordered()))
    assert chain is not None
    assert [name for name, _, _ in stages(chain)] == ["Buyer", "Requester: Alice Martin"]


def test_the_buyer_and_the_requester_accept_the_variance_and_the_invoice_is_approved():
    invoice = on_hold(ordered())
    chain = invoice_exception_route(invoice=invoice)

    decide_invoice(invoice, "frank", comment="Price list changed in March")
    assert invoice_tasks(invoice) == {"alice": invoice_tasks(invoice)["alice"]}
    view = invoice_approval_chain_for(invoice_id=invoice.pk)
    assert view is not None and (view.status, view.total, view.currency) == ("pending", "84.00", "EUR")
    assert [(stage.name, stage.status, [a.comment for a in stage.approvers]) for stage in view.stages] == [
        ("Buyer", "approved", ["Price list changed in March"]),
        ("Requester: Alice Martin", "pending", [""]),
    ]
    decide_invoice(invoice, "alice")

    chain.refresh_from_db()
    invoice.refresh_from_db()
    assert chain.status == ApprovalChain.Status.APPROVED
    assert invoice.status == Invoice.Status.READY_TO_PAY
    assert invoice.decided_by == person("alice")
    decisions = AuditEvent.objects.filter(event_type="approvals.invoice.decision", object_id=str(invoice.pk))
    assert sorted((e.data["step"], e.data["decision"]) for e in decisions) == [
        ("Buyer", "approve"),
        ("Requester: Alice Martin", "approve"),
    ]


def test_asking_for_a_credit_note_ends_the_chain_and_says_so_on_the_invoice():
    invoice = on_hold(ordered())
    chain = invoice_exception_route(invoice=invoice)

    decide_invoice(invoice, "frank", "return", "Please send a credit note for 4.00")

    chain.refresh_from_db()
    invoice.refresh_from_db()
    assert chain.status == ApprovalChain.Status.RETURNED
    assert stages(chain)[1] == ("Requester: Alice Martin", "cancelled", ["alice"])
    assert invoice.status == Invoice.Status.EXCEPTION  # on hold until the credit note comes and re-matches it
    asked = AuditEvent.objects.get(event_type="invoices.invoice.credit_note_requested", object_id=str(invoice.pk))
    assert (asked.data["comment"], asked.data["by"]) == ("Please send a credit note for 4.00", "Frank Girard")
    assert invoice_tasks(invoice) == {}


def test_the_requester_rejects_the_invoice():
    invoice = on_hold(ordered())
    chain = invoice_exception_route(invoice=invoice)
    decide_invoice(invoice, "frank")

    decide_invoice(invoice, "alice", "reject", "We never agreed to 8.40")

    chain.refresh_from_db()
    invoice.refresh_from_db()
    assert chain.status == ApprovalChain.Status.REJECTED
    assert invoice.status == Invoice.Status.REJECTED


def test_a_rematch_withdraws_the_waiting_chain_and_its_tasks():
    invoice = on_hold(ordered())
    chain = invoice_exception_route(invoice=invoice)

    assert invoice_exception_withdraw(invoice=invoice, comment="Matched after the credit note") == 1

    chain.refresh_from_db()
    assert chain.status == ApprovalChain.Status.WITHDRAWN
    assert stages(chain)[0] == ("Buyer", "cancelled", ["frank"])
    assert invoice_tasks(invoice) == {}
    assert invoice_exception_withdraw(invoice=invoice, comment="again") == 0


def test_routing_the_same_exception_again_keeps_the_chain_and_a_changed_one_supersedes_it():
    invoice = on_hold(ordered())
    first = invoice_exception_route(invoice=invoice)
    assert invoice_exception_route(invoice=invoice) == first

    invoice.lines.update(reasons=["invoiced 12, received 10"], variance_minor=16_80)
    second = invoice_exception_route(invoice=invoice)

    first.refresh_from_db()
    assert second is not None and second.pk != first.pk
    assert first.status == ApprovalChain.Status.SUPERSEDED
    assert second.subject_summary["reasons"] == ["line 1 (Lab scale): invoiced 12, received 10"]
    assert list(invoice_tasks(invoice)) == ["frank"]


def test_the_buyer_who_typed_the_invoice_does_not_decide_it_their_manager_does():
    frank = person("frank")
    invoice = on_hold(ordered(), entered_by=frank)

    chain = invoice_exception_route(invoice=invoice)

    assert chain is not None
    assert stages(chain)[0] == ("Buyer", "pending", ["erin"])  # frank is the only buyer; erin is his manager
    assert chain.subject_summary["entered_by"] == "frank"


def test_another_buyer_decides_when_one_typed_it_and_the_typist_may_not_decide_even_by_delegation():
    EmployeeFactory(user__username="gina", legal_entities=[person("alice").default_legal_entity], roles=[Role.BUYER])
    invoice = on_hold(ordered(), entered_by=person("frank"))
    chain = invoice_exception_route(invoice=invoice)
    assert chain is not None
    assert stages(chain)[0] == ("Buyer", "pending", ["gina"])
    # Handed to frank anyway (an admin's mistake): he is refused.
    task = Task.objects.get(pk=invoice_tasks(invoice)["gina"])
    task.owner = person("frank").user
    task.save(update_fields=["owner"])
    with pytest.raises(TaskNotYours, match="Nobody decides on an invoice they entered"):
        approval_decide(task_id=task.pk, by=person("frank"), decision="approve")


def test_without_a_buyer_the_requester_decides_and_with_no_one_the_invoice_stays_unrouted_with_the_reason():
    Employee.objects.get(user__username="frank").roles.clear()
    order = ordered()

    chain = invoice_exception_route(invoice=on_hold(order))
    assert chain is not None
    assert [name for name, _, _ in stages(chain)] == ["Requester: Alice Martin"]

    unbacked = on_hold(order, number="INV-841")
    unbacked.purchase_orders.clear()
    unbacked.lines.update(po_line=None)
    assert invoice_exception_route(invoice=unbacked) is None
    event = AuditEvent.objects.get(event_type="invoices.exception.unrouted", object_id=str(unbacked.pk))
    assert event.data == {"problems": ["No one holds the buyer role for this legal entity."]}


def test_the_inbox_shows_the_invoice_task_with_its_reasons_and_the_three_actions(client, api_client):
    order = ordered()
    invoice = on_hold(order)
    invoice_exception_route(invoice=invoice)
    frank = person("frank")

    [item] = api_as(api_client, frank).get("/api/v1/approvals/inbox/?legal_entity=ACME-FR").json()["results"]
    assert item["subject"] == "invoice"
    assert item["requisition"] is None and item["requisition_detail"] is None
    assert item["budget_impact"] == [] and item["lines"] == []
    assert item["invoice"] == {
        "id": invoice.pk,
        "number": "INV-840",
        "legal_entity": "ACME-FR",
        "supplier": "BUROTEC",
        "supplier_name": "Burotec SARL",
        "total": {"amount": "84.00", "currency": "EUR"},
        "variance": {"amount": "4.00", "currency": "EUR"},
        "purchase_orders": [order.number],
        "requesters": ["Alice Martin"],
        "reasons": [f"line 1 (Lab scale): {PRICE_REASON}"],
        "lines": [{"line_number": 1, "description": "Lab scale", "reasons": [PRICE_REASON]}],
    }
    assert item["actions"] == [
        {"decision": "approve", "label": "Accept variance"},
        {"decision": "return", "label": "Ask for a credit note"},
        {"decision": "reject", "label": "Reject invoice"},
    ]
    assert item["step"]["name"] == "Buyer"

    client.force_login(frank.user)
    page = client.get("/approvals/").content.decode()
    assert f'data-invoice="{invoice.pk}"' in page
    assert PRICE_REASON in page
    for label in ("Accept variance", "Ask for a credit note", "Reject invoice"):
        assert f">{label}</button>" in page


def test_the_api_return_path_asks_for_a_credit_note_on_an_invoice_task(api_client):
    invoice = on_hold(ordered())
    invoice_exception_route(invoice=invoice)
    task = invoice_tasks(invoice)["frank"]
    client = api_as(api_client, "frank")

    refused = client.post(f"/api/v1/approvals/tasks/{task}/return/", {}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {
        "code": "comment_required",
        "message": "Say why: a comment is required to reject the invoice or ask for a credit note.",
    }
    done = client.post(f"/api/v1/approvals/tasks/{task}/return/", {"comment": "Credit 4.00 please"}, format="json")

    assert done.status_code == 200
    assert done.json() == {
        "decision": "return",
        "requisition": None,
        "requisition_status": None,
        "subject": "invoice",
        "invoice": invoice.pk,
        "invoice_status": "exception",
    }


def test_the_inbox_page_decision_says_what_was_done(client):
    invoice = on_hold(ordered())
    invoice_exception_route(invoice=invoice)
    frank = person("frank")
    client.force_login(frank.user)

    response = client.post(
        f"/approvals/tasks/{invoice_tasks(invoice)['frank']}/approve/", {"comment": "fine"}, follow=True
    )

    assert "Invoice INV-840 (Burotec SARL): variance accepted." in response.content.decode()
    step = ApprovalChain.objects.get(invoice=invoice).steps.get(position=1)
    assert step.status == StepStatus.APPROVED


def test_frank_accepts_the_variance_from_the_mail_link(client, django_capture_on_commit_callbacks):
    invoice = on_hold(ordered())
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invoice_exception_route(invoice=invoice)
    [to_frank] = mail.outbox
    link = re.search(r"http\S+/approvals/email/\S+/", to_frank.body).group(0)
    path = link[link.index("/approvals/") :]

    page = client.get(path).content.decode()
    assert f"<li>line 1 (Lab scale): {PRICE_REASON}</li>" in page
    assert ">Ask for a credit note</button>" in page

    done = client.post(path, {"decision": "approve", "comment": "ok"}).content.decode()

    assert "Invoice INV-840 (Burotec SARL) variance accepted" in done
    assert invoice_tasks(invoice) == {"alice": invoice_tasks(invoice)["alice"]}


def test_a_late_invoice_task_is_reminded_then_escalated_to_the_buyers_manager(django_capture_on_commit_callbacks):
    invoice = on_hold(ordered())
    invoice_exception_route(invoice=invoice)
    start = datetime(2026, 11, 16, 9, tzinfo=UTC)  # a Monday
    Task.objects.filter(pk=invoice_tasks(invoice)["frank"]).update(assigned=start, created=start)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert approvals_escalate(now=start + timedelta(hours=50)) == {"reminded": 1, "escalated": 0}
        assert approvals_escalate(now=start + timedelta(hours=73)) == {"reminded": 0, "escalated": 1}

    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["frank@acme.example"], "Reminder: Invoice INV-840 (Burotec SARL) waits for your decision"),
        (["erin@acme.example"], "Invoice INV-840 from Burotec SARL (84.00\xa0EUR) is on hold"),
    ]
    assert list(invoice_tasks(invoice)) == ["erin"]
    escalated = AuditEvent.objects.get(event_type="approvals.invoice.escalated", object_id=str(invoice.pk))
    assert (escalated.data["from"], escalated.data["to"]) == ("frank", "erin")


def test_an_admin_adds_an_invoice_exception_rule_that_names_people_only(admin_client):
    data = {
        "name": "Invoice variances above 100 EUR go to finance",
        "position": 60,
        "is_active": "on",
        "applies_to": "invoice_exceptions",
        "min_amount": "100.00",
        "currency": "EUR",
        "effect": "manager_chain",
        "role": "finance",
        "mode": "any",
        "required_count": 1,
        "sla_hours": 72,
        "line_source": "",
        "unspsc_prefix": "",
        "message": "",
        "versions-TOTAL_FORMS": 0,
        "versions-INITIAL_FORMS": 0,
        "versions-MIN_NUM_FORMS": 0,
        "versions-MAX_NUM_FORMS": 1000,
    }
    refused = admin_client.post("/admin/approvals/purchasingrule/add/", data)
    assert refused.status_code == 200
    assert "An invoice-exception rule adds people: a named approver, a group or a role." in refused.content.decode()

    saved = admin_client.post("/admin/approvals/purchasingrule/add/", {**data, "effect": "role"})

    assert saved.status_code == 302
    rule = PurchasingRule.objects.get(name=data["name"])
    assert (rule.applies_to, rule.min_amount_minor, rule.version) == ("invoice_exceptions", 100_00, 1)


def test_a_buyer_away_does_not_hand_the_invoice_to_the_colleague_who_typed_it():
    france = person("alice").default_legal_entity
    gina = EmployeeFactory(user__username="gina", legal_entities=[france], roles=[Role.BUYER])
    invoice = on_hold(ordered(), entered_by=person("frank"))
    invoice_exception_route(invoice=invoice)
    today = timezone.localdate()

    delegation_create(employee=gina, delegate=person("frank"), starts_on=today, ends_on=today)

    assert list(invoice_tasks(invoice)) == ["gina"]


def test_the_inbox_reads_invoice_tasks_in_the_same_number_of_queries_however_many():
    order = ordered()
    frank = person("frank")
    invoice_exception_route(invoice=on_hold(order, number="INV-1"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            items = approval_inbox(employee=frank)
        assert all(item.invoice is not None for item in items)
        return len(captured.captured_queries)

    one = queries()
    for number in ("INV-2", "INV-3", "INV-4"):
        invoice_exception_route(invoice=on_hold(order, number=number))
    assert queries() == one
