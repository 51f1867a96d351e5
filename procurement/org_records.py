"""Writes of the organisation's records that provisioning makes (the org import, identity.org_import): org units and
cost centres created or changed, people created, their names and roles set. Each write is audited in the caller's
transaction. Managers, org units, cost centres and signing limits of people change through p2p.people_changes
(which also moves their open approval work), not here."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from .events import audit_event_record
from .models import CostCentre, Employee, LegalEntity, OrgUnit, Role

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
def employee_create(
    *, email: str, first_name: str, last_name: str, legal_entity: LegalEntity, by: Any, source: str
) -> Employee:
    """A new person of `legal_entity`: a user named by their e-mail, without a password (they sign in through
    single sign-on, or an administrator sets one), and their employee profile, a member of the entity."""
    user = get_user_model()._default_manager.create_user(
        username=email[:150], email=email, first_name=first_name[:150], last_name=last_name[:150]
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    employee = Employee.objects.create(user=user, default_legal_entity=legal_entity)
    employee.legal_entities.add(legal_entity)
    audit_event_record(
        event_type=EVENT_EMPLOYEE_CREATED,
        actor=by,
        legal_entity=legal_entity,
        obj=employee,
        data={"email": email, "first_name": first_name, "last_name": last_name, "source": source},
    )
    return employee


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


@transaction.atomic
def employee_roles_set(*, employee: Employee, roles: Iterable[str], by: Any, source: str) -> Employee:
    """The employee's roles become exactly `roles` (Role codes)."""
    wanted = set(roles)
    have = set(employee.roles.values_list("code", flat=True))
    if wanted != have:
        employee.roles.remove(*Role.objects.filter(code__in=have - wanted))
        employee.roles.add(*Role.objects.filter(code__in=wanted - have))
        audit_event_record(
            event_type=EVENT_EMPLOYEE_ROLES_CHANGED,
            actor=by,
            legal_entity=employee.default_legal_entity,
            obj=employee,
            data={"from": sorted(have), "to": sorted(wanted), "source": source},
        )
    return employee
