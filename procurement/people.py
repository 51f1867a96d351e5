"""People changes of the core: an employee's manager, org unit, default cost centre, signing limit and whether
they may sign in, validated, saved and audited field by field (from → to, and where the change came from).

The one writer of these fields: the org import, SCIM, single sign-on's just-in-time provisioning and the admin
reach them through the orchestration `p2p.people_changes.employees_org_apply`, which then moves open approval work.
"""

import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Final

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .api_tokens import api_token_revoke
from .error_codes import ProcurementErrorCode
from .errors import ProcurementError
from .events import audit_event_row
from .models import ApiToken, AuditEvent, CostCentre, Employee, LegalEntity, OrgUnit
from .models.validators import currency_code_validator
from .sql import sql_bulk_update, sql_column, sql_table


class _Unset(enum.Enum):
    UNSET = "unset"

    def __repr__(self) -> str:
        return "UNSET"


# "Leave this field as it is" (None means "no manager", "no limit", …).
UNSET: Final = _Unset.UNSET
Unset = _Unset

EVENT_CHANGED = "organisation.employee.changed"

# The fields a people change may set, in the order they are applied and audited.
ORG_FIELDS = ("manager", "org_unit", "default_cost_centre", "signing_limit", "active")


class PeopleChangeInvalid(ProcurementError):
    """A change that would break the organisation (a manager cycle, a limit without a currency, …): nothing of the
    batch is written. `employee` and `field` say where, for an import to report the line."""

    code = ProcurementErrorCode.INVALID

    def __init__(self, message: str, *, employee: Employee | None = None, field: str = "") -> None:
        super().__init__(message)
        self.employee = employee
        self.field = field


@dataclass(frozen=True)
class EmployeeChanged:
    """What changed of one employee: {field: (from, to)} as audited (people by username, units and cost centres by
    code, a limit as {"minor", "currency"}, active as a bool). The ids before and after are in `before`."""

    employee: Employee
    fields: dict[str, dict[str, Any]]
    # The previous ids/values of what changed: manager_id, org_unit_id, default_cost_centre_id,
    # signing_limit (minor, currency), active.
    before: dict[str, Any] = field(default_factory=dict)
    # The employee's columns to write (set on the instance, written by the caller when the write was deferred).
    columns: tuple[str, ...] = ()


def _person(employee: Employee | None) -> str | None:
    return employee.user.get_username() if employee is not None else None


def _unit(unit: OrgUnit | CostCentre | None) -> str | None:
    return unit.code if unit is not None else None


def _limit(minor: int | None, currency: str) -> dict[str, Any] | None:
    return None if minor is None else {"minor": minor, "currency": currency}


