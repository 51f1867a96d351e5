"""Row locks of requests for quotation: every write locks the request first, so a quote saved at the due date
and the award that reads the quotes are decided one after the other."""

from django.db.models import QuerySet

from .models import RequestForQuotation


def rfqs_qs_select_for_update() -> QuerySet[RequestForQuotation]:
    return RequestForQuotation.objects.select_for_update(of=("self",)).order_by("pk")
