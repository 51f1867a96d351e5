"""An organisation file checked line by line against the database, and what applying it would change.

`org_plan_build` reads the rows of one file (identity.org_import.files) for one legal entity and answers an OrgPlan:
every bad cell (line, column, value, message), and, when there is none, the org units and cost centres to create or
change, the people to create, change or mark as leavers (each field old → new) and how many rows change nothing.
Nothing is written here: p2p.org_import_apply carries a plan out, after building it again on the current data.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from procurement.models import CostCentre, Employee, LegalEntity, OrgUnit
from procurement.money import MoneyError, minor_text, to_minor

from .cells import CellChecker, CheckedRow, LineError
from .columns import (
    COLUMNS,
    COST_CENTRE,
    EMAIL,
    EMPLOYEE_NUMBER,
    FIRST_NAME,
    LAST_NAME,
    MANAGER_EMAIL,
    ORG_UNIT,
    ROLES,
    SIGNING_LIMIT,
    SIGNING_LIMIT_CURRENCY,
    STATUS,
    STATUS_ACTIVE,
    STATUS_LEAVER,
)
from .files import OrgFileRow
from .units import CREATE, UPDATE, UnitChange, centres_plan, units_plan

MODE_PARTIAL = "partial"
MODE_FULL = "full"
LEAVER = "leaver"


@dataclass
class PersonChange:
    """One person to create, change or mark as a leaver. `target` holds only the fields that change: first_name,
    last_name (text), manager (e-mail or None), org_unit, default_cost_centre (code or None), signing_limit
    ((minor, currency) or None), roles (set of codes), active (bool)."""

    email: str
    line: int  # 0: a leaver of the full mode, who has no row
    action: str
    employee: Employee | None
    target: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class OrgPlan:
    legal_entity: LegalEntity
    mode: str
    errors: list[LineError] = field(default_factory=list)
    org_units: list[UnitChange] = field(default_factory=list)  # parents before their children
    cost_centres: list[UnitChange] = field(default_factory=list)
    people: list[PersonChange] = field(default_factory=list)
    unchanged: int = 0

    @property
    def counts(self) -> dict[str, int]:
        def count(items: Iterable[Any], action: str) -> int:
            return sum(1 for item in items if item.action == action)

        return {
            "org_units_created": count(self.org_units, CREATE),
            "org_units_updated": count(self.org_units, UPDATE),
            "cost_centres_created": count(self.cost_centres, CREATE),
            "cost_centres_updated": count(self.cost_centres, UPDATE),
            "created": count(self.people, CREATE),
            "updated": count(self.people, UPDATE),
            "leavers": count(self.people, LEAVER),
            "unchanged": self.unchanged,
        }

    @property
    def changes_anything(self) -> bool:
        return bool(self.org_units or self.cost_centres or self.people)

    def diff(self) -> dict[str, Any]:
        """The plan as stored with the run and shown on its page and in the API (JSON)."""

        def fields(changes: dict[str, tuple[Any, Any]]) -> list[dict[str, Any]]:
            return [{"field": name, "old": old, "new": new} for name, (old, new) in changes.items()]

        return {
            "org_units": [
                {"action": unit.action, "code": unit.code, "line": unit.line, "fields": fields(unit.changes)}
                for unit in self.org_units
            ],
            "cost_centres": [
                {"action": centre.action, "code": centre.code, "line": centre.line, "fields": fields(centre.changes)}
                for centre in self.cost_centres
            ],
            "employees": [
                {
                    "action": person.action,
                    "email": person.email,
                    "name": person.employee.display_name if person.employee is not None else "",
                    "line": person.line,
                    "fields": fields(person.changes),
                }
                for person in self.people
            ],
            "counts": self.counts,
        }


def limit_text(limit: tuple[int, str] | None) -> str | None:
    if limit is None:
        return None
    minor, currency = limit
    return f"{minor_text(minor, currency)} {currency}"


def org_plan_build(
    *, legal_entity: LegalEntity, rows: Sequence[OrgFileRow], mode: str = MODE_PARTIAL, by: Any = None
) -> OrgPlan:
    """Check every row of a file for `legal_entity` and work out what applying it would change (no write)."""
    checker = CellChecker(legal_entity=legal_entity, mode=mode, by=by)
    plan = OrgPlan(legal_entity=legal_entity, mode=mode)
    parsed: list[CheckedRow] = []
    seen: dict[str, int] = {}
    for raw in rows:
        row = checker.row(raw)
        if row is None:
            continue
        if row.email in seen:
            checker.error(
                row.line,
                EMAIL,
                row.email,
                _("This person is already on line %(line)d.") % {"line": seen[row.email]},
            )
            continue
        seen[row.email] = row.line
        parsed.append(row)
    numbers: dict[str, int] = {}
    for row in parsed:
        number = row.values.get(EMPLOYEE_NUMBER)
        if number is not None:
            if number in numbers:
                checker.error(
                    row.line,
                    EMPLOYEE_NUMBER,
                    number,
                    _("This employee number is already on line %(line)d.") % {"line": numbers[number]},
                )
            numbers.setdefault(number, row.line)

    world = _World.load(legal_entity, [row.email for row in parsed] + _manager_emails(parsed))
    units = units_plan(checker, world, parsed)
    centres = centres_plan(checker, world, parsed)
    people, unchanged = _people_plan(checker, world, parsed)
    plan.errors = sorted(checker.errors, key=lambda error: (error.line, list(COLUMNS).index(error.column)))
    if not plan.errors:
        plan.org_units, plan.cost_centres, plan.people, plan.unchanged = units, centres, people, unchanged
    return plan


def _manager_emails(rows: Iterable[CheckedRow]) -> list[str]:
    return [row.values[MANAGER_EMAIL] for row in rows if row.values.get(MANAGER_EMAIL)]


@dataclass
class _World:
    """What the database holds that the file speaks of."""

    entity: LegalEntity
    users: dict[str, list[Any]]  # lower e-mail → users with it
    members: set[int]  # employee ids of the entity's members
    roles: dict[int, set[str]]  # employee id → role codes
    units: dict[str, OrgUnit]
    centres: dict[str, CostCentre]
    managers: dict[str, str]  # lower e-mail of each member → their manager's lower e-mail
    usernames: set[str]  # the file's e-mails that are (lower-cased) user names of some account

    @classmethod
    def load(cls, entity: LegalEntity, emails: list[str]) -> "_World":
        user_model = get_user_model()
        users: dict[str, list[Any]] = {}
        usernames: set[str] = set()
        wanted = sorted(set(emails))
        for start in range(0, len(wanted), 5000):
            found = (
                user_model._default_manager.annotate(email_lower=Lower("email"))
                .filter(email_lower__in=wanted[start : start + 5000])
                .select_related(
                    "employee__org_unit",
                    "employee__manager__user",
                    "employee__default_cost_centre",
                )
            )
            for user in found:
                users.setdefault(user.email_lower, []).append(user)
            usernames.update(
                user_model._default_manager.annotate(username_lower=Lower("username"))
                .filter(username_lower__in=wanted[start : start + 5000])
                .values_list("username_lower", flat=True)
            )
        member_filter = Q(legal_entities=entity) | Q(default_legal_entity=entity)
        members = set(Employee.objects.filter(member_filter).values_list("pk", flat=True))
        employee_ids = [user.employee.pk for group in users.values() for user in group if hasattr(user, "employee")]
        roles: dict[int, set[str]] = {}
        through = Employee.roles.through
        for start in range(0, len(employee_ids), 5000):
            for employee_id, role in through.objects.filter(
                employee_id__in=employee_ids[start : start + 5000]
            ).values_list("employee_id", "role_id"):
                roles.setdefault(employee_id, set()).add(role)
        managers = {
            (email or "").lower(): (manager or "").lower()
            for email, manager in Employee.objects.filter(member_filter)
            .distinct()
            .values_list("user__email", "manager__user__email")
            if email
        }
        return cls(
            entity=entity,
            users=users,
            members=members,
            roles=roles,
            units={unit.code: unit for unit in OrgUnit.objects.filter(legal_entity=entity).select_related("parent")},
            centres={
                centre.code: centre
                for centre in CostCentre.objects.filter(legal_entity=entity).select_related("org_unit")
            },
            managers=managers,
            usernames=usernames,
        )


def _people_plan(checker: CellChecker, world: _World, rows: list[CheckedRow]) -> tuple[list[PersonChange], int]:
    entity = world.entity
    people: list[PersonChange] = []
    unchanged = 0
    in_file = {row.email: row for row in rows}
    existing: dict[str, Employee | None] = {}
    for row in rows:
        users = world.users.get(row.email, [])
        if len(users) > 1:
            checker.error(row.line, EMAIL, row.email, _("Several accounts have this e-mail address."))
            continue
        user = users[0] if users else None
        employee = getattr(user, "employee", None) if user is not None and hasattr(user, "employee") else None
        if user is not None and employee is None:
            checker.error(
                row.line, EMAIL, row.email, _("An account with this e-mail has no employee profile: ask support.")
            )
            continue
        if employee is not None and employee.pk not in world.members:
            checker.error(
                row.line,
                EMAIL,
                row.email,
                _("This person belongs to another legal entity: they are changed by an import of theirs."),
            )
            continue
        if user is not None and user.is_superuser and not getattr(checker.by, "is_superuser", False):
            checker.error(
                row.line, EMAIL, row.email, _("A superuser's account is changed only by a superuser (in the admin).")
            )
            continue
        if user is None and row.email in world.usernames:
            checker.error(row.line, EMAIL, row.email, _("Another account has this e-mail as its user name."))
            continue
        existing[row.email] = employee

    # Leavers of the full mode: active people of the entity (their home entity) missing from the file.
    missing: list[Employee] = []
    if checker.mode == MODE_FULL:
        # Never the importer, nor a superuser (the break-glass accounts).
        candidates = Employee.objects.filter(
            default_legal_entity=entity, user__is_active=True, user__is_superuser=False
        ).exclude(user__email="")
        if getattr(checker.by, "pk", None) is not None:
            candidates = candidates.exclude(user_id=checker.by.pk)
        missing = list(candidates.select_related("user").order_by("user__email"))
        missing = [employee for employee in missing if employee.user.email.lower() not in in_file]
    missing_emails = {employee.user.email.lower() for employee in missing}

    def active_after(email: str) -> bool | None:
        """Whether the person is active once the file is applied (None: unknown here)."""
        if email in missing_emails:
            return False
        row = in_file.get(email)
        if row is not None and row.values.get(STATUS):
            return bool(row.values[STATUS] == STATUS_ACTIVE)
        if row is not None and email in existing and existing[email] is None:
            return True  # a new person
        users = world.users.get(email, [])
        return bool(users[0].is_active) if users else None

    managers = dict(world.managers)
    for row in rows:
        if MANAGER_EMAIL in row.values:
            managers[row.email] = row.values[MANAGER_EMAIL] or ""

    for row in rows:
        if row.email not in existing:
            continue
        employee = existing[row.email]
        values = row.values
        manager = values.get(MANAGER_EMAIL)
        if manager:
            users = world.users.get(manager, [])
            manager_employee = getattr(users[0], "employee", None) if len(users) == 1 else None
            known = manager in in_file or (manager_employee is not None and manager_employee.pk in world.members)
            if manager == row.email:
                checker.error(row.line, MANAGER_EMAIL, manager, _("A person cannot be their own manager."))
            elif not known:
                checker.error(
                    row.line,
                    MANAGER_EMAIL,
                    manager,
                    _("No employee of %(entity)s has this e-mail, and no row of this file.") % {"entity": entity.code},
                )
            elif active_after(manager) is False:
                checker.error(row.line, MANAGER_EMAIL, manager, _("This manager is a leaver."))
            else:
                walked, current = set(), managers.get(manager, "")
                while current and current not in walked:
                    if current == row.email:
                        checker.error(
                            row.line,
                            MANAGER_EMAIL,
                            manager,
                            _("This manager would make a loop: %(email)s would manage their own manager.")
                            % {"email": row.email},
                        )
                        break
                    walked.add(current)
                    current = managers.get(current, "")
        if (
            values.get(STATUS) == STATUS_LEAVER
            and employee is not None
            and employee.user_id == getattr(checker.by, "pk", None)
        ):
            checker.error(row.line, STATUS, STATUS_LEAVER, _("You cannot mark yourself as a leaver."))
        person = _person_change(world, row, employee)
        if person is None:
            unchanged += 1
        else:
            people.append(person)
    for employee in missing:
        people.append(
            PersonChange(
                email=employee.user.email.lower(),
                line=0,
                action=LEAVER,
                employee=employee,
                target={"active": False},
                changes={"status": (STATUS_ACTIVE, STATUS_LEAVER)},
            )
        )
    return people, unchanged


def _person_change(world: _World, row: CheckedRow, employee: Employee | None) -> PersonChange | None:
    values = row.values
    target: dict[str, Any] = {}
    changes: dict[str, tuple[Any, Any]] = {}

    def differs(name: str, old: Any, new: Any, shown: tuple[Any, Any] | None = None) -> None:
        if old != new or employee is None:
            target[name] = new
            changes[name] = shown if shown is not None else (old, new)

    user = employee.user if employee is not None else None
    for column in (FIRST_NAME, LAST_NAME):
        if column in values:
            differs(column, getattr(user, column) if user is not None else None, values[column])
    if MANAGER_EMAIL in values:
        old = employee.manager.user.email.lower() if employee is not None and employee.manager else None
        differs("manager", old, values[MANAGER_EMAIL])
    if ORG_UNIT in values:
        old_unit = employee.org_unit if employee is not None else None
        old = old_unit.code if old_unit is not None and old_unit.legal_entity_id == world.entity.pk else None
        if old_unit is not None and old is None:
            old = f"{old_unit.legal_entity_id}:{old_unit.code}"  # another entity's unit: always differs
        differs("org_unit", old, values[ORG_UNIT], (old_unit.code if old_unit else None, values[ORG_UNIT]))
    if COST_CENTRE in values:
        old_centre = employee.default_cost_centre if employee is not None else None
        old = old_centre.code if old_centre is not None and old_centre.legal_entity_id == world.entity.pk else None
        if old_centre is not None and old is None:
            old = f"{old_centre.legal_entity_id}:{old_centre.code}"
        differs(
            "default_cost_centre",
            old,
            values[COST_CENTRE],
            (old_centre.code if old_centre else None, values[COST_CENTRE]),
        )
    if SIGNING_LIMIT in values:
        amount = values[SIGNING_LIMIT]
        old_limit = (
            (employee.signing_limit_minor, employee.signing_limit_currency)
            if employee is not None and employee.signing_limit_minor is not None
            else None
        )
        new_limit: tuple[int, str] | None = None
        if amount is not None:
            currency = (
                values.get(SIGNING_LIMIT_CURRENCY)
                or (employee.signing_limit_currency if employee is not None else "")
                or world.entity.currency
            )
            try:
                new_limit = (to_minor(amount, currency), currency)
            except MoneyError:  # pragma: no cover - bounded above
                new_limit = None
        # A new person gets the limit given (no limit needs no mention); a known one only a different limit.
        if (new_limit != old_limit) if employee is not None else new_limit is not None:
            target["signing_limit"] = new_limit
            changes["signing_limit"] = (limit_text(old_limit), limit_text(new_limit))
    if ROLES in values:
        old_roles = world.roles.get(employee.pk, set()) if employee is not None else set()
        new_roles = set(values[ROLES])
        if new_roles != old_roles or (employee is None and new_roles):
            target["roles"] = new_roles
            changes["roles"] = (", ".join(sorted(old_roles)), ", ".join(sorted(new_roles)))
    status = values.get(STATUS)
    if employee is None:
        if status == STATUS_LEAVER:
            return None  # a leaver who never had an account here: nothing to do
        # Keep only what a new person gets: blank names and no manager are not news.
        for name in ("first_name", "last_name", "manager", "org_unit", "default_cost_centre"):
            if name in target and target[name] in (None, ""):
                del target[name], changes[name]
        return PersonChange(
            email=row.email, line=row.line, action=CREATE, employee=None, target=target, changes=changes
        )
    if status is not None and (status == STATUS_ACTIVE) != employee.user.is_active:
        target["active"] = status == STATUS_ACTIVE
        changes["status"] = (
            STATUS_ACTIVE if employee.user.is_active else STATUS_LEAVER,
            STATUS_ACTIVE if status == STATUS_ACTIVE else STATUS_LEAVER,
        )
    if not target:
        return None
    action = LEAVER if target.get("active") is False else UPDATE
    return PersonChange(
        email=row.email, line=row.line, action=action, employee=employee, target=target, changes=changes
    )
