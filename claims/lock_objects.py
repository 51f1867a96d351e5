"""Row locks of claims. A claim is locked after its order (orders.lock_objects): raising one holds the order while
it counts what is claimed already, and a credit-note answer matches the credit note against the order."""

from django.db.models import QuerySet

from .models import Claim


def claims_qs_select_for_update() -> QuerySet[Claim]:
    return Claim.objects.select_for_update(of=("self",)).order_by("pk")