def _apply(employee: Employee, **given: Any) -> EmployeeChanged:
    """Set and check what is given (UNSET leaves a field as it is) on the instances, without writing: the caller
    writes the whole batch at once (`employees_org_update`). Raises PeopleChangeInvalid."""
    changed: dict[str, dict[str, Any]] = {}
    before: dict[str, Any] = {}
    update: list[str] = []
    manager = given["manager"]
    if manager is not UNSET and (manager.pk if manager is not None else None) != employee.manager_id:
        if manager is not None and manager.pk == employee.pk:
            raise PeopleChangeInvalid(
                _("This would make the employee their own manager."), employee=employee, field="manager"
            )
        changed["manager"] = {"from": _person(employee.manager), "to": _person(manager)}
        before["manager_id"] = employee.manager_id
        employee.manager = manager
        update.append("manager")
    for name, describe in (("org_unit", _unit), ("default_cost_centre", _unit)):
        value = given[name]
        if value is not UNSET and (value.pk if value is not None else None) != getattr(employee, f"{name}_id"):
            changed[name] = {"from": describe(getattr(employee, name)), "to": describe(value)}
            before[f"{name}_id"] = getattr(employee, f"{name}_id")
            setattr(employee, name, value)
            update.append(name)
    minor, currency = given["signing_limit_minor"], given["signing_limit_currency"]
    if minor is not UNSET or currency is not UNSET:
        new_minor = employee.signing_limit_minor if minor is UNSET else minor
        new_currency = employee.signing_limit_currency if currency is UNSET else (currency or "").upper()
        if new_minor is not None and (not isinstance(new_minor, int) or new_minor < 0 or new_minor > 2**63 - 1):
            raise PeopleChangeInvalid(
                _("A signing limit is a whole, non-negative amount."), employee=employee, field="signing_limit"
            )
        if new_minor is not None and not new_currency:
            raise PeopleChangeInvalid(
                _("A signing limit needs a currency."), employee=employee, field="signing_limit_currency"
            )
        if new_currency:
            try:
                currency_code_validator(new_currency)
            except Exception as error:
                raise PeopleChangeInvalid(
                    _("%(currency)s is not a currency code.") % {"currency": new_currency},
                    employee=employee,
                    field="signing_limit_currency",
                ) from error
        if new_minor is None and currency is UNSET:
            new_currency = ""  # no limit: its currency goes with it
        old_pair = (employee.signing_limit_minor, employee.signing_limit_currency)
        if (new_minor, new_currency) != old_pair:
            if _limit(*old_pair) != _limit(new_minor, new_currency):
                changed["signing_limit"] = {"from": _limit(*old_pair), "to": _limit(new_minor, new_currency)}
                before["signing_limit"] = old_pair
            employee.signing_limit_minor, employee.signing_limit_currency = new_minor, new_currency
            update += ["signing_limit_minor", "signing_limit_currency"]
    active = given["active"]
    if active is not UNSET and bool(active) != employee.user.is_active:
        changed["active"] = {"from": employee.user.is_active, "to": bool(active)}
        before["active"] = employee.user.is_active
        employee.user.is_active = bool(active)
    return EmployeeChanged(employee=employee, fields=changed, before=before, columns=tuple(update))


def _changed_event(changed: EmployeeChanged, by: Any, source: str) -> AuditEvent:
    employee = changed.employee
    return audit_event_row(
        event_type=EVENT_CHANGED,
        actor=by,
        # The entity by its id: reading the row would cost a query per employee.
        legal_entity=LegalEntity(pk=employee.default_legal_entity_id) if employee.default_legal_entity_id else None,
        obj=employee,
        data={**changed.fields, "employee": _person(employee), "source": source},
    )


# The keyword arguments of a change given to `employees_org_update` (beside "employee").
CHANGE_ARGUMENTS: Final = (
    "manager",
    "org_unit",
    "default_cost_centre",
    "signing_limit_minor",
    "signing_limit_currency",
    "active",
)
BATCH_SIZE = 1000


def employees_org_update(*, changes: Sequence[Mapping[str, Any]], by: Any, source: str) -> list[EmployeeChanged]:
    """Set what each change gives of its employee ({"employee": …, and any of CHANGE_ARGUMENTS}; UNSET or absent
    leaves a field as it is; `active` is whether the user may sign in, the login only), each checked, then written
    together and audited field by field (`organisation.employee.changed`, data {field: {from, to}, "source"}, actor
    `by`): the employees' columns by one bulk update per set of columns, the logins
    switched on or off by one, and the audit events by one bulk insert, in batches of BATCH_SIZE; so a first load of
    an HR directory costs a few statements per thousand people, not two per person. Manager cycles are the caller's
    to check once on the final state (`employees_manager_cycles_check`). Raises PeopleChangeInvalid naming the first
    bad change, and writes nothing then."""
    with transaction.atomic(savepoint=False):
        results = [
            _apply(change["employee"], **{name: change.get(name, UNSET) for name in CHANGE_ARGUMENTS})
            for change in changes
        ]
        by_columns: dict[tuple[str, ...], list[Employee]] = defaultdict(list)
        for result in results:
            if result.columns:
                by_columns[tuple(sorted(set(result.columns)))].append(result.employee)
        for columns, employees in by_columns.items():
            sql_bulk_update(employees, columns, batch_size=BATCH_SIZE)
        sql_bulk_update([result.employee.user for result in results if "active" in result.fields], ["is_active"])
        events = [_changed_event(result, by, source) for result in results if result.fields]
        AuditEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
    return results


