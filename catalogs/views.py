"""Catalog pages: the uploads (status, progress), the upload form, an upload's diff with approve and reject."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from procurement.models import Employee, Supplier
from procurement.web import acting_legal_entity, employee_required

from .errors import CatalogError, CatalogUploadInvalid, SupplierLinkInvalid
from .formats import CSV_TEMPLATE
from .models import (
    CatalogUpload,
    CatalogUploadLine,
    line_old_price_text,
    line_price_change_text,
    line_price_text,
)
from .selectors import (
    LINE_FILTERS,
    catalog_upload_get,
    catalog_upload_lines,
    catalog_uploads_visible,
    employee_may_decide,
    employee_may_upload,
)
from .services import catalog_upload_check_again, catalog_upload_create, catalog_upload_publish, catalog_upload_reject
from .supplier_links import (
    link_max_age,
    supplier_upload_link_create,
    supplier_upload_link_load,
    supplier_upload_link_use,
)

LINES_PER_PAGE = 50


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "catalogs/forbidden.html",
        {"message": _("Only buyers and administrators see catalog uploads.")},
        status=403,
    )


@employee_required
def index(request: HttpRequest, employee: Employee) -> HttpResponse:
    """The uploads the employee may see, newest first; `?supplier=<id>` for one supplier's."""
    if not employee_may_upload(employee):
        return _forbidden(request)
    uploads = catalog_uploads_visible(employee=employee)
    supplier_id = request.GET.get("supplier", "")
    if supplier_id.isdigit() and len(supplier_id) < 19:
        uploads = uploads.filter(supplier_id=int(supplier_id))
    suppliers = Supplier.objects.filter(catalog_uploads__in=catalog_uploads_visible(employee=employee)).distinct()
    context = {
        "uploads": uploads[:100],
        "suppliers": suppliers,
        "supplier_id": supplier_id,
        "may_send_link": employee_may_decide(employee),
        "all_suppliers": Supplier.objects.filter(is_active=True).order_by("name"),
    }
    return render(request, "catalogs/index.html", context)


@require_POST
@employee_required
def supplier_link(request: HttpRequest, employee: Employee) -> HttpResponse:
    """A buyer makes an upload link for a supplier: the page shows it to copy into an e-mail."""
    raw = request.POST.get("supplier", "")
    supplier = Supplier.objects.filter(is_active=True, pk=int(raw)).first() if raw.isdigit() and len(raw) < 19 else None
    if supplier is None:
        messages.error(request, _("Choose a supplier."))
        return redirect("catalogs:index")
    url = supplier_upload_link_create(supplier=supplier, legal_entity=acting_legal_entity(request), by=employee)
    return render(
        request, "catalogs/supplier_link.html", {"supplier": supplier, "url": url, "days": link_max_age().days}
    )


def supplier_upload(request: HttpRequest, token: str) -> HttpResponse:
    """The supplier's upload page, reached by its link without an account: format and file."""
    try:
        link = supplier_upload_link_load(token)
    except SupplierLinkInvalid as error:
        return render(request, "catalogs/supplier_link_invalid.html", {"message": error.message}, status=404)
    values = {"file_format": request.POST.get("file_format", "csv")[:20]}
    errors: dict[str, str] = {}
    if request.method == "POST":
        file = request.FILES.get("file")
        if file is None:
            errors["file"] = _("Choose a file to upload.")
        else:
            try:
                supplier_upload_link_use(
                    token=token, file_format=values["file_format"], filename=file.name or "catalog", content=file.read()
                )
            except CatalogUploadInvalid as error:
                errors[error.field or "file"] = error.message
            except SupplierLinkInvalid as error:
                return render(request, "catalogs/supplier_link_invalid.html", {"message": error.message}, status=404)
            else:
                return render(request, "catalogs/supplier_uploaded.html", {"supplier": link.supplier})
    context = {
        "supplier": link.supplier,
        "entity": link.legal_entity,
        "expires_at": link.expires_at,
        "formats": CatalogUpload.Format.choices,
        "values": values,
        "errors": errors,
    }
    return render(request, "catalogs/supplier_upload.html", context, status=400 if errors else 200)


