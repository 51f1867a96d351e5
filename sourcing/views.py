"""Sourcing pages: the requests of my entities, a request made or changed and sent, the supplier's quote page
(public, reached by its link: `supplier_views`), the comparison, the committee's scoring page and the award page.

Views read the form into the services' inputs (`rfq_input`) and call one service; a refused write shows the
page again with what was typed and the error at its field."""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from procurement.models import Employee
from procurement.money import decimal_text
from procurement.web import acting_legal_entity, employee_required

from .errors import NotAllowed, QuotesSealed, RFQInvalid, SourcingError
from .models import SCORE_MAX, Criterion, RequestForQuotation, RFQAttachment
from .rfq_input import decimal_read, due_read, id_read, weights_read, whole_read
from .selectors import (
    buyer_check,
    comparison,
    due_text,
    evaluation,
    evaluator_of,
    evaluators_selectable,
    invitations_of,
    is_buyer,
    quote_counts,
    requisition_lines_to_quote,
    requisitions_to_quote,
    rfq_get,
    rfq_lines,
    rfqs_visible,
    suppliers_invitable,
)
from .services import (
    AwardChoice,
    RFQLineInput,
    RFQSpec,
    rfq_attachment_add,
    rfq_award,
    rfq_cancel,
    rfq_create,
    rfq_send,
    rfq_update,
    scores_reveal,
    scores_submit,
)

FORM_LINES_EMPTY = 3  # empty line rows offered under the typed ones
FORM_LINES_MAX = 200


@employee_required
def index(request: HttpRequest, employee: Employee) -> HttpResponse:
    """Requests for quotation of the acting entity that I buy for, evaluate or asked for."""
    entity = acting_legal_entity(request)
    requests = (
        rfqs_visible(employee=employee)
        .filter(legal_entity=entity)
        .select_related("buyer__user", "requester__user")
        .order_by("-created_at", "-id")[:200]
    )
    may_create = is_buyer(employee=employee, legal_entity_id=entity.pk)
    return render(
        request,
        "sourcing/index.html",
        {
            "requests": requests,
            "may_create": may_create,
            "requisitions": requisitions_to_quote(employee=employee, legal_entity=entity) if may_create else [],
        },
    )


@dataclass
class LineRow:
    description: str = ""
    quantity: str = ""
    unit: str = "EA"
    specification: str = ""
    requisition_line: str = ""


@dataclass
class RFQForm:
    title: str = ""
    description: str = ""
    due_at: str = ""
    lines: list[LineRow] = field(default_factory=list)
    suppliers: set[int] = field(default_factory=set)
    evaluators: set[int] = field(default_factory=set)
    weights: dict[str, str] = field(default_factory=dict)
    requisition: str = ""
    error: str = ""
    error_field: str = ""


def _form_from_post(request: HttpRequest) -> RFQForm:
    post = request.POST
    form = RFQForm(
        title=post.get("title", "")[:500],
        description=post.get("description", "")[:5000],
        due_at=post.get("due_at", "")[:40],
        requisition=post.get("requisition", "")[:20],
        weights={criterion: post.get(f"weight-{criterion}", "")[:10] for criterion in Criterion.values},
    )
    count = min(_count(post.get("line_count")), FORM_LINES_MAX)
    for number in range(1, count + 1):
        row = LineRow(
            description=post.get(f"line-{number}-description", "")[:1000],
            quantity=post.get(f"line-{number}-quantity", "")[:40],
            unit=post.get(f"line-{number}-unit", "")[:10],
            specification=post.get(f"line-{number}-specification", "")[:5000],
            requisition_line=post.get(f"line-{number}-requisition_line", "")[:20],
        )
        form.lines.append(row)
    form.suppliers = {int(value) for value in post.getlist("suppliers")[:500] if value.isdigit() and len(value) < 18}
    form.evaluators = {int(value) for value in post.getlist("evaluators")[:500] if value.isdigit() and len(value) < 18}
    return form


def _count(value: Any) -> int:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 4 else 0


