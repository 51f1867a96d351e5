"""The audit log page (/audit/) and its downloads; the API is procurement.audit_api. Reads: procurement.audit_log."""

import json
from typing import Any, Final

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .audit_log import (
    NO_ENTITY,
    AuditFilterInvalid,
    AuditFilters,
    AuditForbidden,
    AuditReader,
    audit_events_filtered,
    audit_events_page,
    audit_filters_parse,
    audit_reader_for,
)
from .audit_texts import audit_actor_name, audit_event_ip, audit_event_summary, audit_object_url, audit_type_choices
from .error_codes import ProcurementErrorCode
from .exports import Column, export_format, export_response
from .models import AuditEvent

# An XLSX download holds at most this many events (a spreadsheet for people); the CSV streams every one.
XLSX_MAX_EVENTS: Final = 100_000


def audit_reader_of_request(request: HttpRequest) -> AuditReader:
    org = request.org  # type: ignore[attr-defined]
    return audit_reader_for(user=request.user, employee=org.employee, entities=org.legal_entities)


def _data_text(event: AuditEvent) -> str:
    return json.dumps(event.data, ensure_ascii=False, sort_keys=True, default=str)


AUDIT_COLUMNS: Final[list[Column[AuditEvent]]] = [
    Column("id", gettext_lazy("Event"), lambda e: e.pk),
    Column("created_at", gettext_lazy("Time"), lambda e: e.created_at),
    Column("event_type", gettext_lazy("Type"), lambda e: e.event_type),
    Column("summary", gettext_lazy("What"), audit_event_summary),
    Column("actor", gettext_lazy("User name"), lambda e: e.actor.get_username() if e.actor else ""),
    Column("actor_name", gettext_lazy("Who"), audit_actor_name),
    Column("actor_email", gettext_lazy("E-mail"), lambda e: e.actor.email if e.actor else ""),
    Column("legal_entity", gettext_lazy("Legal entity"), lambda e: e.legal_entity.code if e.legal_entity else ""),
    Column("object_type", gettext_lazy("Object type"), lambda e: e.object_type),
    Column("object_id", gettext_lazy("Object"), lambda e: e.object_id),
    Column("ip", gettext_lazy("From"), audit_event_ip),
    Column("data", gettext_lazy("Details"), _data_text),
]


def audit_export(*, request: HttpRequest, fmt: str, reader: AuditReader, filters: AuditFilters) -> HttpResponseBase:
    """Every event the filters select as CSV (streamed), or up to XLSX_MAX_EVENTS of them as XLSX."""
    events = audit_events_filtered(reader=reader, filters=filters)
    if fmt == "xlsx" and events[XLSX_MAX_EVENTS : XLSX_MAX_EVENTS + 1].exists():
        message = _(
            "More than %(max)s events match: an XLSX download holds at most that many. Narrow the filters "
            "(dates, type) or download the CSV, which has every event."
        ) % {"max": f"{XLSX_MAX_EVENTS:,}"}
        if request.path.startswith("/api/"):
            return JsonResponse({"code": ProcurementErrorCode.EXPORT_TOO_LARGE, "message": message}, status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    return export_response(fmt=fmt, name="audit-log", columns=AUDIT_COLUMNS, rows=events)


@login_required
def audit_log(request: HttpRequest) -> HttpResponseBase:
    """The audit log: newest first, filtered by the query, a page at a time (a cursor), downloadable."""
    try:
        reader = audit_reader_of_request(request)
    except AuditForbidden as refused:
        return render(request, "403.html", {"message": refused.message}, status=403)
    error = ""
    try:
        filters = audit_filters_parse(request.GET)
    except AuditFilterInvalid as invalid:
        error, filters = invalid.message, AuditFilters()
    fmt = export_format(request.GET.get("export"))
    if fmt is not None and not error:
        try:
            return audit_export(request=request, fmt=fmt, reader=reader, filters=filters)
        except AuditFilterInvalid as invalid:
            error = invalid.message
    page = None
    if not error:
        try:
            page = audit_events_page(reader=reader, filters=filters)
        except AuditFilterInvalid as invalid:
            error = invalid.message
    staff = bool(getattr(request.user, "is_staff", False))
    rows = [
        {
            "event": event,
            "summary": audit_event_summary(event),
            "who": audit_actor_name(event),
            "object_url": audit_object_url(event, staff=staff),
            "ip": audit_event_ip(event),
            "data": json.dumps(event.data, ensure_ascii=False, indent=2, sort_keys=True, default=str),
        }
        for event in (page.events if page else [])
    ]
    query = filters.query if not error else {}
    given = {key: str(request.GET.get(key, ""))[:100] for key in request.GET if key not in ("cursor", "export")}
    base = urlencode(query)
    context: dict[str, Any] = {
        "rows": rows,
        "error": error,
        "given": given,
        "type_choices": audit_type_choices(),
        "entities": reader.entities,
        "unattached": reader.unattached,
        "no_entity": NO_ENTITY,
        "next_url": f"?{base}&cursor={page.next_cursor}" if page and page.next_cursor else "",
        "first_url": f"?{base}" if filters.cursor else "",
        "csv_url": f"?{base}&export=csv",
        "xlsx_url": f"?{base}&export=xlsx",
        "xlsx_max": XLSX_MAX_EVENTS,
    }
    return render(request, "procurement/audit.html", context, status=400 if error else 200)
