"""Pages of requisitions: my requisitions, the cart, quick order import with progress, saved lists."""

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from procurement.errors import ProcurementError
from procurement.idempotency import once_per_form
from procurement.models import Address, CostCentre, Employee, Supplier
from procurement.money import Money, MoneyError
from procurement.selectors import catalog_items_visible
from procurement.views import safe_return_url

from .errors import RequisitionError, RequisitionNotFound
from .models import ImportJob, Requisition, RequisitionList
from .quick_order import QuickOrderFormatError, parse_text
from .selectors import (
    carts_of,
    cost_centres_chargeable,
    requisition_get,
    requisition_lines,
    requisition_lists_visible,
    requisition_status_counts,
    requisition_totals_by_currency,
    requisitions_visible,
)
from .services import (
    CatalogPick,
    SplitSpec,
    import_job_create,
    requisition_cancel,
    requisition_copy,
    requisition_create,
    requisition_create_from_list,
    requisition_line_add_free_text,
    requisition_line_splits_set,
    requisition_line_update,
    requisition_lines_add_from_catalog,
    requisition_lines_move,
    requisition_lines_remove,
    requisition_list_create,
    requisition_list_delete,
    requisition_merge,
    requisition_quick_add,
    requisition_submit,
    requisition_update,
    requisition_withdraw,
)

CART_SESSION_KEY = "cart:{entity}"
SYNC_PASTE_LINES = 1000


def employee_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in, with an employee profile and a legal entity; domain errors become messages, not 500s."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        org = request.org  # type: ignore[attr-defined]
        if org.employee is None or org.legal_entity is None:
            return render(request, "no_legal_entity.html", status=403)
        try:
            return view(request, org.employee, *args, **kwargs)
        except RequisitionNotFound as error:
            return render(request, "404.html", {"message": error.message}, status=404)
        except ProcurementError as error:
            messages.error(request, error.message)
            return redirect(safe_return_url(request, request.META.get("HTTP_REFERER"), reverse("requisitions:index")))

    return wrapper


def current_cart(request: HttpRequest, employee: Employee, *, create: bool = False) -> Requisition | None:
    """The cart the employee is filling for the chosen entity: the one picked last, else the newest."""
    entity = request.org.legal_entity  # type: ignore[attr-defined]
    key = CART_SESSION_KEY.format(entity=entity.code)
    carts = carts_of(employee=employee, legal_entity_id=entity.pk)
    chosen_id = request.session.get(key)
    chosen = carts.filter(pk=chosen_id).first() if isinstance(chosen_id, int) else None
    cart = chosen or carts.first()
    if cart is None and create:
        cart = requisition_create(by=employee, legal_entity=entity)
    if cart is not None:
        request.session[key] = cart.pk
    return cart


def choose_cart(request: HttpRequest, requisition: Requisition) -> None:
    if requisition.status == Requisition.Status.DRAFT:
        request.session[CART_SESSION_KEY.format(entity=requisition.legal_entity.code)] = requisition.pk


def decimal_or_none(value: str | None) -> Decimal | None:
    if value is None or not value.strip():
        return None
    try:
        return Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        raise RequisitionError(f"{value!r} is not a number.", code="invalid") from None


@employee_required
def index(request: HttpRequest, employee: Employee) -> HttpResponse:
    """My requisitions: every cart and requisition, filtered by status and entity."""
    requisitions = requisitions_visible(employee=employee).filter(requester=employee)
    entity_code = request.GET.get("entity", request.org.legal_entity.code)  # type: ignore[attr-defined]
    if entity_code != "all":
        requisitions = requisitions.filter(legal_entity__code=entity_code)
    counts = requisition_status_counts(requisitions=requisitions)
    status = request.GET.get("status", "")
    if status in Requisition.Status.values:
        requisitions = requisitions.filter(status=status)
    cart = current_cart(request, employee)
    return render(
        request,
        "requisitions/index.html",
        {
            "requisitions": requisitions.select_related("legal_entity").order_by("-updated_at", "-id")[:200],
            "counts": counts,
            "status": status,
            "entity_code": entity_code,
            "cart": cart,
        },
    )


@require_POST
@employee_required
def create(request: HttpRequest, employee: Employee) -> HttpResponse:
    cart = requisition_create(
        by=employee,
        legal_entity=request.org.legal_entity,  # type: ignore[attr-defined]
        title=request.POST.get("title", ""),
    )
    choose_cart(request, cart)
    messages.success(request, f"New cart {cart.number} — items you add now go here.")
    return redirect("requisitions:detail", pk=cart.pk)