@employee_required
def upload(request: HttpRequest, employee: Employee) -> HttpResponse:
    """The upload form: supplier, format, file, and the optional default UNSPSC and flag threshold."""
    if not employee_may_upload(employee):
        return _forbidden(request)
    suppliers = Supplier.objects.filter(is_active=True).order_by("name")
    values: dict[str, Any] = {"file_format": "csv", "default_unspsc": "", "price_increase_flag_percent": ""}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip()[:40] for name in values}
        values["supplier"] = request.POST.get("supplier", "")
        supplier = (
            suppliers.filter(pk=int(values["supplier"])).first()
            if values["supplier"].isdigit() and len(values["supplier"]) < 19
            else None
        )
        file = request.FILES.get("file")
        if supplier is None:
            errors["supplier"] = _("Choose a supplier.")
        if file is None:
            errors["file"] = _("Choose a file to upload.")
        if not errors:
            assert supplier is not None and file is not None
            try:
                created = catalog_upload_create(
                    supplier=supplier,
                    by=employee,
                    legal_entity=acting_legal_entity(request),
                    file_format=values["file_format"],
                    filename=file.name or "catalog",
                    content=file.read(),
                    default_unspsc=values["default_unspsc"],
                    price_increase_flag_percent=values["price_increase_flag_percent"] or None,
                )
            except CatalogUploadInvalid as error:
                errors[error.field or "file"] = error.message
            else:
                return redirect("catalogs:detail", pk=created.pk)
        status = 400
    context = {
        "suppliers": suppliers,
        "formats": CatalogUpload.Format.choices,
        "values": values,
        "errors": errors,
    }
    return render(request, "catalogs/upload.html", context, status=status)


def template_csv(request: HttpRequest) -> HttpResponse:
    """The CSV template to fill in: the header and one example line."""
    response = HttpResponse(CSV_TEMPLATE.encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="catalog-template.csv"'
    return response


class LineRow:
    """A staged line as the diff table shows it."""

    def __init__(self, line: CatalogUploadLine) -> None:
        self.line = line
        self.price = line_price_text(line)
        self.old_price = line_old_price_text(line)
        self.change = line_price_change_text(line)


@employee_required
def detail(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    """The upload's progress, its counts per kind, its lines (filtered, paginated) and the decision buttons."""
    upload = catalog_upload_get(employee=employee, pk=pk)
    if getattr(request, "htmx", False) and request.GET.get("part") == "progress":
        return render(request, "catalogs/_progress.html", {"upload": upload})
    kind = request.GET.get("kind", "")
    kind = kind if kind in LINE_FILTERS else ""
    paginator = Paginator(catalog_upload_lines(upload=upload, kind=kind), LINES_PER_PAGE)
    page = paginator.get_page(request.GET.get("page", "1")[:9])
    filters = [
        ("", _("All"), upload.total_lines + upload.removed_count),
        ("new", _("New"), upload.new_count),
        ("changed", _("Changed"), upload.changed_count),
        ("removed", _("Removed"), upload.removed_count),
        ("flagged", _("Price increases flagged"), upload.flagged_count),
        ("errors", _("Errors"), upload.error_lines),
        ("unchanged", _("Unchanged"), upload.unchanged_count),
    ]
    context = {
        "upload": upload,
        "kind": kind,
        "filters": filters,
        "page": page,
        "rows": [LineRow(line) for line in page.object_list],
        "may_decide": employee_may_decide(employee) and upload.status == CatalogUpload.Status.VALIDATED,
    }
    return render(request, "catalogs/detail.html", context)


def _decide(request: HttpRequest, employee: Employee, pk: int, action: str) -> HttpResponse:
    upload = catalog_upload_get(employee=employee, pk=pk)
    comment = request.POST.get("comment", "")[:2000]
    try:
        if action == "publish":
            catalog_upload_publish(upload=upload, by=employee, comment=comment)
            messages.success(request, _("Approved: the catalog is being published."))
        elif action == "reject":
            catalog_upload_reject(upload=upload, by=employee, comment=comment)
            messages.success(request, _("Rejected: nothing of this upload was published."))
        else:
            catalog_upload_check_again(upload=upload, by=employee)
            messages.success(request, _("The upload is being checked again."))
    except CatalogError as error:
        messages.error(request, error.message)
    return redirect("catalogs:detail", pk=pk)


@require_POST
@employee_required
def publish(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    return _decide(request, employee, pk, "publish")


@require_POST
@employee_required
def reject(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    return _decide(request, employee, pk, "reject")


@require_POST
@employee_required
def check_again(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    return _decide(request, employee, pk, "check_again")
