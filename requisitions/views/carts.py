"""Pages of carts and their lines: my requisitions, a cart, its lines, free text, splits, add from the catalog."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from p2p.submit_to_order import requisition_submit
from procurement.exports import list_export
from procurement.idempotency import once_per_form
from procurement.models import Address, CostCentre, Employee, Supplier
from procurement.money import Money, decimal_text
from procurement.selectors import catalog_items_visible
from procurement.taxes import REVERSE_CHARGE_NOTE
from procurement.views import CATALOG_TYPED_KEY
from procurement.web import acting_legal_entity, employee_required, safe_return_url

from ..current_cart import choose_cart, current_cart
from ..error_codes import RequisitionErrorCode
from ..errors import RequisitionError, RequisitionNotFound
from ..exports import REQUISITION_COLUMNS, requisitions_for_export
from ..models import Requisition
from ..selectors import (
    carts_of,
    cost_centres_chargeable,
    minimum_order_shortfalls,
    requestable_for,
    requisition_get,
    requisition_lines,
    requisition_status_counts,
    requisition_taxes_by_currency,
    requisition_totals_by_currency,
    requisitions_listed,
)
from ..services import (
    CatalogPick,
    SplitSpec,
    catalog_quantity_check,
    requisition_create,
    requisition_line_add_free_text,
    requisition_line_splits_set,
    requisition_line_update,
    requisition_lines_add_from_catalog,
    requisition_lines_move,
    requisition_lines_remove,
    requisition_update,
)

CART_TYPED_KEY = "cart-typed:{pk}"


def decimal_or_none(value: str | None) -> Decimal | None:
    if value is None or not value.strip():
        return None
    try:
        return Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        raise RequisitionError(
            _("%(value)s is not a number.") % {"value": repr(value)}, code=RequisitionErrorCode.INVALID
        ) from None


@employee_required
def index(request: HttpRequest, employee: Employee) -> HttpResponseBase:
    """My requisitions: every cart and requisition, filtered by status and entity."""
    requisitions = requisitions_listed(employee=employee).filter(requester=employee)
    entity_code = request.GET.get("entity", acting_legal_entity(request).code)
    if entity_code != "all":
        requisitions = requisitions.filter(legal_entity__code=entity_code)
    counts = requisition_status_counts(requisitions=requisitions)
    status = request.GET.get("status", "")
    if status in Requisition.Status.values:
        requisitions = requisitions.filter(status=status)
    download = list_export(
        request,
        name="requisitions",
        columns=REQUISITION_COLUMNS,
        rows=lambda: requisitions_for_export(requisitions).order_by("-updated_at", "-id"),
    )
    if download is not None:
        return download
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
        legal_entity=acting_legal_entity(request),
        title=request.POST.get("title", ""),
    )
    choose_cart(request, cart)
    messages.success(request, _("New cart %(number)s — items you add now go here.") % {"number": cart.number})
    return redirect("requisitions:detail", pk=cart.pk)


@employee_required
def detail(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    """The cart page (editable while draft or returned) or the read-only requisition with its history."""
    requisition = requisition_get(employee=employee, pk=pk)
    if requisition.is_editable and requisition.requester_id == employee.pk:
        choose_cart(request, requisition)
    return render(request, "requisitions/detail.html", _detail_context(request, employee, requisition))


def _detail_context(request: HttpRequest, employee: Employee, requisition: Requisition, **extra: Any) -> dict[str, Any]:
    lines = list(requisition_lines(requisition=requisition))
    typed = request.session.pop(CART_TYPED_KEY.format(pk=requisition.pk), None) or {}
    for line in lines:
        line.typed_quantity = typed.get("quantities", {}).get(str(line.pk), line.quantity_text)  # type: ignore[attr-defined]
        line.quantity_error = typed.get("errors", {}).get(str(line.pk), "")  # type: ignore[attr-defined]
    others = carts_of(employee=employee, legal_entity_id=requisition.legal_entity_id).exclude(pk=requisition.pk)
    return {
        "requisition": requisition,
        "lines": lines,
        "totals": requisition_totals_by_currency(requisition=requisition),
        "taxes": [taxes for taxes in requisition_taxes_by_currency(requisition=requisition) if taxes.rows],
        "reverse_charge_note": REVERSE_CHARGE_NOTE,
        "editable": requisition.is_editable and employee.pk in (requisition.requester_id, requisition.on_behalf_of_id),
        "mine": employee.pk in (requisition.requester_id, requisition.on_behalf_of_id),
        "cost_centres": cost_centres_chargeable(
            employee=requisition.requester, legal_entity_id=requisition.legal_entity_id
        ),
        "addresses": Address.objects.filter(legal_entity=requisition.legal_entity, kind=Address.Kind.SHIP_TO),
        "other_carts": others,
        "events": requisition.events.select_related("actor").order_by("-created_at", "-id")[:200],
        "suppliers": Supplier.objects.filter(is_active=True).order_by("name"),
        "free_text": {"quantity": "1", "unit": "EA", "currency": requisition.currency},
        "requestable_for": requestable_for(employee=requisition.requester, legal_entity_id=requisition.legal_entity_id),
        "minimum_shortfalls": minimum_order_shortfalls(lines=lines) if requisition.is_editable else [],
        **extra,
    }


@require_POST
@once_per_form(gettext_lazy("Already done: the cart was not changed again."))
@employee_required
@transaction.atomic
def update(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    """Save the cart: header fields, line quantities and cost centres, removals and moves, in one go.

    One transaction: a refused value (a quantity outside the item's order unit) stores nothing of the form."""
    requisition = requisition_get(employee=employee, pk=pk)
    post = request.POST
    action = post.get("action", "save")
    header: dict[str, Any] = {}
    if "title" in post:
        header["title"] = post["title"].strip()[:200] or requisition.title
        header["justification"] = post.get("justification", "")
        if "supplier_note" in post:
            header["supplier_note"] = post["supplier_note"]
        header["needed_by"] = parse_date(post.get("needed_by", "")) if post.get("needed_by") else None
        ship_to = post.get("ship_to")
        header["ship_to"] = (
            Address.objects.filter(pk=ship_to, legal_entity=requisition.legal_entity).first() if ship_to else None
        )
        if "on_behalf_of" in post and employee.pk == requisition.requester_id:
            person_id = post.get("on_behalf_of", "")
            person = Employee.objects.filter(pk=person_id).first() if person_id.isdigit() else None
            if person_id and person is None:
                raise RequisitionError(
                    _("Pick a colleague from the list."), code=RequisitionErrorCode.INVALID_ON_BEHALF_OF
                )
            header["on_behalf_of"] = person
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
        note = post.get(f"supplier_note-{line_id}")
        if note is not None and note.strip() != line.supplier_note:
            changes["supplier_note"] = note
        if changes:
            try:
                requisition_line_update(line=line, by=employee, fields=changes)
            except RequisitionError as error:
                if error.code != RequisitionErrorCode.INVALID_QUANTITY:
                    raise
                # Nothing of the form is stored (one transaction); the cart shows what was typed, with the error.
                request.session[CART_TYPED_KEY.format(pk=requisition.pk)] = {
                    "quantities": {
                        str(pk): post.get(f"quantity-{pk}", "")[:20] for pk in lines if f"quantity-{pk}" in post
                    },
                    "errors": {str(line_id): error.message},
                }
                raise
    if action == "remove" and selected:
        count = requisition_lines_remove(requisition=requisition, by=employee, line_ids=selected)
        messages.success(
            request, ngettext("Removed %(count)s line.", "Removed %(count)s lines.", count) % {"count": count}
        )
    elif action == "move" and selected:
        target = requisition_get(employee=employee, pk=post.get("move_to", "0"))
        count = requisition_lines_move(source=requisition, target=target, by=employee, line_ids=selected)
        messages.success(
            request,
            ngettext("Moved %(count)s line to %(number)s.", "Moved %(count)s lines to %(number)s.", count)
            % {"count": count, "number": target.number},
        )
    elif action == "submit":
        requisition.refresh_from_db()
        submitted = requisition_submit(requisition=requisition, by=employee)
        messages.success(
            request,
            _("%(number)s is %(status)s.")
            % {"number": submitted.number, "status": submitted.get_status_display().lower()},
        )
    else:
        messages.success(request, _("Saved."))
    return redirect("requisitions:detail", pk=requisition.pk)


@require_POST
@employee_required
def add_free_text(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    """Add a free-text line; a refusal shows the cart again with what was typed and the error at its field."""
    requisition = requisition_get(employee=employee, pk=pk)
    post = request.POST
    typed = {name: post.get(name, "") for name in ("description", "quantity", "unit", "unit_price", "currency")}
    typed["supplier"], typed["cost_centre"] = post.get("supplier", ""), post.get("cost_centre", "")
    currency = typed["currency"].strip().upper() or requisition.currency
    try:
        try:
            price = Money(Decimal(typed["unit_price"].strip().replace(",", ".") or "0"), currency)
            if not price.amount.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise RequisitionError(
                _("Give the price as a number, e.g. 12.50."), code=RequisitionErrorCode.INVALID_PRICE
            ) from None
        supplier = Supplier.objects.filter(pk=post.get("supplier") or 0).first()
        centre = CostCentre.objects.filter(
            pk=post.get("cost_centre") or 0, legal_entity=requisition.legal_entity
        ).first()
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
    except RequisitionError as error:
        if error.code in ("not_requester", "not_editable") or not requisition.is_editable:
            raise
        field = FREE_TEXT_ERROR_FIELDS.get(error.code, "description")
        context = _detail_context(
            request, employee, requisition, free_text=typed, free_text_errors={field: error.message}
        )
        return render(request, "requisitions/detail.html", context, status=400)
    messages.success(request, _("Free-text line added."))
    return redirect("requisitions:detail", pk=pk)


FREE_TEXT_ERROR_FIELDS = {
    "invalid_price": "unit_price",
    "invalid_currency": "currency",
    "invalid_quantity": "quantity",
    "invalid_unit": "unit",
    "invalid_cost_centre": "cost_centre",
}


@require_POST
@employee_required
def split(request: HttpRequest, employee: Employee, pk: int, line_id: int) -> HttpResponse:
    """Charge one line to several cost centres by percentage (the split dialog)."""
    requisition = requisition_get(employee=employee, pk=pk)
    line = requisition.lines.filter(pk=line_id).first()
    if line is None:
        raise RequisitionNotFound(
            _("%(number)s has no line %(line_id)s.") % {"number": requisition.number, "line_id": line_id}
        )
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
        _("Line %(number)s: %(splits)s")
        % {
            "number": line.line_number,
            "splits": ", ".join(f"{s.cost_centre.code} {s.percent} %" for s in specs) if specs else _("split removed."),
        },
    )
    return redirect("requisitions:detail", pk=pk)


@require_POST
@employee_required
def choose(request: HttpRequest, employee: Employee) -> HttpResponse:
    """Switch the cart that "Add to cart" fills."""
    value = request.POST.get("cart", "")
    cart = carts_of(employee=employee).filter(pk=value).first() if value.isdigit() else None
    if cart is None:
        raise RequisitionError(_("Pick one of your open carts."), code=RequisitionErrorCode.NOT_A_CART)
    choose_cart(request, cart)
    messages.success(
        request, _("Items you add now go to %(number)s “%(title)s”.") % {"number": cart.number, "title": cart.title}
    )
    return redirect(safe_return_url(request, request.POST.get("next"), reverse("catalog")))


def quantity_typed(value: str) -> Decimal | None:
    try:
        quantity = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return quantity if quantity.is_finite() else None


@require_POST
@once_per_form(gettext_lazy("Already added: the cart was not changed again."))
@employee_required
def add_from_catalog(request: HttpRequest, employee: Employee) -> HttpResponse:
    """The catalog table's "Add to cart": every row with a quantity goes into the current cart at once.

    Each quantity follows its item's order unit (positive, whole multiples, at least the minimum). If one is
    refused, nothing is added: the catalog comes back with what was typed and the error next to the field.
    """
    entity = acting_legal_entity(request)
    back = safe_return_url(request, request.POST.get("next"), reverse("catalog"))
    typed: dict[int, str] = {}
    for key in request.POST:
        value = request.POST.get(key, "")
        if key.startswith("qty-") and key[4:].isdigit() and value.strip():
            typed[int(key[4:])] = value.strip()[:20]
    if not typed:
        messages.error(request, _("Enter a quantity next to the items you want."))
        return redirect(back)
    items = catalog_items_visible(legal_entity=entity, user=request.user).filter(pk__in=typed)
    found = {item.pk: item for item in items.select_related("supplier")}
    errors: dict[int, str] = {}
    picks: list[CatalogPick] = []
    for pk, value in typed.items():
        item = found.get(pk)
        quantity = quantity_typed(value)
        if item is None:
            errors[pk] = _("This item is not in your catalog.")
        elif quantity is None:
            errors[pk] = _("%(sku)s: %(value)s is not a number.") % {"sku": item.sku, "value": repr(value)}
        else:
            try:
                picks.append(CatalogPick(item=item, quantity=catalog_quantity_check(item=item, quantity=quantity)))
            except RequisitionError as error:
                errors[pk] = error.message
    if errors:
        request.session[CATALOG_TYPED_KEY] = {
            "typed": {str(pk): value for pk, value in typed.items()},
            "errors": {str(pk): message for pk, message in errors.items()},
        }
        count = len(errors)
        messages.error(
            request,
            ngettext(
                "Nothing was added: %(count)s quantity cannot be ordered.",
                "Nothing was added: %(count)s quantities cannot be ordered.",
                count,
            )
            % {"count": count}
            + " "
            + " ".join(errors.values()),
        )
        return redirect(back)
    cart = current_cart(request, employee, create=True)
    assert cart is not None
    requisition_lines_add_from_catalog(requisition=cart, by=employee, picks=picks)
    added = ", ".join(f"{decimal_text(pick.quantity)} {pick.item.unit} {pick.item.sku}" for pick in picks[:10])
    messages.success(
        request,
        ngettext(
            "Added %(count)s item to %(number)s “%(title)s”: %(added)s.",
            "Added %(count)s items to %(number)s “%(title)s”: %(added)s.",
            len(picks),
        )
        % {
            "count": len(picks),
            "number": cart.number,
            "title": cart.title,
            "added": added + (" …" if len(picks) > 10 else ""),
        },
    )
    return redirect(back)
