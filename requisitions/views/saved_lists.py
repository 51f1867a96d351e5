"""Pages of saved requisition lists: see, edit, delete, and start a cart from one."""

from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from procurement.models import Employee
from procurement.web import acting_legal_entity, employee_required

from ..current_cart import choose_cart
from ..errors import RequisitionError, RequisitionNotFound
from ..models import RequisitionList
from ..selectors import requisition_lists_visible
from ..services import (
    list_item_quantity_check,
    requisition_create_from_list,
    requisition_list_delete,
    requisition_list_update,
)
from .carts import quantity_typed


@employee_required
def lists(request: HttpRequest, employee: Employee) -> HttpResponse:
    entity = acting_legal_entity(request)
    return render(
        request,
        "requisitions/lists.html",
        {
            "lists": requisition_lists_visible(employee=employee, legal_entity_id=entity.pk).prefetch_related("items"),
        },
    )


@employee_required
def list_edit(request: HttpRequest, employee: Employee, list_id: int) -> HttpResponse:
    """Edit a saved list: its name, each item's quantity (by the item's order unit), and remove items.

    A refused value keeps everything typed, shows the error next to its field and stores nothing."""
    saved: RequisitionList | None = requisition_lists_visible(employee=employee).filter(pk=list_id).first()
    if saved is None or saved.owner_id != employee.pk:
        raise RequisitionNotFound(
            _("There is no requisition list %(list_id)s that you may change.") % {"list_id": list_id}
        )
    entries = list(saved.items.select_related("catalog_item", "supplier").order_by("position"))
    typed_name = saved.name
    typed: dict[int, str] = {entry.pk: entry.quantity_text for entry in entries}
    removing: set[int] = set()
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        post = request.POST
        typed_name = post.get("name", "")[:200]
        removing = {int(v) for v in post.getlist("remove") if v.isdigit()}
        quantities: dict[int, Decimal] = {}
        for entry in entries:
            value = post.get(f"quantity-{entry.pk}", "").strip()[:20]
            typed[entry.pk] = value
            if entry.pk in removing:
                continue
            quantity = quantity_typed(value) if value else None
            if quantity is None:
                errors[str(entry.pk)] = _("%(value)s: give the quantity as a number.") % {
                    "value": entry.sku or entry.description
                }
            else:
                quantities[entry.pk] = quantity
        if not typed_name.strip():
            errors["name"] = _("Give the list a name.")
        if not errors:
            for pk, quantity in quantities.items():  # one message per item, next to its field
                entry = next(e for e in entries if e.pk == pk)
                if quantity != entry.quantity:
                    try:
                        list_item_quantity_check(entry=entry, quantity=quantity)
                    except RequisitionError as error:
                        errors[str(pk)] = error.message
        if not errors:
            try:
                requisition_list_update(
                    requisition_list=saved,
                    by=employee,
                    name=typed_name,
                    quantities=quantities,
                    remove=removing,
                )
            except RequisitionError as error:
                errors["form"] = error.message
            else:
                messages.success(request, _("Saved the list “%(typed_name)s”.") % {"typed_name": typed_name.strip()})
                return redirect("requisitions:lists")
        status = 400
    rows = [(entry, typed.get(entry.pk, ""), errors.get(str(entry.pk), ""), entry.pk in removing) for entry in entries]
    return render(
        request,
        "requisitions/list_edit.html",
        {"saved": saved, "name": typed_name, "rows": rows, "errors": errors},
        status=status,
    )


@require_POST
@employee_required
def list_action(request: HttpRequest, employee: Employee, list_id: int, name: str) -> HttpResponse:
    saved: RequisitionList | None = requisition_lists_visible(employee=employee).filter(pk=list_id).first()
    if saved is None:
        raise RequisitionNotFound(
            _("There is no requisition list %(list_id)s that you may see.") % {"list_id": list_id}
        )
    if name == "delete":
        requisition_list_delete(requisition_list=saved, by=employee)
        messages.success(request, _("Deleted the list “%(name)s”.") % {"name": saved.name})
        return redirect("requisitions:lists")
    cart, skipped = requisition_create_from_list(requisition_list=saved, by=employee)
    choose_cart(request, cart)
    messages.success(
        request,
        _("New cart %(number)s from “%(name)s” at today's prices.") % {"number": cart.number, "name": saved.name}
        + (" " + _("No longer available: %(skus)s.") % {"skus": ", ".join(skipped)} if skipped else ""),
    )
    return redirect("requisitions:detail", pk=cart.pk)
