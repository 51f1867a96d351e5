"""Writes of the organisation's records that provisioning makes (the org import, identity.org_import): org units and
cost centres created or changed, people created, their names and roles set. Each write is audited in the caller's
transaction. Managers, org units, cost centres and signing limits of people change through p2p.people_changes
(which also moves their open approval work), not here."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from .events import audit_event_record, audit_event_row
from .models import AuditEvent, CostCentre, Employee, LegalEntity, OrgUnit

EVENT_ORG_UNIT_CREATED = "org_unit.created"
EVENT_ORG_UNIT_CHANGED = "org_unit.changed"
EVENT_COST_CENTRE_CREATED = "cost_centre.created"
EVENT_COST_CENTRE_CHANGED = "cost_centre.changed"
EVENT_EMPLOYEE_CREATED = "employee.created"
EVENT_EMPLOYEE_NAME_CHANGED = "employee.name_changed"
EVENT_EMPLOYEE_ROLES_CHANGED = "employee.roles_changed"

_KEEP: Any = object()


@transaction.atomic
def org_unit_create(
    *, legal_entity: LegalEntity, code: str, name: str, parent: OrgUnit | None, by: Any, source: str
) -> OrgUnit:
    unit = OrgUnit.objects.create(legal_entity=legal_entity, code=code, name=name, parent=parent)
    audit_event_record(
        event_type=EVENT_ORG_UNIT_CREATED,
        actor=by,
        legal_entity=legal_entity,
        obj=unit,
        data={"code": code, "name": name, "parent": parent.code if parent else None, "source": source},
    )
    return unit


@transaction.atomic
def org_unit_update(
    *, org_unit: OrgUnit, by: Any, source: str, name: str = _KEEP, parent: OrgUnit | None = _KEEP
) -> OrgUnit:
    """Rename a unit or move it below another (of its entity; the caller has checked the tree stays a tree)."""
    changes: dict[str, dict[str, Any]] = {}
    if name is not _KEEP and name != org_unit.name:
        changes["name"] = {"from": org_unit.name, "to": name}
        org_unit.name = name
    if parent is not _KEEP and (parent.pk if parent else None) != org_unit.parent_id:
        if parent is not None and parent.legal_entity_id != org_unit.legal_entity_id:
            raise ValueError("the parent unit belongs to another legal entity")
        changes["parent"] = {
            "from": org_unit.parent.code if org_unit.parent else None,
            "to": parent.code if parent else None,
        }
        org_unit.parent = parent
    if changes:
        org_unit.save(update_fields=[name for name in changes])
        audit_event_record(
            event_type=EVENT_ORG_UNIT_CHANGED,
            actor=by,
            legal_entity=org_unit.legal_entity,
            obj=org_unit,
            data={"code": org_unit.code, "changes": changes, "source": source},
        )
    return org_unit


@transaction.atomic
def cost_centre_create(
    *, legal_entity: LegalEntity, code: str, name: str, org_unit: OrgUnit | None, by: Any, source: str
) -> CostCentre:
    centre = CostCentre.objects.create(legal_entity=legal_entity, code=code, name=name, org_unit=org_unit)
    audit_event_record(
        event_type=EVENT_COST_CENTRE_CREATED,
        actor=by,
        legal_entity=legal_entity,
        obj=centre,
        data={"code": code, "name": name, "org_unit": org_unit.code if org_unit else None, "source": source},
    )
    return centre


@transaction.atomic
def cost_centre_rename(*, cost_centre: CostCentre, name: str, by: Any, source: str) -> CostCentre:
    if name != cost_centre.name:
        old, cost_centre.name = cost_centre.name, name
        cost_centre.save(update_fields=["name"])
        audit_event_record(
            event_type=EVENT_COST_CENTRE_CHANGED,
            actor=by,
            legal_entity=cost_centre.legal_entity,
            obj=cost_centre,
            data={"code": cost_centre.code, "changes": {"name": {"from": old, "to": name}}, "source": source},
        )
    return cost_centre


@transaction.atomic
def employees_create(
    *, people: Iterable[tuple[str, str, str]], legal_entity: LegalEntity, by: Any, source: str
) -> dict[str, Employee]:
    """`employee_create` for many people at once ((email, first name, last name) each), in a few statements
    whatever their number: an import's first load of a company. Answers e-mail → employee."""
    people = list(people)
    if not people:
        return {}
    user_model = get_user_model()
    users = user_model._default_manager.bulk_create(
        [
            user_model(
                username=email[:150],
                email=email,
                first_name=first_name[:150],
                last_name=last_name[:150],
                password=make_password(None),
            )
            for email, first_name, last_name in people
        ]
    )
    employees = Employee.objects.bulk_create([Employee(user=user, default_legal_entity=legal_entity) for user in users])
    membership = Employee.legal_entities.through
    membership.objects.bulk_create(
        [membership(employee_id=employee.pk, legalentity_id=legal_entity.pk) for employee in employees]
    )
    AuditEvent.objects.bulk_create(
        [
            audit_event_row(
                event_type=EVENT_EMPLOYEE_CREATED,
                actor=by,
                legal_entity=legal_entity,
                obj=employee,
                data={"email": email, "first_name": first_name, "last_name": last_name, "source": source},
            )
            for employee, (email, first_name, last_name) in zip(employees, people, strict=True)
        ]
    )
    for employee, user in zip(employees, users, strict=True):
        employee.user = user
    return {user.email: employee for user, employee in zip(users, employees, strict=True)}


@transaction.atomic
def employees_roles_set(*, roles: dict[Employee, set[str]], by: Any, source: str) -> int:
    """The roles of each employee become exactly the codes given for them, in a few statements whatever their
    number; each employee whose roles change is audited (`employee.roles_changed`). Answers how many changed."""
    if not roles:
        return 0
    through = Employee.roles.through
    have: dict[int, set[str]] = {employee.pk: set() for employee in roles}
    ids = sorted(have)
    for start in range(0, len(ids), 5000):
        for employee_id, role in through.objects.filter(employee_id__in=ids[start : start + 5000]).values_list(
            "employee_id", "role_id"
        ):
            have[employee_id].add(role)
    removed: list[tuple[int, str]] = []
    added = []
    events = []
    for employee, wanted in roles.items():
        old = have[employee.pk]
        if wanted == old:
            continue
        removed += [(employee.pk, code) for code in old - wanted]
        added += [through(employee_id=employee.pk, role_id=code) for code in sorted(wanted - old)]
        events.append(
            audit_event_row(
                event_type=EVENT_EMPLOYEE_ROLES_CHANGED,
                actor=by,
                legal_entity=employee.default_legal_entity,
                obj=employee,
                data={"from": sorted(old), "to": sorted(wanted), "source": source},
            )
        )
    for employee_id, code in removed:
        through.objects.filter(employee_id=employee_id, role_id=code).delete()
    through.objects.bulk_create(added)
    AuditEvent.objects.bulk_create(events)
    return len(events)


@transaction.atomic
def employee_name_update(
    *, employee: Employee, by: Any, source: str, first_name: str = _KEEP, last_name: str = _KEEP
) -> Employee:
    user = employee.user
    changes: dict[str, dict[str, str]] = {}
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        if value is not _KEEP and value != getattr(user, field):
            changes[field] = {"from": getattr(user, field), "to": value}
            setattr(user, field, value[:150])
    if changes:
        user.save(update_fields=list(changes))
        audit_event_record(
            event_type=EVENT_EMPLOYEE_NAME_CHANGED,
            actor=by,
            legal_entity=employee.default_legal_entity,
            obj=employee,
            data={"changes": changes, "source": source},
        )
    return employee
