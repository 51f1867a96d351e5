"""The supplier's side of a claim: a public page reached only by the claim's signed, single-use link (no account),
where the supplier acknowledges the claim and answers it. Never cached, never passed on as a Referer."""

from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from procurement.i18n import supplier_language
from procurement.money import decimal_text

from .claim_input import date_read, decimal_read
from .errors import ClaimError, ClaimInvalid, ClaimLinkInvalid
from .links import claim_for_link
from .models import Claim
from .services import ClaimAnswer, claim_acknowledge, claim_answer


@dataclass
class AnswerForm:
    answer: str = ""
    replacement_date: str = ""
    credit_amount: str = ""
    credit_number: str = ""
    reason: str = ""
    note: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    error: str = ""


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"  # "no-referrer" would send Origin: null, which CSRF refuses
    return response


def _page(request: HttpRequest, claim: Claim, form: AnswerForm, status: int = 200, done: bool = False) -> HttpResponse:
    return _private(
        render(
            request,
            "claims/answer.html",
            {
                "claim": claim,
                "po_line": claim.receipt_line.po_line,
                "quantity": decimal_text(claim.quantity),
                "form": form,
                "done": done,
                "answers": [choice for choice in Claim.Answer.choices if choice[0]],
                "today": timezone.localdate().isoformat(),
            },
            status=status,
        )
    )


def answer_page(request: HttpRequest, token: str) -> HttpResponse:
    """The supplier's page: the claim, a button to acknowledge it, and the answer (replacement by a date, credit
    note of at most the claimed value, or rejection with a reason). Opening it changes nothing."""
    try:
        claim = claim_for_link(token)
    except ClaimLinkInvalid as error:
        return _private(render(request, "claims/link_refused.html", {"message": error.message}, status=error.status))
    # The page speaks the supplier's language, like the e-mail that brought them here.
    translation.activate(supplier_language(claim.supplier, claim.legal_entity))
    form = AnswerForm()
    if request.method != "POST":
        return _page(request, claim, form)
    if request.POST.get("action") == "acknowledge":
        claim = claim_acknowledge(claim=claim)
        return _page(request, claim, form)
    form = AnswerForm(
        answer=request.POST.get("answer", "")[:20],
        replacement_date=request.POST.get("replacement_date", "")[:20],
        credit_amount=request.POST.get("credit_amount", "")[:40],
        credit_number=request.POST.get("credit_number", "")[:100],
        reason=request.POST.get("reason", "")[:2000],
        note=request.POST.get("note", "")[:4000],
    )
    try:
        given = ClaimAnswer(
            answer=form.answer,
            replacement_date=date_read(form.replacement_date, field="replacement_date", what=_("The replacement date"))
            if form.answer == Claim.Answer.REPLACEMENT
            else None,
            credit_amount=decimal_read(form.credit_amount, field="credit_amount", what=_("The credit"))
            if form.answer == Claim.Answer.CREDIT_NOTE
            else None,
            credit_number=form.credit_number,
            reason=form.reason,
            note=form.note,
        )
        claim = claim_answer(claim=claim, given=given)
    except ClaimInvalid as error:
        form.errors[error.field or "__all__"] = error.message
        form.error = error.message
        return _page(request, claim, form, status=400)
    except ClaimError as error:
        form.error = error.message
        return _page(request, claim, form, status=error.status)
    return _page(request, claim, AnswerForm(), done=True)