def employees_manager_cycles_check(*, employees: Iterable[Employee]) -> None:
    """Refuse (PeopleChangeInvalid) when any of `employees` is now above themselves in the manager chain, as saved
    in this transaction: one recursive query for all of them, whatever the depth (a cycle elsewhere ends it)."""
    people = {employee.pk: employee for employee in employees if employee.manager_id is not None}
    if not people:
        return
    meta = Employee._meta
    table, pk, manager = sql_table(meta), sql_column(meta, "pk"), sql_column(meta, "manager")
    ids = sorted(people)
    listed = ", ".join(["%s"] * len(ids))
    sql = (  # identifiers from the model, values as parameters
        f"WITH RECURSIVE walk(start, id) AS (SELECT {pk}, {manager} FROM {table} WHERE {pk} IN ({listed})"  # noqa: S608
        f" UNION SELECT w.start, e.{manager} FROM walk w JOIN {table} e ON e.{pk} = w.id"
        f" WHERE e.{manager} IS NOT NULL) SELECT DISTINCT start FROM walk WHERE id = start ORDER BY start"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        cycles = [start for (start,) in cursor.fetchall()]
    if cycles:
        employee = people[cycles[0]]
        raise PeopleChangeInvalid(
            _("%(name)s would end up above themselves in the manager chain.") % {"name": employee.display_name},
            employee=employee,
            field="manager",
        )


def changes_summary(changes: Mapping[str, Any]) -> str:
    """A field-by-field line for a history entry: "manager: alice → bob"."""
    return "; ".join(f"{name}: {value.get('from')} → {value.get('to')}" for name, value in changes.items())


def employee_ids_with_reports_sql(*, employee_ids: Iterable[int]) -> tuple[str, list[int]]:
    """A statement selecting the ids of these employees and everyone below them (their reports, their reports'
    reports, …), and its parameters: one recursive query whatever the depth (UNION: a cycle in bad data ends it),
    to use as a subquery (`RawSQL`) so that a change at the top of a large company sends no list of ids around."""
    ids = sorted(set(employee_ids))
    meta = Employee._meta
    table, pk, manager = sql_table(meta), sql_column(meta, "pk"), sql_column(meta, "manager")
    listed = ", ".join(["%s"] * len(ids)) or "NULL"
    return (  # identifiers from the model, values as parameters
        f"WITH RECURSIVE below(id) AS (SELECT {pk} FROM {table} WHERE {pk} IN ({listed})"  # noqa: S608
        f" UNION SELECT e.{pk} FROM {table} e JOIN below b ON e.{manager} = b.id) SELECT id FROM below",
        ids,
    )


def employees_access_end(*, employees: Iterable[Employee], by: Any) -> dict[int, dict[str, int]]:
    """Leavers: their API tokens revoked (procurement.api_tokens.api_token_revoke, each audited) and their web
    sessions ended (the database sessions naming them are deleted; with another session engine the inactive user is
    refused at their next request anyway). Returns {employee id: {"tokens_revoked": n, "sessions_ended": n}}."""
    people = {str(employee.user_id): employee for employee in employees}
    ended = {employee.pk: {"tokens_revoked": 0, "sessions_ended": 0} for employee in people.values()}
    if not people:
        return ended
    for token in (
        ApiToken.objects.filter(user__in=[employee.user_id for employee in people.values()], revoked_at__isnull=True)
        .select_related("user")
        .order_by("pk")
    ):
        if api_token_revoke(token=token, actor=by):
            ended[people[str(token.user_id)].pk]["tokens_revoked"] += 1
    if settings.SESSION_ENGINE in _DATABASE_SESSIONS:
        store = import_module(settings.SESSION_ENGINE).SessionStore
        # One pass over the sessions still valid, for the whole batch (the table has no user column to filter on).
        for session in Session.objects.filter(expire_date__gt=timezone.now()).order_by("pk").iterator(chunk_size=2000):
            employee = people.get(str(session.get_decoded().get(SESSION_KEY)))
            if employee is not None:
                store(session_key=session.session_key).delete()
                ended[employee.pk]["sessions_ended"] += 1
    return ended


_DATABASE_SESSIONS = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")
