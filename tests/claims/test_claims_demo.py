"""The demo has a claim: wendy's on one of alice's lab trolleys, acknowledged by the supplier; loaded twice, it is
still one claim."""

from io import StringIO

from django.core.management import call_command

from claims.models import Claim
from notifications.models import Kind, Notification


def test_the_demo_has_one_acknowledged_claim_on_the_lab_trolleys_and_loads_twice(demo):
    call_command("seed_demo", stdout=StringIO())  # loaded again: nothing is claimed twice

    claim = Claim.objects.get()
    assert (claim.status, claim.kind, claim.quantity, claim.raised_by.user.username) == (
        "acknowledged",
        "damaged",
        1,
        "wendy",
    )
    assert claim.receipt.purchase_order.requisition.title == "Lab trolleys"
    assert claim.value_minor == 145_00 and claim.currency == "EUR"
    told = Notification.objects.filter(kind=Kind.CLAIM_ANSWERED).values_list("recipient__username", flat=True)
    assert sorted(told) == ["frank", "wendy"]
