"""An organisation file checked line by line against the database, and what applying it would change.

`org_plan_build` reads the rows of one file (identity.org_import.files) for one legal entity and answers an OrgPlan:
every bad cell (line, column, value, message), and, when there is none, the org units and cost centres to create or
change, the people to create, change or mark as leavers (each field old → new) and how many rows change nothing.
Nothing is written here: p2p.org_import_apply carries a plan out, after building it again on the current data.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from procurement.models import CostCentre, Employee, LegalEntity, OrgUnit, Role
from procurement.money import MoneyError, currency_digits, is_currency, minor_text, to_minor, within_currency_digits

from .columns import (
    CLEAR,
    COLUMNS,
    COST_CENTRE,
    COST_CENTRE_NAME,
    EMAIL,
    EMPLOYEE_NUMBER,
    FIRST_NAME,
    LAST_NAME,
    LEGAL_ENTITY,
    MANAGER_EMAIL,
    MAX_CELL,
    ORG_UNIT,
    ORG_UNIT_NAME,
    ORG_UNIT_PARENT,
    ROLES,
    SIGNING_LIMIT,
    SIGNING_LIMIT_CURRENCY,
    STATUS,
    STATUS_ACTIVE,
    STATUS_LEAVER,
)
from .files import OrgFileRow

MODE_PARTIAL = "partial"
MODE_FULL = "full"
# Signing limits stay well inside a BIGINT of minor units whatever the currency (as budget amounts do).
MAX_SIGNING_LIMIT = Decimal(10) ** 13
EMAIL_PATTERN = re.compile(r"^[^@\s,;<>\"]{1,64}@[A-Za-z0-9.-]{1,189}\.[A-Za-z]{2,63}$")
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$")
NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]*$")

CREATE = "create"
UPDATE = "update"
LEAVER = "leaver"


@dataclass(frozen=True)
class LineError:
    line: int
    column: str
    value: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "value": self.value, "message": self.message}


@dataclass
class UnitChange:
    """An org unit (or cost centre) to create or change: `changes` holds field → (old, new) as shown."""

    code: str
    line: int
    action: str
    existing: Any
    name: str | None = None  # the new name, when it changes or the unit is new
    parent: str | None = None  # org units: the parent's code (None: top level), when `parent_changes`
    parent_changes: bool = False
    org_unit: str | None = None  # cost centres: the org unit of a new one
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


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


@dataclass
class _Row:
    line: int
    email: str
    values: dict[str, Any]  # column → parsed value; None: cleared with "-"; a blank cell is absent


def limit_text(limit: tuple[int, str] | None) -> str | None:
    if limit is None:
        return None
    minor, currency = limit
    return f"{minor_text(minor, currency)} {currency}"


def _decimal(text: str) -> Decimal | None:
    """An amount as people type it: 25000, 25000.50, 25 000,50, 25,000.50, 25'000.50."""
    cleaned = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    if "," in cleaned and "." not in cleaned and cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    elif "," in cleaned:
        cleaned = cleaned.replace(",", "")
    if not re.fullmatch(r"-?\d{1,20}(\.\d{1,10})?", cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


class _Checker:
    def __init__(self, *, legal_entity: LegalEntity, mode: str, by: Any) -> None:
        self.entity = legal_entity
        self.mode = mode
        self.by = by
        self.errors: list[LineError] = []
        self.role_codes = set(Role.objects.values_list("code", flat=True))

    def error(self, line: int, column: str, value: str, message: str) -> None:
        self.errors.append(LineError(line=line, column=column, value=value[:200], message=message))

    # -- cells ----------------------------------------------------------------------------------------------------

    def row(self, raw: OrgFileRow) -> _Row | None:
        line, cells = raw.line, raw.cells
        values: dict[str, Any] = {}
        for column, text in cells.items():
            if not text:
                continue
            limit = COLUMNS[column]
            if len(text) > min(limit, MAX_CELL):
                self.error(line, column, text, _("Too long: at most %(max)d characters.") % {"max": limit})
                continue
            try:
                values[column] = self.cell(column, text)
            except ValueError as problem:
                self.error(line, column, text, str(problem))
        email = values.get(EMAIL)
        if not email:
            if not cells.get(EMAIL):
                self.error(line, EMAIL, "", _("Each row needs the person's e-mail address."))
            return None
        if SIGNING_LIMIT_CURRENCY in values and SIGNING_LIMIT not in values:
            self.error(
                line,
                SIGNING_LIMIT_CURRENCY,
                cells[SIGNING_LIMIT_CURRENCY],
                _("A currency needs a signing_limit on the same row."),
            )
        if isinstance(values.get(SIGNING_LIMIT), Decimal):
            currency = values.get(SIGNING_LIMIT_CURRENCY) or self.entity.currency
            if not within_currency_digits(values[SIGNING_LIMIT], currency):
                self.error(
                    line,
                    SIGNING_LIMIT,
                    cells[SIGNING_LIMIT],
                    _("%(currency)s amounts have at most %(digits)d decimals.")
                    % {"currency": currency, "digits": currency_digits(currency)},
                )
        for dependent in (ORG_UNIT_NAME, ORG_UNIT_PARENT):
            if dependent in values and ORG_UNIT not in values:
                self.error(line, dependent, cells[dependent], _("Give the org_unit code this applies to."))
        if COST_CENTRE_NAME in values and COST_CENTRE not in values:
            self.error(
                line, COST_CENTRE_NAME, cells[COST_CENTRE_NAME], _("Give the cost_centre code this applies to.")
            )
        # A row with a bad cell is still checked with its good ones (every problem is reported at once).
        return _Row(line=line, email=str(email), values=values)

    def cell(self, column: str, text: str) -> Any:
        cleared = text == CLEAR
        if column == EMAIL:
            if not EMAIL_PATTERN.match(text):
                raise ValueError(_("Not an e-mail address."))
            return text.lower()
        if column == MANAGER_EMAIL:
            if cleared:
                return None
            if not EMAIL_PATTERN.match(text):
                raise ValueError(_("Not an e-mail address (or - for no manager)."))
            return text.lower()
        if column == EMPLOYEE_NUMBER:
            if not NUMBER_PATTERN.match(text):
                raise ValueError(_("An employee number: letters, digits and _ . - /"))
            return text
        if column in (FIRST_NAME, LAST_NAME):
            if any(ord(char) < 32 for char in text):
                raise ValueError(_("A name cannot hold control characters."))
            return "" if cleared else text
        if column in (ORG_UNIT_NAME, COST_CENTRE_NAME):
            if cleared:
                raise ValueError(_("A name cannot be cleared: leave the cell blank to keep it."))
            if any(ord(char) < 32 for char in text):
                raise ValueError(_("A name cannot hold control characters."))
            return text
        if column == LEGAL_ENTITY:
            if text.upper() != self.entity.code.upper():
                raise ValueError(
                    _("This import is for %(entity)s: load this person in an import of their own legal entity.")
                    % {"entity": self.entity.code}
                )
            return self.entity.code
        if column in (ORG_UNIT, COST_CENTRE, ORG_UNIT_PARENT):
            if cleared:
                return None
            if not CODE_PATTERN.match(text):
                raise ValueError(_("A code: letters, digits and _ . - / (or - to clear)."))
            return text
        if column == SIGNING_LIMIT:
            if cleared:
                return None
            amount = _decimal(text)
            if amount is None:
                raise ValueError(_("Not an amount: write it as 25000 or 25000.50 (or - for no limit)."))
            if amount < 0:
                raise ValueError(_("A signing limit cannot be negative."))
            if amount >= MAX_SIGNING_LIMIT:
                raise ValueError(_("A signing limit must be below %(max)s.") % {"max": f"{MAX_SIGNING_LIMIT:,}"})
            return amount
        if column == SIGNING_LIMIT_CURRENCY:
            code = text.upper()
            if not is_currency(code):
                raise ValueError(_("Not an ISO 4217 currency code (EUR, SEK, USD …)."))
            return code
        if column == ROLES:
            if cleared:
                return frozenset()
            codes = frozenset(code.strip().lower() for code in re.split(r"[,;|]", text) if code.strip())
            unknown = sorted(codes - self.role_codes)
            if unknown:
                raise ValueError(
                    _("Unknown roles: %(unknown)s. The roles are: %(known)s.")
                    % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(self.role_codes))}
                )
            return codes
        if column == STATUS:
            status = text.lower()
            if status not in (STATUS_ACTIVE, STATUS_LEAVER):
                raise ValueError(_("The status is active or leaver."))
            return status
        raise ValueError(_("Unknown column."))  # pragma: no cover - files.py refuses unknown headers


