"""Reading the audit log (docs/identity.md, "Audit log"): who may read it, the filters of the page and the API,
keyset pages newest first (the sentences and links are procurement.audit_texts).

Who reads: superusers see every event. Employees holding the admin or auditor role see the events of the legal
entities they belong to and the events that belong to no entity (suppliers, catalog, API tokens, two-factor,
failed sign-ins of unknown names: configuration shared by the group). Finance sees only the events of its
entities. Anyone else is refused.

Every filter is read through an index (see AuditEvent.Meta.indexes): type and group by (event_type, created_at),
entity by (legal_entity, created_at), who by (actor, created_at) after the people matching the text are found
(at most ACTOR_MATCHES of them), object by (object_type, object_id, created_at), address by (data->>'ip',
created_at), dates by created_at. Pages are keyset pages on (created_at, id): a cursor names the last row shown.
"""

import base64
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext

from .audit_texts import GROUPS, KNOWN_TYPES
from .error_codes import ProcurementErrorCode
from .errors import ProcurementError
from .models import AuditEvent, Employee, LegalEntity, Role

# Who reads the log; READ_UNATTACHED also reads the events of no entity.
READER_ROLES: Final = (Role.ADMIN, Role.AUDITOR, Role.FINANCE)
READ_UNATTACHED_ROLES: Final = (Role.ADMIN, Role.AUDITOR)
PAGE_SIZE: Final = 50
MAX_PAGE_SIZE: Final = 200
ACTOR_MATCHES: Final = 50  # people a "who" text may match; beyond that, type more of the name
MAX_TEXT: Final = 100
NO_ENTITY: Final = "none"  # the entity filter's value for events of no entity


class AuditFilterInvalid(ProcurementError):
    code = ProcurementErrorCode.INVALID_FILTER


class AuditForbidden(ProcurementError):
    code = ProcurementErrorCode.PERMISSION_DENIED
    status = 403


@dataclass(frozen=True)
class AuditReader:
    """Whose log is read: every entity (superusers), or these entities and, perhaps, the events of none."""

    all_entities: bool
    entities: tuple[LegalEntity, ...]
    unattached: bool


def audit_readers_exist() -> Exists:
    """For a user row: whether their employee holds a role that reads the log (annotated on the session's user
    query, so the menu knows without a query of its own)."""
    return Exists(Employee.roles.through.objects.filter(employee__user=OuterRef("pk"), role_id__in=READER_ROLES))


def audit_reader_for(*, user: Any, employee: Employee | None, entities: list[LegalEntity]) -> AuditReader:
    """What `user` may read of the log; AuditForbidden when nothing."""
    if getattr(user, "is_superuser", False):
        return AuditReader(all_entities=True, entities=tuple(LegalEntity.objects.order_by("code")), unattached=True)
    roles = set(employee.roles.values_list("code", flat=True)) if employee is not None else set()
    if employee is None or not roles.intersection(READER_ROLES) or not entities:
        raise AuditForbidden(gettext("The audit log is for administrators, auditors and finance."))
    return AuditReader(
        all_entities=False,
        entities=tuple(entities),
        unattached=bool(roles.intersection(READ_UNATTACHED_ROLES)),
    )


@dataclass(frozen=True)
class AuditFilters:
    event_types: tuple[str, ...] = ()
    type_value: str = ""
    actor: str = ""
    entity: str = ""
    object_type: str = ""
    object_id: str = ""
    date_from: date | None = None
    date_to: date | None = None
    ip: str = ""
    cursor: tuple[datetime, int] | None = None
    limit: int = PAGE_SIZE
    query: dict[str, str] = field(default_factory=dict)  # the filters as given, for links and the export


def _text(params: Mapping[str, Any], name: str, limit: int = MAX_TEXT) -> str:
    value = str(params.get(name) or "").strip()
    if len(value) > limit:
        raise AuditFilterInvalid(
            gettext("The filter “%(name)s” is longer than %(limit)s characters.") % {"name": name, "limit": limit}
        )
    return value


def _day(params: Mapping[str, Any], name: str) -> date | None:
    value = _text(params, name, 10)
    if not value:
        return None
    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        raise AuditFilterInvalid(
            gettext("“%(value)s” is not a date (YYYY-MM-DD) for “%(name)s”.") % {"value": value, "name": name}
        )
    return day


