"""The requisition list as a download (CSV for machines, XLSX for people): one row per requisition, the API's keys.
`total` is in the requisition's currency at stored rates (empty while a line's currency has no stored rate)."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from procurement.exports import Column
from procurement.money import currency_digits

from .models import Requisition


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
