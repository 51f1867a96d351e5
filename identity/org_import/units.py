"""The org units and cost centres an organisation file names: created, renamed or moved (identity.org_import.plan)."""

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from .cells import CellChecker, CheckedRow
from .columns import CLEAR, COST_CENTRE, COST_CENTRE_NAME, ORG_UNIT, ORG_UNIT_NAME, ORG_UNIT_PARENT

CREATE = "create"
UPDATE = "update"


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


def units_plan(checker: CellChecker, world: Any, rows: list[CheckedRow]) -> list[UnitChange]:
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
                _("No org unit %(code)s in %(entity)s or in this file.")
                % {"code": parent, "entity": world.entity.code},
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


def centres_plan(checker: CellChecker, world: Any, rows: list[CheckedRow]) -> list[UnitChange]:
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
