"""Claim pages: raise one on a goods receipt, a claim with its photos and history (a buyer closes it or sends the
supplier a new link), the list of claims with its filters and downloads."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from procurement.exports import list_export
from procurement.idempotency import once_per_form
from procurement.models import Employee, Supplier
from procurement.money import decimal_text
from procurement.web import acting_legal_entity, employee_required
from receiving.models import GoodsReceipt
from receiving.selectors import receipt_get

from .claim_input import decimal_read
from .errors import ClaimError, ClaimInvalid, ClaimNotAllowed, ClaimNotFound
from .exports import CLAIM_COLUMNS, claims_filtered
from .models import Claim
from .selectors import claim_get, claim_history, claimable_quantity, may_close, may_raise
from .services import claim_close, claim_link_renew, claim_raise
from .transitions import ANSWERABLE

LIST_PAGE_SIZE = 50


@dataclass
class RaiseForm:
    line: str = ""
    kind: str = ""
    quantity: str = ""
    comment: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    error: str = ""


def _line_choices(receipt: GoodsReceipt) -> list[dict[str, object]]:
    rows = []
    for line in receipt.lines.all():
        if line.po_line.receipt_by_amount:
            continue
        rows.append(
            {
                "line": line,
                "accepted": decimal_text(line.quantity),
                "claimable": decimal_text(claimable_quantity(receipt_line=line, kind=Claim.Kind.DAMAGED)),
                "missing": decimal_text(claimable_quantity(receipt_line=line, kind=Claim.Kind.SHORT)),
            }
        )
    return rows


def _raise_page(request: HttpRequest, receipt: GoodsReceipt, form: RaiseForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "claims/raise.html",
        {
            "receipt": receipt,
            "order": receipt.purchase_order,
            "rows": _line_choices(receipt),
            "form": form,
            "kinds": Claim.Kind.choices,
        },
        status=status,
    )


@once_per_form(gettext_lazy("Already raised: the claim was not raised a second time."))
@employee_required
def raise_claim(request: HttpRequest, employee: Employee, receipt_pk: int) -> HttpResponse:
    """Raise a claim on a line of a goods receipt: what is wrong, how many, a comment and photos."""
    receipt = receipt_get(employee=employee, pk=receipt_pk)
    if not may_raise(employee=employee, receipt=receipt):
        error = ClaimNotAllowed(_("You may not raise claims on %(number)s.") % {"number": receipt.number})
        return render(request, "receiving/forbidden.html", {"message": error.message}, status=error.status)
    form = RaiseForm(line=request.GET.get("line", "")[:20])
    if request.method != "POST":
        return _raise_page(request, receipt, form)
    form = RaiseForm(
        line=request.POST.get("line", "")[:20],
        kind=request.POST.get("kind", "")[:20],
        quantity=request.POST.get("quantity", "")[:40],
        comment=request.POST.get("comment", "")[:4000],
    )
    line = next((item for item in receipt.lines.all() if str(item.pk) == form.line), None)
    try:
        if line is None:
            raise ClaimInvalid(_("Choose the line the claim is about."), field="line")
        quantity = decimal_read(form.quantity, field="quantity", what=_("The quantity"))
        if quantity is None:
            raise ClaimInvalid(_("Enter the quantity claimed."), field="quantity")
        claim = claim_raise(
            receipt_line=line,
            kind=form.kind,
            quantity=quantity,
            comment=form.comment,
            photos=request.FILES.getlist("photos"),
            by=employee,
        )
    except ClaimInvalid as error:
        form.errors[error.field or "__all__"] = error.message
        form.error = error.message
        return _raise_page(request, receipt, form, status=400)
    except ClaimError as error:
        form.error = error.message
        return _raise_page(request, receipt, form, status=error.status)
    messages.success(request, _("%(number)s is raised: the supplier is told.") % {"number": claim.number})
    return redirect("claims:detail", pk=claim.pk)


def _detail(
    request: HttpRequest, employee: Employee, claim: Claim, *, error: str = "", comment: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "claims/detail.html",
        {
            "claim": claim,
            "po_line": claim.receipt_line.po_line,
            "history": [
                {
                    "event": event,
                    "was": _status_label(event.data.get("from")),
                    "becomes": _status_label(event.data.get("to")),
                }
                for event in claim_history(claim=claim)
            ],
            "closable": may_close(employee=employee, claim=claim)
            and claim.status in (Claim.Status.RESOLVED, Claim.Status.REJECTED),
            "renewable": may_close(employee=employee, claim=claim) and claim.status in ANSWERABLE,
            "error": error,
            "comment": comment,
        },
        status=status,
    )


def _status_label(value: object) -> str:
    return str(Claim.Status(value).label) if value in Claim.Status.values else ""


@employee_required
def detail(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    return _detail(request, employee, claim_get(employee=employee, pk=pk))


@employee_required
def photo(request: HttpRequest, employee: Employee, pk: int, photo_pk: int) -> HttpResponse:
    """A claim's photo, for those who may see the claim only; never cached by a shared cache."""
    claim = claim_get(employee=employee, pk=pk)
    found = next((item for item in claim.photos.all() if item.pk == photo_pk), None)
    if found is None:
        raise ClaimNotFound(_("There is no such photo."))
    with found.file.open("rb") as handle:  # at most ClaimPhoto.MAX_BYTES
        content = handle.read()
    response = HttpResponse(content, content_type=found.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@once_per_form(gettext_lazy("Already closed."))
@employee_required
def close(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    claim = claim_get(employee=employee, pk=pk)
    comment = request.POST.get("comment", "")[:1000]
    try:
        claim_close(claim=claim, by=employee, comment=comment)
    except ClaimError as error:
        return _detail(
            request,
            employee,
            claim_get(employee=employee, pk=pk),
            error=error.message,
            comment=comment,
            status=error.status,
        )
    messages.success(request, _("%(number)s is closed.") % {"number": claim.number})
    return redirect("claims:detail", pk=claim.pk)


@require_POST
@employee_required
def renew_link(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    claim = claim_get(employee=employee, pk=pk)
    try:
        claim_link_renew(claim=claim, by=employee)
    except ClaimError as error:
        return _detail(request, employee, claim, error=error.message, status=error.status)
    messages.success(request, _("A new link is sent to %(supplier)s.") % {"supplier": claim.supplier.name})
    return redirect("claims:detail", pk=claim.pk)


@employee_required
def index(request: HttpRequest, employee: Employee) -> HttpResponseBase:
    """The claims of the acting entity, with filters that stay in the URL, and their downloads."""
    entity = acting_legal_entity(request)
    params = {key: request.GET.get(key, "") for key in ("status", "kind", "supplier", "raised_from", "raised_to")}
    claims = claims_filtered(employee=employee, params=params).filter(legal_entity=entity)
    download = list_export(request, name="claims", columns=CLAIM_COLUMNS, rows=lambda: claims)
    if download is not None:
        return download
    page = Paginator(claims, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    suppliers = Supplier.objects.filter(claims__legal_entity=entity).distinct().order_by("name")
    return render(
        request,
        "claims/index.html",
        {
            "page": page,
            "params": params,
            "statuses": Claim.Status.choices,
            "kinds": Claim.Kind.choices,
            "suppliers": suppliers,
        },
    )