def org_plan_build(
    *, legal_entity: LegalEntity, rows: Sequence[OrgFileRow], mode: str = MODE_PARTIAL, by: Any = None
) -> OrgPlan:
    """Check every row of a file for `legal_entity` and work out what applying it would change (no write)."""
    checker = _Checker(legal_entity=legal_entity, mode=mode, by=by)
    plan = OrgPlan(legal_entity=legal_entity, mode=mode)
    parsed: list[_Row] = []
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
    units = _units_plan(checker, world, parsed)
    centres = _centres_plan(checker, world, parsed)
    people, unchanged = _people_plan(checker, world, parsed)
    plan.errors = sorted(checker.errors, key=lambda error: (error.line, list(COLUMNS).index(error.column)))
    if not plan.errors:
        plan.org_units, plan.cost_centres, plan.people, plan.unchanged = units, centres, people, unchanged
    return plan


def _manager_emails(rows: Iterable[_Row]) -> list[str]:
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

    @classmethod
    def load(cls, entity: LegalEntity, emails: list[str]) -> "_World":
        user_model = get_user_model()
        users: dict[str, list[Any]] = {}
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
        member_filter = Q(legal_entities=entity) | Q(default_legal_entity=entity)
        members = set(Employee.objects.filter(member_filter).values_list("pk", flat=True))
        employee_ids = [
            user.employee.pk for group in users.values() for user in group if hasattr(user, "employee")
        ]
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
        )