def _spec_from_form(form: RFQForm, *, employee: Employee) -> RFQSpec:
    lines = []
    typed = [row for row in form.lines if row.description.strip() or row.quantity.strip()]
    for number, row in enumerate(typed, 1):
        label = _("Line %(number)s: the quantity") % {"number": number}
        quantity = decimal_read(row.quantity, label=label, field=f"line-{number}-quantity")
        if quantity is None:
            raise RFQInvalid(
                _("Line %(number)s: give the quantity.") % {"number": number}, field=f"line-{number}-quantity"
            )
        lines.append(
            RFQLineInput(
                description=row.description,
                quantity=quantity,
                unit=row.unit,
                specification=row.specification,
                requisition_line_id=int(row.requisition_line) if row.requisition_line.isdigit() else None,
            )
        )
    requisition = None
    if form.requisition.isdigit():
        requisition, _lines = requisition_lines_to_quote(employee=employee, requisition_pk=form.requisition)
    return RFQSpec(
        title=form.title,
        description=form.description,
        due_at=due_read(form.due_at),
        lines=lines,
        supplier_ids=sorted(form.suppliers),
        evaluator_ids=sorted(form.evaluators),
        weights=weights_read(form.weights),
        requisition=requisition,
    )


def _form_page(
    request: HttpRequest, form: RFQForm, *, rfq: RequestForQuotation | None, entity_pk: int, status: int = 200
) -> HttpResponse:
    rows = [*form.lines, *(LineRow() for _ in range(FORM_LINES_EMPTY))][:FORM_LINES_MAX]
    return render(
        request,
        "sourcing/form.html",
        {
            "form": form,
            "rows": rows,
            "rfq": rfq,
            "suppliers": suppliers_invitable(),
            "people": evaluators_selectable(legal_entity_id=entity_pk),
            "criteria": [(criterion, form.weights.get(criterion.value, "")) for criterion in Criterion],
        },
        status=status,
    )


def _attach(request: HttpRequest, rfq: RequestForQuotation, employee: Employee) -> None:
    for upload in request.FILES.getlist("attachments")[:10]:
        if upload.size is not None and upload.size > 6 * 1024 * 1024:
            raise RFQInvalid(_("%(name)s is larger than 5 MB.") % {"name": upload.name}, field="attachments")
        rfq_attachment_add(
            rfq=rfq,
            by=employee,
            filename=upload.name or "",
            content_type=upload.content_type or "",
            content=upload.read(),
        )


