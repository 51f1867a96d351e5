"""Reads of contracts: those a person may see (their entities'), with their burn-down, prices and tiers."""

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from procurement.contract_ledger import contracts_with_burn_down
from procurement.models import Contract, ContractPrice, ContractPriceTier, Employee, Role
from procurement.selectors import legal_entities_for_employee
from procurement.web import employee_has_role

from .errors import ContractNotFound


def contracts_visible(*, employee: Employee) -> QuerySet[Contract]:
    """The contracts of the entities the employee is a member of, with their ledger's sums."""
    return contracts_with_burn_down(
        Contract.objects.filter(legal_entity__in=legal_entities_for_employee(employee=employee)).select_related(
            "supplier", "legal_entity", "owner__user"
        )
    )


def contract_of(*, employee: Employee, pk: int) -> Contract:
    """One visible contract with its prices and their tiers; ContractNotFound otherwise (another entity's too)."""
    contract = (
        contracts_visible(employee=employee)
        .prefetch_related(
            Prefetch(
                "prices",
                ContractPrice.objects.select_related("item").order_by("item__sku"),
            ),
            Prefetch("prices__tiers", ContractPriceTier.objects.order_by("min_quantity")),
            "attachments",
        )
        .filter(pk=pk)
        .first()
    )
    if contract is None:
        raise ContractNotFound(_("There is no contract %(pk)s in your legal entities.") % {"pk": pk})
    return contract


def may_manage_contracts(employee: Employee, legal_entity_id: int | None = None) -> bool:
    """Buyers and administrators manage the contracts of the entities they are members of."""
    if not employee_has_role(employee, Role.BUYER, Role.ADMIN):
        return False
    if legal_entity_id is None or employee.user.is_superuser:
        return True
    return legal_entities_for_employee(employee=employee).filter(pk=legal_entity_id).exists()
