"""The requisition list as a download (CSV for machines, XLSX for people): one row per requisition, the API's keys.
`total` is in the requisition's currency at stored rates (empty while a line's currency has no stored rate)."""

from collections.abc import Mapping

from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from procurement.exports import Column
from procurement.models import Employee
from procurement.money import currency_digits
from procurement.selectors import legal_entity_for_user

from .error_codes import RequisitionErrorCode
from .errors import RequisitionError
from .models import Requisition
from .selectors import requisitions_listed


def _digits(requisition: Requisition) -> int:
    return currency_digits(requisition.currency)


REQUISITION_COLUMNS: list[Column[Requisition]] = [
    Column("id", _("Id"), lambda r: r.pk),
    Column("number", _("Requisition"), lambda r: r.number),
    Column("title", _("Title"), lambda r: r.title),
    Column("status", _("Status"), lambda r: r.status),
    Column("legal_entity", _("Legal entity"), lambda r: r.legal_entity.code),
    Column("requester", _("Requester"), lambda r: r.requester.user.username),
    Column("on_behalf_of", _("On behalf of"), lambda r: r.on_behalf_of.user.username if r.on_behalf_of else None),
    Column("currency", _("Currency"), lambda r: r.currency),
    Column("total", _("Total"), lambda r: r.total.amount if r.total is not None else None, money=True, digits=_digits),
    Column("line_count", _("Lines"), lambda r: r.line_count),
    Column("needed_by", _("Needed by"), lambda r: r.needed_by),
    Column("created_at", _("Created"), lambda r: r.created_at),
    Column("submitted_at", _("Submitted"), lambda r: r.submitted_at),
    Column("updated_at", _("Updated"), lambda r: r.updated_at),
]


def requisitions_for_export(requisitions: QuerySet[Requisition]) -> QuerySet[Requisition]:
    """What the columns read: the entity and the people, in one query per chunk."""
    return requisitions.select_related("legal_entity", "requester__user", "on_behalf_of__user")


def requisitions_filtered(*, employee: Employee, params: Mapping[str, str]) -> QuerySet[Requisition]:
    """The requisitions the API list (and a scheduled report) selects: `status` (one or several, comma-separated),
    `legal_entity`, `mine`. An unknown status or entity raises an error naming it."""
    requisitions = requisitions_listed(employee=employee)
    status_filter = params.get("status")
    if status_filter:
        statuses = [value.strip() for value in status_filter.split(",")]
        unknown = [value for value in statuses if value not in Requisition.Status.values]
        if unknown:
            raise RequisitionError(
                gettext("Unknown status %(unknown)s; use one of %(values)s.")
                % {"unknown": ", ".join(unknown), "values": ", ".join(Requisition.Status.values)},
                code=RequisitionErrorCode.INVALID,
            )
        requisitions = requisitions.filter(status__in=statuses)
    entity_code = params.get("legal_entity")
    if entity_code:
        requisitions = requisitions.filter(legal_entity=legal_entity_for_user(user=employee.user, code=entity_code))
    if params.get("mine") in {"1", "true", "yes"}:
        requisitions = requisitions.filter(requester=employee)
    return requisitions
