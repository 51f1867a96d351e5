"""Scheduled reports: saved with every field checked, and sent once a week as their owner would download them."""

import datetime
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from procurement.errors import ProcurementError
from procurement.exports import CSV_TYPE, XLSX_TYPE, csv_lines, export_filename, in_chunks, xlsx_file
from procurement.models import Employee, LegalEntity

from .error_codes import AnalyticsErrorCode
from .models import ScheduledReport
from .reports import REPORT_LISTS

logger = logging.getLogger(__name__)
MAX_RECIPIENTS = 20


class ReportInvalid(ProcurementError):
    """A report that cannot be saved: `errors` by field, for the form and the API."""

    code = AnalyticsErrorCode.INVALID_REPORT

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class ReportInput:
    """What a person typed: every field as text, as the form and the API give it."""

    name: str = ""
    report: str = ""
    query: str = ""
    file_format: str = "xlsx"
    recipients: str = ""
    weekday: str = "0"


def _recipients(text: str, errors: dict[str, str]) -> list[str]:
    addresses: list[str] = []
    for address in text.replace(";", ",").replace("\n", ",").split(","):
        address = address.strip()
        if not address or address.lower() in (a.lower() for a in addresses):
            continue
        try:
            validate_email(address)
        except ValidationError:
            errors["recipients"] = _("%(address)s is not an e-mail address.") % {"address": address[:100]}
            return []
        addresses.append(address)
    if not addresses and "recipients" not in errors:
        errors["recipients"] = _("Give at least one e-mail address.")
    if len(addresses) > MAX_RECIPIENTS:
        errors["recipients"] = _("At most %(count)s addresses.") % {"count": MAX_RECIPIENTS}
    return addresses


def scheduled_report_create(*, owner: Employee, legal_entity: LegalEntity, data: ReportInput) -> ScheduledReport:
    """Save a weekly report after checking each field, its filters by building the list once as `owner`."""
    errors: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = _("Give the report a name.")
    elif len(name) > 200:
        errors["name"] = _("At most 200 characters.")
    if data.report not in REPORT_LISTS:
        errors["report"] = _("Choose one of the lists.")
    if data.file_format not in ("csv", "xlsx"):
        errors["file_format"] = _("Choose CSV or XLSX.")
    weekday = int(data.weekday) if data.weekday.strip().isdigit() and len(data.weekday.strip()) == 1 else -1
    if not 0 <= weekday <= 6:
        errors["weekday"] = _("Choose a day of the week.")
    query = data.query.strip().lstrip("?")
    if len(query) > 500:
        errors["query"] = _("At most 500 characters.")
    elif data.report in REPORT_LISTS:
        params = QueryDict(query).dict()
        params.pop("export", None)
        try:
            REPORT_LISTS[data.report].rows(owner, params)
        except ProcurementError as error:
            errors["query"] = error.message
        kept = QueryDict(query, mutable=True)
        kept.pop("export", None)
        query = kept.urlencode()
    recipients = _recipients(data.recipients, errors)
    if errors:
        raise ReportInvalid(errors)
    return ScheduledReport.objects.create(
        owner=owner,
        legal_entity=legal_entity,
        name=name,
        report=data.report,
        query=query,
        file_format=data.file_format,
        recipients=recipients,
        weekday=weekday,
    )


def scheduled_reports_due(*, today: datetime.date) -> list[int]:
    """The reports to send today: active, of today's weekday, not sent today, whose owner is still here."""
    return list(
        ScheduledReport.objects.filter(is_active=True, weekday=today.weekday(), owner__user__is_active=True)
        .filter(Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=today))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def report_attachment(report: ScheduledReport) -> tuple[str, bytes, str]:
    """The report's file as its owner would download it today: (file name, content, type)."""
    listed = REPORT_LISTS[report.report]
    params = QueryDict(report.query).dict()
    rows = in_chunks(listed.rows(report.owner, params))
    filename = export_filename(listed.name, report.file_format)
    if report.file_format == "csv":
        return filename, "".join(csv_lines(listed.columns, rows)).encode("utf-8"), CSV_TYPE
    with xlsx_file(listed.columns, rows, title=listed.name) as target:
        return filename, target.read(), XLSX_TYPE


def scheduled_report_send(*, report_id: int, today: datetime.date | None = None) -> bool:
    """Send one report if it is still due today; claimed first (one UPDATE), so two workers send it once. A
    failure gives the claim back and raises, for the task's retry."""
    day = today or timezone.localdate()
    report = ScheduledReport.objects.select_related("owner__user", "legal_entity").filter(pk=report_id).first()
    if report is None or not report.is_active or not report.owner.user.is_active:
        return False
    previous = report.last_sent_on
    claimed = (
        ScheduledReport.objects.filter(pk=report_id)
        .filter(Q(last_sent_on__isnull=True) | Q(last_sent_on__lt=day))
        .update(last_sent_on=day)
    )
    if not claimed:
        return False
    try:
        with override(report.owner.language or None):
            filename, content, content_type = report_attachment(report)
            subject = _("Weekly report: %(name)s") % {"name": report.name}
            body = _(
                "%(name)s of %(day)s, as %(owner)s set it up: the attached file holds every row of the list "
                "with its filters (%(filters)s)."
            ) % {
                "name": report.name,
                "day": day.isoformat(),
                "owner": report.owner.display_name,
                "filters": report.query or _("none"),
            }
        message = EmailMessage(subject, body, None, report.recipients)
        message.attach(filename, content, content_type)
        message.send()
    except Exception:
        ScheduledReport.objects.filter(pk=report_id, last_sent_on=day).update(last_sent_on=previous)
        raise
    logger.info("scheduled report %s sent to %s recipients", report_id, len(report.recipients))
    return True
