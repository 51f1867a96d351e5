"""Who sees and who takes in supplier invoices: members of the invoice's legal entity see it; its buyers,
finance and admins take invoices in (upload, type)."""

from django.db.models import Prefetch, QuerySet

from procurement.models import Employee, LegalEntity, Role

from .errors import InvoiceNotAllowed
from .models import Invoice, InvoiceLine

INTAKE_ROLES = (Role.BUYER, Role.FINANCE, Role.ADMIN)


def invoices_visible(*, employee: Employee) -> QuerySet[Invoice]:
    """Invoices of the legal entities the employee belongs to (all for a superuser), ready to show."""
    invoices = Invoice.objects.select_related("supplier", "legal_entity", "corrects").prefetch_related(
        "purchase_orders",
        "attachments",
        Prefetch("lines", queryset=InvoiceLine.objects.select_related("po_line").order_by("line_number")),
    )
    if employee.user.is_superuser:
        return invoices
    return invoices.filter(legal_entity__in=employee.legal_entities.all())


def may_take_in(employee: Employee, entity: LegalEntity) -> bool:
    if employee.user.is_superuser:
        return True
    member = employee.legal_entities.filter(pk=entity.pk).exists()
    return member and employee.roles.filter(code__in=INTAKE_ROLES).exists()


def intake_role_check(employee: Employee) -> None:
    """Before anything is read: only buyers, finance and admins take invoices in (their entity is checked after)."""
    if not employee.user.is_superuser and not employee.roles.filter(code__in=INTAKE_ROLES).exists():
        raise InvoiceNotAllowed("Only a buyer or finance takes in supplier invoices.")


def intake_check(employee: Employee, entity: LegalEntity) -> None:
    """Only a member of the entity who is a buyer, finance or admin takes invoices in for it."""
    if not may_take_in(employee, entity):
        raise InvoiceNotAllowed(f"Only a buyer or finance of {entity.code} may take in its invoices.")
