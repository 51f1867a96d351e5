"""Two receivers claim the same receipt line at the same moment: the order's row lock makes the second wait and
count the first, so together they never claim more than arrived."""

from decimal import Decimal

import pytest
from django.db import transaction

from claims.errors import ClaimInvalid
from claims.models import Claim
from claims.services import claim_raise
from tests.concurrency import run_concurrently
from tests.invoices.helpers import ordered

from .conftest import receive

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_claims_at_once_do_not_claim_more_than_arrived(world, warehouse):
    with transaction.atomic():  # the final approval's p2p step runs in the approver's transaction
        order = ordered(world, ("10", "2.00"))
    line = receive(order, warehouse, "10").lines.get()

    def claim_six(by):
        return claim_raise(receipt_line=line, kind="damaged", quantity=Decimal(6), comment="", photos=[], by=by)

    results = run_concurrently([lambda: claim_six(warehouse), lambda: claim_six(world.buyer)])

    assert sorted(type(result).__name__ for result in results) == ["Claim", "ClaimInvalid"]
    refused = next(result for result in results if isinstance(result, ClaimInvalid))
    assert refused.message == ("At most 4 can be claimed on line 1: what was received less what is claimed already.")
    assert list(Claim.objects.values_list("number", "quantity")) == [("CL-FR-TEST-000001", Decimal("6.000"))]