def _units_plan(checker: _Checker, world: _World, rows: list[_Row]) -> list[UnitChange]:
    """The org units the rows name, created or changed (name, parent), parents first."""
    defined: dict[str, tuple[int, str | None, Any]] = {}  # code → (first line, name, parent or KEEP)
    keep = object()
    for row in rows:
        code = row.values.get(ORG_UNIT)
        if not code:
            continue
        name = row.values.get(ORG_UNIT_NAME)
        parent = row.values.get(ORG_UNIT_PARENT, keep)
        if code not in defined:
            defined[code] = (row.line, name, parent)
            continue
        first_line, first_name, first_parent = defined[code]
        if name is not None and first_name is not None and name != first_name:
            checker.error(
                row.line,
                ORG_UNIT_NAME,
                name,
                _("Line %(line)d names org unit %(code)s otherwise.") % {"line": first_line, "code": code},
            )
        if parent is not keep and first_parent is not keep and parent != first_parent:
            checker.error(
                row.line,
                ORG_UNIT_PARENT,
                parent or CLEAR,
                _("Line %(line)d gives org unit %(code)s another parent.") % {"line": first_line, "code": code},
            )
        defined[code] = (
            first_line,
            first_name if first_name is not None else name,
            first_parent if first_parent is not keep else parent,
        )
    # The final tree: code → parent code, for the units of the entity and those of the file.
    parents: dict[str, str | None] = {
        code: unit.parent.code if unit.parent is not None else None for code, unit in world.units.items()
    }
    changes: dict[str, UnitChange] = {}
    for code, (line, name, parent) in defined.items():
        existing = world.units.get(code)
        if parent is not keep and parent is not None and parent not in world.units and parent not in defined:
            checker.error(
                line,
                ORG_UNIT_PARENT,
                parent,
                _("No org unit %(code)s in %(entity)s or in this file.") % {"code": parent, "entity": world.entity.code},
            )
            continue
        if parent == code:
            checker.error(line, ORG_UNIT_PARENT, parent, _("A unit cannot sit below itself."))
            continue
        change = UnitChange(code=code, line=line, action=CREATE if existing is None else UPDATE, existing=existing)
        if existing is None:
            change.name = name or code
            change.changes["name"] = (None, change.name)
            change.parent = None if parent is keep else parent
            change.parent_changes = change.parent is not None
            if change.parent is not None:
                change.changes["parent"] = (None, change.parent)
        else:
            if name is not None and name != existing.name:
                change.name = name
                change.changes["name"] = (existing.name, name)
            old_parent = existing.parent.code if existing.parent is not None else None
            if parent is not keep and parent != old_parent:
                change.parent, change.parent_changes = parent, True
                change.changes["parent"] = (old_parent, parent)
        if change.parent_changes or existing is None:
            parents[code] = change.parent
        if change.changes:
            changes[code] = change
    # A parent chain that comes back to a unit is refused on the lines that made it.
    for code, change in changes.items():
        if not change.parent_changes:
            continue
        walked, current = set(), parents.get(code)
        while current is not None and current not in walked:
            if current == code:
                checker.error(
                    change.line,
                    ORG_UNIT_PARENT,
                    change.parent or "",
                    _("This parent would put org unit %(code)s below itself.") % {"code": code},
                )
                break
            walked.add(current)
            current = parents.get(current)

    def depth(code: str) -> int:
        level, current, walked = 0, parents.get(code), set()
        while current is not None and current not in walked:
            walked.add(current)
            level, current = level + 1, parents.get(current)
        return level

    return sorted(changes.values(), key=lambda change: (depth(change.code), change.line))