def audit_filters_parse(params: Mapping[str, Any], *, page_size: int = PAGE_SIZE) -> AuditFilters:
    """The filters of a request's query; AuditFilterInvalid with a readable message for anything wrong."""
    type_value = _text(params, "type", 60)
    if not type_value:
        event_types: tuple[str, ...] = ()
    elif type_value in GROUPS:
        event_types = GROUPS[type_value][1]
    elif type_value in KNOWN_TYPES:
        event_types = (type_value,)
    else:
        raise AuditFilterInvalid(gettext("There is no event type or group “%(value)s”.") % {"value": type_value})
    ip = _text(params, "ip", 45)
    if ip:
        try:
            ip = str(ipaddress.ip_address(ip))
        except ValueError:
            raise AuditFilterInvalid(gettext("“%(value)s” is not an IP address.") % {"value": ip}) from None
    date_from, date_to = _day(params, "from"), _day(params, "to")
    if date_from and date_to and date_from > date_to:
        raise AuditFilterInvalid(gettext("The date “from” is after the date “to”."))
    object_type, object_id = _object_label(_text(params, "object_type", 60)), _text(params, "object_id", 60)
    if object_id and not object_type:
        raise AuditFilterInvalid(gettext("An object id needs its object type."))
    limit_text = _text(params, "limit", 4)
    try:
        limit = int(limit_text) if limit_text else page_size
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise AuditFilterInvalid(gettext("The page size is a number from 1 to %(max)s.") % {"max": MAX_PAGE_SIZE})
    query = {
        name: _text(params, name)
        for name in ("type", "actor", "entity", "object_type", "object_id", "from", "to", "ip")
        if _text(params, name)
    }
    return AuditFilters(
        event_types=event_types,
        type_value=type_value,
        actor=_text(params, "actor"),
        entity=_text(params, "entity", 20),
        object_type=object_type,
        object_id=object_id,
        date_from=date_from,
        date_to=date_to,
        ip=ip,
        cursor=cursor_parse(_text(params, "cursor", 200)),
        limit=limit,
        query=query,
    )


def _object_label(value: str) -> str:
    """A model's label as the log writes it (`procurement.supplier` → `procurement.Supplier`), so the object filter
    compares exactly, through its index; an unknown label is kept as typed."""
    if not value:
        return ""
    try:
        return str(apps.get_model(value)._meta.label)
    except (LookupError, ValueError):
        return value


def cursor_text(event: AuditEvent) -> str:
    raw = f"{event.created_at.isoformat()}|{event.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_parse(value: str) -> tuple[datetime, int] | None:
    if not value:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        when_text, _sep, id_text = raw.partition("|")
        when = parse_datetime(when_text)
        if when is None or timezone.is_naive(when):
            raise ValueError(value)
        return when, int(id_text)
    except (ValueError, UnicodeError):
        raise AuditFilterInvalid(gettext("This page link is not valid any more: start from the first page.")) from None


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events_filtered(*, reader: AuditReader, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The events `reader` may see that the filters select, newest first (no page cut)."""
    events = AuditEvent.objects.select_related("actor", "legal_entity").order_by("-created_at", "-id")
    if filters.entity:
        if filters.entity == NO_ENTITY:
            if not reader.unattached:
                raise AuditFilterInvalid(gettext("You do not see events that belong to no legal entity."))
            events = events.filter(legal_entity__isnull=True)
        else:
            entity = next((e for e in reader.entities if e.code.lower() == filters.entity.lower()), None)
            if entity is None:
                raise AuditFilterInvalid(
                    gettext("You do not read the log of a legal entity “%(code)s”.") % {"code": filters.entity}
                )
            events = events.filter(legal_entity=entity)
    elif not reader.all_entities:
        visible = Q(legal_entity__in=[entity.pk for entity in reader.entities])
        events = events.filter(visible | Q(legal_entity__isnull=True) if reader.unattached else visible)
    if filters.event_types:
        events = events.filter(event_type__in=filters.event_types)
    if filters.actor:
        events = events.filter(actor__in=_actors_matching(filters.actor))
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
        if filters.object_id:
            events = events.filter(object_id=filters.object_id)
    if filters.ip:
        # data->>'ip' as the index has it (a `data__ip` lookup would compare JSON values, past the index)
        events = events.alias(ip_text=KT("data__ip")).filter(ip_text=filters.ip)
    if filters.date_from:
        events = events.filter(created_at__gte=_local_midnight(filters.date_from))
    if filters.date_to:
        events = events.filter(created_at__lt=_local_midnight(filters.date_to + timedelta(days=1)))
    return events


def _actors_matching(text: str) -> list[int]:
    """The people whose username, e-mail or name holds `text` (at most ACTOR_MATCHES of them)."""
    users = get_user_model().objects.all()
    condition = Q(username__icontains=text) | Q(email__icontains=text)
    first, _space, last = text.partition(" ")
    if last:
        condition |= Q(first_name__icontains=first, last_name__icontains=last.strip())
    else:
        condition |= Q(first_name__icontains=text) | Q(last_name__icontains=text)
    return list(users.filter(condition).order_by("pk").values_list("pk", flat=True)[:ACTOR_MATCHES])


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    next_cursor: str | None


def audit_events_page(*, reader: AuditReader, filters: AuditFilters) -> AuditPage:
    """One keyset page: the `limit` events after the cursor, and the cursor of the next page (None at the end)."""
    events = audit_events_filtered(reader=reader, filters=filters)
    if filters.cursor is not None:
        when, last_id = filters.cursor
        events = events.filter(Q(created_at__lt=when) | Q(created_at=when, id__lt=last_id))
    rows = list(events[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return AuditPage(events=rows, next_cursor=cursor_text(rows[-1]) if more and rows else None)
