"""The supplier's side of a request for quotation: its quote page, its files and its cXML address, all public and
reached only by the invitation's signed link (no account). The answers are never cached nor passed on as a Referer."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from procurement.money import Money
from punchout.cxml.elements import Status
from punchout.cxml.envelope import build_response
from punchout.cxml.errors import status_text

from .cxml_quotes import quote_message_receive, quote_request_document
from .errors import LinkInvalid, RFQInvalid, SourcingError
from .links import invitation_for_link
from .models import LEAD_TIME_DAYS_MAX, Invitation, QuoteLine
from .rfq_input import date_read, decimal_read, whole_read
from .selectors import (
    due_text,
    quote_of_invitation,
    rfq_lines,
)
from .services import (
    QuoteLineInput,
    quote_submit,
)
from .views import attachment_download


@dataclass
class QuoteRow:
    line: Any
    price: str = ""
    lead_time: str = ""
    valid_until: str = ""
    alternative: str = ""
    comment: str = ""
    error: bool = False


def _quote_rows(invitation: Invitation) -> list[QuoteRow]:
    quote = quote_of_invitation(invitation=invitation)
    mine: dict[int, QuoteLine] = {line.rfq_line_id: line for line in quote.lines.all()} if quote else {}
    rows = []
    for line in rfq_lines(rfq=invitation.rfq):
        given = mine.get(line.pk)
        rows.append(
            QuoteRow(
                line=line,
                price=str(Money.from_minor(given.unit_price_minor, invitation.rfq.currency).amount) if given else "",
                lead_time=str(given.lead_time_days) if given else "",
                valid_until=given.valid_until.isoformat() if given else "",
                alternative=given.alternative_description if given else "",
                comment=given.comment if given else "",
            )
        )
    return rows


def _link_refused(request: HttpRequest, error: LinkInvalid) -> HttpResponse:
    return _private(render(request, "sourcing/link_refused.html", {"message": error.message}, status=error.status))


def _private(response: HttpResponse) -> HttpResponse:
    """A page reached by a bearer link: kept out of caches; the link is never sent to another site as a Referer."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"  # "no-referrer" would send Origin: null, which CSRF refuses
    return response


def quote_page(request: HttpRequest, token: str) -> HttpResponse:
    """The invited supplier's page: the request's lines and files, and its quote, revisable until the due date."""
    try:
        invitation = invitation_for_link(token)
    except LinkInvalid as error:
        return _link_refused(request, error)
    rfq = invitation.rfq
    rows = _quote_rows(invitation)
    quote = quote_of_invitation(invitation=invitation)
    note = quote.note if quote else ""
    problem, problem_field, status = "", "", 200
    if request.method == "POST":
        note = request.POST.get("note", "")[:5000]
        for row in rows:
            key = row.line.pk
            row.price = request.POST.get(f"price-{key}", "")[:40]
            row.lead_time = request.POST.get(f"lead_time-{key}", "")[:10]
            row.valid_until = request.POST.get(f"valid_until-{key}", "")[:20]
            row.alternative = request.POST.get(f"alternative-{key}", "")[:1000]
            row.comment = request.POST.get(f"comment-{key}", "")[:2000]
        try:
            lines = []
            for row in rows:
                label = _("Line %(number)s") % {"number": row.line.line_number}
                price = decimal_read(
                    row.price, label=_("%(label)s: the unit price") % {"label": label}, field=f"price-{row.line.pk}"
                )
                lines.append(
                    QuoteLineInput(
                        rfq_line=row.line.pk,
                        unit_price=price,
                        lead_time_days=whole_read(
                            row.lead_time,
                            label=_("%(label)s: the lead time") % {"label": label},
                            field=f"lead_time-{row.line.pk}",
                            low=0,
                            high=LEAD_TIME_DAYS_MAX,
                        ),
                        valid_until=date_read(
                            row.valid_until,
                            label=_("%(label)s: valid until") % {"label": label},
                            field=f"valid_until-{row.line.pk}",
                        ),
                        alternative_description=row.alternative,
                        comment=row.comment,
                    )
                )
            quote = quote_submit(invitation=invitation, lines=lines, note=note)
        except RFQInvalid as refused:
            problem, problem_field, status = refused.message, refused.field, 400
            for row in rows:
                row.error = problem_field.endswith(f"-{row.line.pk}")
        except SourcingError as refused:
            problem, status = refused.message, refused.status
        else:
            messages.success(
                request,
                _("Your quote is received (revision %(revision)s). You may change it until %(due)s.")
                % {"revision": quote.revision, "due": due_text(rfq)},
            )
            return _private(redirect("sourcing:quote", token))
    return _private(
        render(
            request,
            "sourcing/quote.html",
            {
                "rfq": rfq,
                "invitation": invitation,
                "rows": rows,
                "quote": quote,
                "note": note,
                "due": due_text(rfq),
                "token": token,
                "attachments": rfq.attachments.only("pk", "filename", "size", "rfq_id"),
                "error": problem,
                "error_field": problem_field,
                "today": timezone.localdate().isoformat(),
            },
            status=status,
        )
    )


def quote_attachment(request: HttpRequest, token: str, attachment_pk: int) -> HttpResponse:
    try:
        invitation = invitation_for_link(token)
    except LinkInvalid as error:
        return _link_refused(request, error)
    found = invitation.rfq.attachments.filter(pk=attachment_pk).first()
    if found is None:
        return render(request, "404.html", status=404)
    return _private(attachment_download(found))


# The same link, for a supplier's system: GET the QuoteRequest, POST the QuoteMessage (cXML, the link is the
# credential; no session, so no CSRF token).

CXML_CONTENT_TYPE = "text/xml; charset=utf-8"


def _cxml_answer(code: int, message: str) -> HttpResponse:
    status = Status(code=code, text=status_text(code), message=message, lang="en")
    return _private(HttpResponse(build_response(status), content_type=CXML_CONTENT_TYPE, status=code))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def quote_cxml(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitation_for_link(token)
    except LinkInvalid as error:
        return _cxml_answer(error.status, error.message)
    if request.method == "GET":
        return _private(HttpResponse(quote_request_document(invitation=invitation), content_type=CXML_CONTENT_TYPE))
    try:
        quote = quote_message_receive(invitation=invitation, data=request.body)
    except SourcingError as error:
        return _cxml_answer(error.status, error.message)
    return _cxml_answer(200, f"Quote received (revision {quote.revision}).")
