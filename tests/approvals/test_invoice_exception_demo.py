"""The demo's invoice with a price variance waits in erin's inbox, after the buyer and the requester accepted it."""

from io import StringIO

from django.core.management import call_command

from approvals.inbox import approval_inbox
from approvals.models import ApprovalChain
from procurement.models import Employee


def test_the_demo_invoice_with_a_price_variance_waits_for_erin(demo):
    erin = Employee.objects.select_related("user").get(user__username="erin")

    [item] = [item for item in approval_inbox(employee=erin) if item.invoice is not None]

    assert (item.invoice.number, item.invoice.supplier) == ("BT-2026-0412", "BUROTEC")
    assert item.invoice.reasons == (
        "line 1 (Precision balance 220 g / 0.1 mg): unit price 189.00 vs 180.00 ordered, +5 % over the 2 % tolerance",
    )
    assert item.step.name == "Invoice variances above 25.00 EUR go to finance"
    assert [(step.name, step.status) for step in item.earlier_steps] == [
        ("Buyer", "approved"),
        ("Requester: Alice Martin", "approved"),
    ]
    call_command("seed_demo", stdout=StringIO())  # made once
    assert ApprovalChain.objects.filter(invoice__number="BT-2026-0412").count() == 1