@employee_required
def create(request: HttpRequest, employee: Employee) -> HttpResponse:
    """A new request from scratch, or (`?requisition=`) from a requisition's free-text and unpriced lines."""
    entity = acting_legal_entity(request)
    if not is_buyer(employee=employee, legal_entity_id=entity.pk):
        return render(
            request,
            "sourcing/forbidden.html",
            {"message": _("Only a buyer of %(code)s may ask suppliers for quotes.") % {"code": entity.code}},
            status=403,
        )
    if request.method == "POST":
        form = _form_from_post(request)
        try:
            with transaction.atomic():  # a refused file leaves no request behind
                rfq = rfq_create(by=employee, legal_entity=entity, spec=_spec_from_form(form, employee=employee))
                _attach(request, rfq, employee)
        except RFQInvalid as error:
            form.error, form.error_field = error.message, error.field
            return _form_page(request, form, rfq=None, entity_pk=entity.pk, status=400)
        messages.success(request, _("%(number)s is saved as a draft: check it and send it.") % {"number": rfq.number})
        return redirect("sourcing:detail", rfq.pk)
    default_due = timezone.localtime() + timedelta(days=7)
    form = RFQForm(
        due_at=default_due.replace(hour=17, minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M"),
        weights={"price": "40", "delivery": "20", "quality": "30", "terms": "10"},
    )
    source = request.GET.get("requisition", "")
    if source.isdigit() and len(source) < 18:
        requisition, lines = requisition_lines_to_quote(employee=employee, requisition_pk=source)
        form.requisition, form.title = str(requisition.pk), requisition.title
        form.lines = [
            LineRow(
                description=line.description,
                quantity=decimal_text(line.quantity),
                unit=line.unit,
                requisition_line=str(line.pk),
            )
            for line in lines
        ]
    return _form_page(request, form, rfq=None, entity_pk=entity.pk)


@employee_required
def edit(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    rfq = rfq_get(employee=employee, pk=pk)
    buyer_check(employee=employee, rfq=rfq)
    if rfq.status != RequestForQuotation.Status.DRAFT:
        messages.error(request, _("%(number)s has been sent: it can no longer be changed.") % {"number": rfq.number})
        return redirect("sourcing:detail", rfq.pk)
    if request.method == "POST":
        form = _form_from_post(request)
        try:
            with transaction.atomic():
                rfq_update(rfq=rfq, by=employee, spec=_spec_from_form(form, employee=employee))
                _attach(request, rfq, employee)
        except RFQInvalid as error:
            form.error, form.error_field = error.message, error.field
            return _form_page(request, form, rfq=rfq, entity_pk=rfq.legal_entity_id, status=400)
        messages.success(request, _("%(number)s is saved.") % {"number": rfq.number})
        return redirect("sourcing:detail", rfq.pk)
    form = RFQForm(
        title=rfq.title,
        description=rfq.description,
        due_at=timezone.localtime(rfq.due_at).strftime("%Y-%m-%dT%H:%M"),
        lines=[
            LineRow(
                description=line.description,
                quantity=decimal_text(line.quantity),
                unit=line.unit,
                specification=line.specification,
                requisition_line=str(line.requisition_line_id or ""),
            )
            for line in rfq_lines(rfq=rfq)
        ],
        suppliers=set(rfq.invitations.values_list("supplier_id", flat=True)),
        evaluators=set(rfq.evaluators.values_list("employee_id", flat=True)),
        weights={criterion: str(weight) for criterion, weight in rfq.weights.items()},
        requisition=str(rfq.requisition_id or ""),
    )
    return _form_page(request, form, rfq=rfq, entity_pk=rfq.legal_entity_id)


@employee_required
def detail(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    """The request: its lines, who is invited (and, before the due date, only whether they quoted), the committee."""
    rfq = rfq_get(employee=employee, pk=pk)
    quoted, invited = quote_counts(rfq=rfq)
    quoted_ids = set(rfq.quotes.values_list("invitation_id", flat=True))
    return render(
        request,
        "sourcing/detail.html",
        {
            "rfq": rfq,
            "lines": rfq_lines(rfq=rfq),
            "invitations": [(invitation, invitation.pk in quoted_ids) for invitation in invitations_of(rfq=rfq)],
            "evaluators": rfq.evaluators.select_related("employee__user"),
            "attachments": rfq.attachments.only("pk", "filename", "size", "rfq_id"),
            "quoted": quoted,
            "invited": invited,
            "due": due_text(rfq),
            "is_due": rfq.is_due(),
            "is_buyer": is_buyer(employee=employee, legal_entity_id=rfq.legal_entity_id),
            "is_evaluator": evaluator_of(employee=employee, rfq=rfq) is not None,
            "criteria": [(criterion, rfq.weights[criterion.value]) for criterion in Criterion],
        },
    )


def attachment_download(attachment: RFQAttachment) -> HttpResponse:
    response = HttpResponse(bytes(attachment.content), content_type="application/octet-stream")
    safe = "".join(char for char in attachment.filename if char.isalnum() or char in "._- ") or "attachment"
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@employee_required
def attachment(request: HttpRequest, employee: Employee, pk: int, attachment_pk: int) -> HttpResponse:
    rfq = rfq_get(employee=employee, pk=pk)
    found = rfq.attachments.filter(pk=attachment_pk).first()
    if found is None:
        return render(request, "404.html", status=404)
    return attachment_download(found)


@require_POST
@employee_required
def send(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    rfq = rfq_get(employee=employee, pk=pk)
    try:
        rfq_send(rfq=rfq, by=employee)
    except SourcingError as error:
        messages.error(request, error.message)
        return redirect("sourcing:detail", rfq.pk)
    messages.success(request, _("%(number)s is sent: each supplier got its link by e-mail.") % {"number": rfq.number})
    return redirect("sourcing:detail", rfq.pk)


@require_POST
@employee_required
def cancel(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    rfq = rfq_get(employee=employee, pk=pk)
    try:
        rfq_cancel(rfq=rfq, by=employee, reason=request.POST.get("reason", "")[:5000])
    except SourcingError as error:
        messages.error(request, error.message)
        return redirect("sourcing:detail", rfq.pk)
    messages.success(request, _("%(number)s is cancelled.") % {"number": rfq.number})
    return redirect("sourcing:detail", rfq.pk)


def _sealed(request: HttpRequest, rfq: RequestForQuotation, error: QuotesSealed) -> HttpResponse:
    return render(request, "sourcing/sealed.html", {"rfq": rfq, "message": error.message}, status=403)


@employee_required
def compare(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    """Lines × suppliers after the due date, the lowest price of each line marked."""
    rfq = rfq_get(employee=employee, pk=pk)
    try:
        table = comparison(rfq=rfq, employee=employee)
    except QuotesSealed as error:
        return _sealed(request, rfq, error)
    return render(
        request,
        "sourcing/compare.html",
        {"rfq": rfq, "table": table, "is_buyer": is_buyer(employee=employee, legal_entity_id=rfq.legal_entity_id)},
    )


@employee_required
def score(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    """An evaluator scores every quote 0–10 on each criterion, alone; everyone's scores and the weighted totals
    appear once all have scored or the buyer reveals them."""
    rfq = rfq_get(employee=employee, pk=pk)
    try:
        seen = evaluation(rfq=rfq, employee=employee)
    except QuotesSealed as error:
        return _sealed(request, rfq, error)
    me = evaluator_of(employee=employee, rfq=rfq)
    typed: dict[str, str] = {f"{quote}-{criterion}": str(value) for (quote, criterion), value in seen.mine.items()}
    problem, problem_field, status = "", "", 200
    if request.method == "POST":
        typed = {key[6:]: str(value)[:10] for key, value in request.POST.items() if key.startswith("score-")}
        try:
            scores: dict[tuple[int, str], int] = {}
            for key, value in typed.items():
                quote_text, _sep, criterion = key.partition("-")
                quote_id = id_read(quote_text, label=_("The quote"), field=f"score-{key}")
                number = whole_read(value, label=_("A score"), field=f"score-{key}", low=0, high=SCORE_MAX)
                if number is not None:
                    scores[(quote_id, criterion)] = number
            scores_submit(rfq=rfq, by=employee, scores=scores)
        except RFQInvalid as refused:
            problem, problem_field, status = refused.message, refused.field, 400
        except SourcingError as refused:
            messages.error(request, refused.message)
            return redirect("sourcing:score", rfq.pk)
        else:
            messages.success(request, _("Your scores are saved."))
            return redirect("sourcing:score", rfq.pk)
    quotes = [quote for quote in comparison(rfq=rfq, employee=employee).quotes]
    return render(
        request,
        "sourcing/score.html",
        {
            "rfq": rfq,
            "quotes": quotes,
            "criteria": [(criterion, rfq.weights[criterion.value]) for criterion in Criterion],
            "typed": typed,
            "me": me,
            "seen": seen,
            "error": problem,
            "error_field": problem_field,
            "is_buyer": is_buyer(employee=employee, legal_entity_id=rfq.legal_entity_id),
        },
        status=status,
    )


@require_POST
@employee_required
def reveal(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    rfq = rfq_get(employee=employee, pk=pk)
    try:
        scores_reveal(rfq=rfq, by=employee)
    except SourcingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The committee's scores are revealed."))
    return redirect("sourcing:score", rfq.pk)


@employee_required
def award(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    """The buyer picks a quote per line (lines may go to different suppliers) and says why."""
    rfq = rfq_get(employee=employee, pk=pk)
    try:
        buyer_check(employee=employee, rfq=rfq)
    except NotAllowed as refused:
        return render(request, "sourcing/forbidden.html", {"message": refused.message}, status=403)
    try:
        table = comparison(rfq=rfq, employee=employee)
    except QuotesSealed as error:
        return _sealed(request, rfq, error)
    chosen = {row.line.pk: str(row.awarded_quote_line_id or "") for row in table.rows}
    justification, problem, problem_field, status = rfq.award_justification, "", "", 200
    if request.method == "POST" and rfq.status == RequestForQuotation.Status.SENT:
        chosen = {row.line.pk: request.POST.get(f"award-{row.line.pk}", "")[:20] for row in table.rows}
        justification = request.POST.get("justification", "")[:5000]
        try:
            choices = [
                AwardChoice(rfq_line=line_pk, quote_line=id_read(value, label=_("The quote"), field=f"award-{line_pk}"))
                for line_pk, value in chosen.items()
                if value
            ]
            rfq_award(rfq=rfq, by=employee, choices=choices, justification=justification)
        except RFQInvalid as refused:
            problem, problem_field, status = refused.message, refused.field, 400
        except SourcingError as refused:
            messages.error(request, refused.message)
            return redirect("sourcing:award", rfq.pk)
        else:
            rfq.refresh_from_db()
            messages.success(
                request,
                _("%(number)s is awarded: the quoted lines are in %(requisition)s.")
                % {"number": rfq.number, "requisition": rfq.award_requisition.number if rfq.award_requisition else ""},
            )
            return redirect("sourcing:detail", rfq.pk)
    return render(
        request,
        "sourcing/award.html",
        {
            "rfq": rfq,
            "table": table,
            "chosen": {str(key): value for key, value in chosen.items()},
            "justification": justification,
            "error": problem,
            "error_field": problem_field,
        },
        status=status,
    )


# The supplier's quote page: no account, reached by the invitation's link only.
