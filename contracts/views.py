"""Pages of contracts: the list of the user's entities' contracts, one with its burn-down and prices, and the
form buyers record them with."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from procurement.contract_ledger import contract_burn_down
from procurement.models import Contract, ContractLedgerEntry, Employee
from procurement.money import from_minor
from procurement.selectors import legal_entities_for_employee
from procurement.web import employee_required

from .errors import ContractInvalid, ContractNotFound
from .forms import ContractForm, price_lines_text
from .selectors import contract_of, contracts_visible, may_manage_contracts
from .services import contract_save

LIST_LIMIT = 500


@employee_required
def index(request: HttpRequest, employee: Employee) -> HttpResponse:
    """The contracts of the user's entities, newest ending last, filtered by supplier and status."""
    supplier = request.GET.get("supplier", "").strip()[:30]
    status = request.GET.get("status", "").strip()[:10]
    contracts = contracts_visible(employee=employee).order_by("valid_to", "number")
    if supplier:
        contracts = contracts.filter(supplier__code__iexact=supplier)
    if status in Contract.Status.values:
        contracts = contracts.filter(status=status)
    rows = [(contract, contract_burn_down(contract)) for contract in contracts[:LIST_LIMIT]]
    suppliers = (
        contracts_visible(employee=employee)
        .order_by("supplier__name")
        .values_list("supplier__code", "supplier__name")
        .distinct()
    )
    return render(
        request,
        "contracts/index.html",
        {
            "rows": rows,
            "supplier": supplier,
            "status": status,
            "statuses": Contract.Status.choices,
            "suppliers": list(suppliers),
            "may_manage": may_manage_contracts(employee),
        },
    )


@employee_required
def detail(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    contract = contract_of(employee=employee, pk=pk)
    prices = [
        (
            price,
            [(tier, from_minor(tier.unit_price_minor, price.currency)) for tier in price.tiers.all()],
        )
        for price in contract.prices.all()
    ]
    return render(
        request,
        "contracts/detail.html",
        {
            "contract": contract,
            "burn": contract_burn_down(contract),
            "prices": prices,
            "entries": ContractLedgerEntry.objects.filter(contract=contract).order_by("-created_at", "-pk")[:50],
            "may_manage": may_manage_contracts(employee, contract.legal_entity_id),
        },
    )


def _form_errors(form: ContractForm, error: ContractInvalid) -> None:
    for name, messages in error.errors.items():
        field = name.split(".", 1)[0]
        for message in messages:
            if field in form.fields:
                form.add_error(field, f"{name.split('.', 1)[1]}: {message}" if "." in name else message)
            else:
                form.add_error(None, message)


def _edit(request: HttpRequest, employee: Employee, contract: Contract | None) -> HttpResponse:
    if not may_manage_contracts(employee, contract.legal_entity_id if contract else None):
        return render(request, "403.html", {"message": _("Only buyers record contracts.")}, status=403)
    entities = legal_entities_for_employee(employee=employee)
    if request.method == "POST":
        form = ContractForm(request.POST, request.FILES, entities=entities)
        if form.is_valid():
            try:
                saved = contract_save(
                    by=employee,
                    spec=form.spec(),
                    contract=contract,
                    prices=form.cleaned_data["prices"],
                    attachment=form.cleaned_data.get("attachment"),
                )
            except ContractInvalid as error:
                _form_errors(form, error)
            else:
                return redirect("contracts:detail", pk=saved.pk)
        form.mark_invalid()
        status = 400
    else:
        initial: dict[str, Any] = {"legal_entity": request.org.legal_entity}  # type: ignore[attr-defined]
        if contract is not None:
            initial = {
                "number": contract.number,
                "title": contract.title,
                "kind": contract.kind,
                "status": contract.status,
                "supplier": contract.supplier,
                "legal_entity": contract.legal_entity,
                "valid_from": contract.valid_from.isoformat(),
                "valid_to": contract.valid_to.isoformat(),
                "currency": contract.currency,
                "cap": from_minor(contract.cap_minor, contract.currency) if contract.cap_minor else None,
                "minimum_order": from_minor(contract.minimum_order_minor, contract.currency),
                "payment_net_days": contract.payment_net_days,
                "early_discount_percent": contract.early_discount_percent,
                "early_discount_days": contract.early_discount_days,
                "prices": price_lines_text(contract),
                "notes": contract.notes,
            }
        form = ContractForm(initial=initial, entities=entities)
        status = 200
    return render(request, "contracts/form.html", {"form": form, "contract": contract}, status=status)


@employee_required
def create(request: HttpRequest, employee: Employee) -> HttpResponse:
    return _edit(request, employee, None)


@employee_required
def edit(request: HttpRequest, employee: Employee, pk: int) -> HttpResponse:
    return _edit(request, employee, contract_of(employee=employee, pk=pk))


@employee_required
def attachment(request: HttpRequest, employee: Employee, pk: int, attachment_pk: int) -> HttpResponse:
    """A contract's file, for the members of its entity only."""
    contract = contract_of(employee=employee, pk=pk)
    found = next((item for item in contract.attachments.all() if item.pk == attachment_pk), None)
    if found is None:
        raise ContractNotFound(_("There is no such file."))
    name = str(found.file.name).rsplit("/", 1)[-1]
    with found.file.open("rb") as handle:  # at most MAX_ATTACHMENT_BYTES
        content = handle.read()
    response = HttpResponse(content, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name)
    return response
