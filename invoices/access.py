"""Who takes in supplier invoices (upload, type): buyers, finance and admins who are members of the legal entity.
Who sees them is `invoices.selectors.invoices_visible`."""

from django.utils.translation import gettext as _

from procurement.models import Employee, LegalEntity, Role

from .errors import InvoiceNotAllowed

INTAKE_ROLES = (Role.BUYER, Role.FINANCE, Role.ADMIN)


def may_take_in(employee: Employee, entity: LegalEntity) -> bool:
    if employee.user.is_superuser:
        return True
    member = employee.legal_entities.filter(pk=entity.pk).exists()
    return member and employee.roles.filter(code__in=INTAKE_ROLES).exists()


def intake_role_check(employee: Employee) -> None:
    """Before anything is read: only buyers, finance and admins take invoices in (their entity is checked after)."""
    if not employee.user.is_superuser and not employee.roles.filter(code__in=INTAKE_ROLES).exists():
        raise InvoiceNotAllowed(_("Only a buyer or finance takes in supplier invoices."))


def intake_check(employee: Employee, entity: LegalEntity) -> None:
    """Only a member of the entity who is a buyer, finance or admin takes invoices in for it."""
    if not may_take_in(employee, entity):
        raise InvoiceNotAllowed(
            _("Only a buyer or finance of %(code)s may take in its invoices.") % {"code": entity.code}
        )