def _centres_plan(checker: _Checker, world: _World, rows: list[_Row]) -> list[UnitChange]:
    """The cost centres the rows name, created (with the row's org unit) or renamed."""
    defined: dict[str, tuple[int, str | None, str | None]] = {}  # code → (first line, name, org unit of a new one)
    for row in rows:
        code = row.values.get(COST_CENTRE)
        if not code:
            continue
        name = row.values.get(COST_CENTRE_NAME)
        if code not in defined:
            defined[code] = (row.line, name, row.values.get(ORG_UNIT) or None)
            existing = world.centres.get(code)
            if existing is not None and not existing.is_active:
                checker.error(
                    row.line, COST_CENTRE, code, _("Cost centre %(code)s is closed: reopen it first.") % {"code": code}
                )
            continue
        line, first_name, unit = defined[code]
        if name is not None and first_name is not None and name != first_name:
            checker.error(
                row.line,
                COST_CENTRE_NAME,
                name,
                _("Line %(line)d names cost centre %(code)s otherwise.") % {"line": line, "code": code},
            )
        elif first_name is None:
            defined[code] = (line, name, unit)
    changes = []
    for code, (line, name, unit) in defined.items():
        existing = world.centres.get(code)
        if existing is None:
            change = UnitChange(code=code, line=line, action=CREATE, existing=None, name=name or code, org_unit=unit)
            change.changes["name"] = (None, change.name)
            if unit:
                change.changes["org_unit"] = (None, unit)
            changes.append(change)
        elif name is not None and name != existing.name:
            change = UnitChange(code=code, line=line, action=UPDATE, existing=existing, name=name)
            change.changes["name"] = (existing.name, name)
            changes.append(change)
    return changes


def _people_plan(checker: _Checker, world: _World, rows: list[_Row]) -> tuple[list[PersonChange], int]:
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
        if user is None and get_user_model()._default_manager.filter(username__iexact=row.email).exists():
            checker.error(row.line, EMAIL, row.email, _("Another account has this e-mail as its user name."))
            continue
        existing[row.email] = employee

    # Leavers of the full mode: active people of the entity (their home entity) missing from the file.
    missing: list[Employee] = []
    if checker.mode == MODE_FULL:
        missing = list(
            Employee.objects.filter(default_legal_entity=entity, user__is_active=True, user__is_superuser=False)
            .exclude(user__email="")
            .exclude(user_id=getattr(checker.by, "pk", None))
            .select_related("user")
            .order_by("user__email")
        )
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
        if values.get(STATUS) == STATUS_LEAVER and employee is not None and employee.user_id == getattr(checker.by, "pk", None):
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


def _person_change(world: _World, row: _Row, employee: Employee | None) -> PersonChange | None:
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
        if new_limit != old_limit or employee is None:
            if not (employee is None and new_limit is None):
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
    return PersonChange(email=row.email, line=row.line, action=action, employee=employee, target=target, changes=changes)