@employee_required
def detail(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    """The cart page (editable while draft or returned) or the read-only requisition with its history."""
    requisition = requisition_get(employee=employee, pk=pk)
    if requisition.is_editable and requisition.requester_id == employee.pk:
        choose_cart(request, requisition)
    lines = list(requisition_lines(requisition=requisition))
    others = carts_of(employee=employee, legal_entity_id=requisition.legal_entity_id).exclude(pk=requisition.pk)
    return render(
        request,
        "requisitions/detail.html",
        {
            "requisition": requisition,
            "lines": lines,
            "totals": requisition_totals_by_currency(requisition=requisition),
            "editable": requisition.is_editable
            and employee.pk in (requisition.requester_id, requisition.on_behalf_of_id),
            "mine": employee.pk in (requisition.requester_id, requisition.on_behalf_of_id),
            "cost_centres": cost_centres_chargeable(
                employee=requisition.requester, legal_entity_id=requisition.legal_entity_id
            ),
            "addresses": Address.objects.filter(legal_entity=requisition.legal_entity, kind=Address.Kind.SHIP_TO),
            "other_carts": others,
            "events": requisition.events.select_related("actor").order_by("-created_at", "-id")[:200],
            "suppliers": Supplier.objects.filter(is_active=True).order_by("name"),
        },
    )


@require_POST
@once_per_form("Already done: the cart was not changed again.")
@employee_required
def update(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    """Save the cart: header fields, line quantities and cost centres, removals and moves, in one go."""
    requisition = requisition_get(employee=employee, pk=pk)
    post = request.POST
    action = post.get("action", "save")
    header: dict[str, Any] = {}
    if "title" in post:
        header["title"] = post["title"].strip()[:200] or requisition.title
        header["justification"] = post.get("justification", "")
        header["needed_by"] = parse_date(post.get("needed_by", "")) if post.get("needed_by") else None
        ship_to = post.get("ship_to")
        header["ship_to"] = (
            Address.objects.filter(pk=ship_to, legal_entity=requisition.legal_entity).first() if ship_to else None
        )
        requisition_update(requisition=requisition, by=employee, fields=header)
    lines = {line.pk: line for line in requisition.lines.select_related("cost_centre")}
    centres = {
        c.pk: c
        for c in cost_centres_chargeable(employee=requisition.requester, legal_entity_id=requisition.legal_entity_id)
    }
    selected = [int(value) for value in post.getlist("selected") if value.isdigit() and int(value) in lines]
    for line_id, line in lines.items():
        if line_id in selected and action in {"remove", "move"}:
            continue
        changes: dict[str, Any] = {}
        quantity = decimal_or_none(post.get(f"quantity-{line_id}"))
        if quantity is not None and quantity != line.quantity:
            changes["quantity"] = quantity
        centre_id = post.get(f"cost_centre-{line_id}", "")
        if centre_id.isdigit() and int(centre_id) != line.cost_centre_id and int(centre_id) in centres:
            changes["cost_centre"] = centres[int(centre_id)]
        if changes:
            requisition_line_update(line=line, by=employee, fields=changes)
    if action == "remove" and selected:
        count = requisition_lines_remove(requisition=requisition, by=employee, line_ids=selected)
        messages.success(request, f"Removed {count} line{'s' if count != 1 else ''}.")
    elif action == "move" and selected:
        target = requisition_get(employee=employee, pk=post.get("move_to", "0"))
        count = requisition_lines_move(source=requisition, target=target, by=employee, line_ids=selected)
        messages.success(request, f"Moved {count} line{'s' if count != 1 else ''} to {target.number}.")
    elif action == "submit":
        requisition.refresh_from_db()
        submitted = requisition_submit(requisition=requisition, by=employee)
        messages.success(request, f"{submitted.number} is {submitted.get_status_display().lower()}.")
    else:
        messages.success(request, "Saved.")
    return redirect("requisitions:detail", pk=requisition.pk)


@require_POST
@employee_required
def add_free_text(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    requisition = requisition_get(employee=employee, pk=pk)
    post = request.POST
    try:
        price = Money(
            Decimal(post.get("unit_price", "").replace(",", ".") or "0"), post.get("currency", requisition.currency)
        )
        _ = price.minor
    except (InvalidOperation, MoneyError):
        raise RequisitionError("Give the price as a number, e.g. 12.50.", code="invalid_price") from None
    supplier = Supplier.objects.filter(pk=post.get("supplier") or 0).first()
    centre = CostCentre.objects.filter(pk=post.get("cost_centre") or 0, legal_entity=requisition.legal_entity).first()
    requisition_line_add_free_text(
        requisition=requisition,
        by=employee,
        description=post.get("description", ""),
        quantity=decimal_or_none(post.get("quantity")) or Decimal(0),
        unit=post.get("unit", "EA")[:3] or "EA",
        unit_price=price,
        supplier=supplier,
        cost_centre=centre,
    )
    messages.success(request, "Free-text line added.")
    return redirect("requisitions:detail", pk=pk)


@require_POST
@employee_required
def split(request: HttpRequest, employee: Employee, pk: int, line_id: int) -> HttpResponse:
    """Charge one line to several cost centres by percentage (the split dialog)."""
    requisition = requisition_get(employee=employee, pk=pk)
    line = requisition.lines.filter(pk=line_id).first()
    if line is None:
        raise RequisitionNotFound(f"{requisition.number} has no line {line_id}.")
    centres = {
        str(c.pk): c
        for c in cost_centres_chargeable(employee=requisition.requester, legal_entity_id=requisition.legal_entity_id)
    }
    specs = []
    for centre_id, percent in zip(
        request.POST.getlist("split_cost_centre"), request.POST.getlist("split_percent"), strict=False
    ):
        amount = decimal_or_none(percent)
        if centre_id in centres and amount:
            specs.append(SplitSpec(cost_centre=centres[centre_id], percent=amount))
    requisition_line_splits_set(line=line, by=employee, splits=specs)
    messages.success(
        request,
        f"Line {line.line_number}: "
        + (", ".join(f"{s.cost_centre.code} {s.percent} %" for s in specs) if specs else "split removed."),
    )
    return redirect("requisitions:detail", pk=pk)


@require_POST
@employee_required
def action(request: HttpRequest, employee: Employee, pk: int, name: str) -> HttpResponse:
    """Withdraw, cancel, copy, merge, save as list."""
    requisition = requisition_get(employee=employee, pk=pk)
    comment = request.POST.get("comment", "")[:2000]
    if name == "withdraw":
        requisition_withdraw(requisition=requisition, by=employee, comment=comment)
        messages.success(request, f"{requisition.number} is withdrawn.")
    elif name == "cancel":
        requisition_cancel(requisition=requisition, by=employee, comment=comment)
        messages.success(request, f"{requisition.number} is cancelled.")
        return redirect("requisitions:index")
    elif name == "copy":
        copy = requisition_copy(requisition=requisition, by=employee)
        choose_cart(request, copy)
        messages.success(request, f"Copied into the new cart {copy.number}.")
        return redirect("requisitions:detail", pk=copy.pk)
    elif name == "merge":
        sources = [
            requisition_get(employee=employee, pk=value) for value in request.POST.getlist("carts") if value.isdigit()
        ]
        if not sources:
            raise RequisitionError("Tick the carts to merge into this one.", code="nothing_to_merge")
        requisition_merge(target=requisition, sources=sources, by=employee)
        messages.success(request, f"Merged {', '.join(s.number for s in sources)} into {requisition.number}.")
    elif name == "save-list":
        saved = requisition_list_create(
            requisition=requisition,
            by=employee,
            name=request.POST.get("name", ""),
            shared_with_org_unit=request.POST.get("shared") == "on",
        )
        messages.success(request, f"Saved as list “{saved.name}”.")
    return redirect("requisitions:detail", pk=requisition.pk)


@require_POST
@employee_required
def choose(request: HttpRequest, employee: Employee) -> HttpResponse:
    """Switch the cart that "Add to cart" fills."""
    value = request.POST.get("cart", "")
    cart = carts_of(employee=employee).filter(pk=value).first() if value.isdigit() else None
    if cart is None:
        raise RequisitionError("Pick one of your open carts.", code="not_a_cart")
    choose_cart(request, cart)
    messages.success(request, f"Items you add now go to {cart.number} “{cart.title}”.")
    return redirect(safe_return_url(request, request.POST.get("next"), reverse("catalog")))


@require_POST
@once_per_form("Already added: the cart was not changed again.")
@employee_required
def add_from_catalog(request: HttpRequest, employee: Employee) -> HttpResponse:
    """The catalog table's "Add to cart": every row with a quantity goes into the current cart at once."""
    entity = request.org.legal_entity  # type: ignore[attr-defined]
    wanted: dict[int, Decimal] = {}
    for key in request.POST:
        value = request.POST.get(key, "")
        if key.startswith("qty-") and key[4:].isdigit() and value.strip():
            quantity = decimal_or_none(value)
            if quantity is not None and quantity != 0:
                wanted[int(key[4:])] = quantity
    if not wanted:
        messages.error(request, "Enter a quantity next to the items you want.")
        return redirect(safe_return_url(request, request.POST.get("next"), reverse("catalog")))
    items = catalog_items_visible(legal_entity=entity, user=request.user).filter(pk__in=wanted)
    found = {item.pk: item for item in items.select_related("supplier")}
    cart = current_cart(request, employee, create=True)
    assert cart is not None
    requisition_lines_add_from_catalog(
        requisition=cart,
        by=employee,
        picks=[CatalogPick(item=found[pk], quantity=quantity) for pk, quantity in wanted.items() if pk in found],
    )
    missing = len(wanted) - len(found)
    messages.success(
        request,
        f"Added {len(found)} item{'s' if len(found) != 1 else ''} to {cart.number} "
        f"“{cart.title}”." + (f" {missing} could not be added." if missing else ""),
    )
    return redirect(safe_return_url(request, request.POST.get("next"), reverse("catalog")))


@employee_required
def import_page(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    """Paste `sku,qty` lines or upload CSV/XLSX; long work shows a progress bar."""
    requisition = requisition_get(employee=employee, pk=pk)
    context: dict[str, Any] = {"requisition": requisition, "jobs": requisition.import_jobs.all()[:5]}
    if request.method == "POST":
        upload = request.FILES.get("file")
        text = request.POST.get("text", "")
        if upload is not None:
            job = import_job_create(
                requisition=requisition, by=employee, filename=upload.name or "upload", content=upload.read()
            )
            return redirect("requisitions:import-job", job_id=job.pk)
        if text.count("\n") >= SYNC_PASTE_LINES:
            job = import_job_create(
                requisition=requisition, by=employee, filename="pasted.txt", content=text.encode("utf-8")
            )
            return redirect("requisitions:import-job", job_id=job.pk)
        try:
            result = requisition_quick_add(requisition=requisition, by=employee, parsed=parse_text(text))
        except QuickOrderFormatError as error:
            raise RequisitionError(str(error), code="invalid_quick_order") from error
        context |= {"result": result, "text": text}
    return render(request, "requisitions/import.html", context)


@employee_required
def import_job(request: HttpRequest, employee: Employee, job_id: int) -> HttpResponse:
    job = (
        ImportJob.objects.filter(pk=job_id, requisition__in=requisitions_visible(employee=employee))
        .select_related("requisition")
        .first()
    )
    if job is None:
        raise RequisitionNotFound(f"There is no import {job_id} that you may see.")
    template = "requisitions/_import_progress.html" if request.htmx else "requisitions/import_job.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": job, "requisition": job.requisition})


@employee_required
def lists(request: HttpRequest, employee: Employee) -> HttpResponse:
    entity = request.org.legal_entity  # type: ignore[attr-defined]
    return render(
        request,
        "requisitions/lists.html",
        {
            "lists": requisition_lists_visible(employee=employee, legal_entity_id=entity.pk).prefetch_related("items"),
        },
    )


@require_POST
@employee_required
def list_action(request: HttpRequest, employee: Employee, list_id: int, name: str) -> HttpResponse:
    saved: RequisitionList | None = requisition_lists_visible(employee=employee).filter(pk=list_id).first()
    if saved is None:
        raise RequisitionNotFound(f"There is no requisition list {list_id} that you may see.")
    if name == "delete":
        requisition_list_delete(requisition_list=saved, by=employee)
        messages.success(request, f"Deleted the list “{saved.name}”.")
        return redirect("requisitions:lists")
    cart, skipped = requisition_create_from_list(requisition_list=saved, by=employee)
    choose_cart(request, cart)
    messages.success(
        request,
        f"New cart {cart.number} from “{saved.name}” at today's prices."
        + (f" No longer available: {', '.join(skipped)}." if skipped else ""),
    )
    return redirect("requisitions:detail", pk=cart.pk)
