"""Applying an organisation import (identity.org_import): one transaction that checks the file again on the current
data, creates and changes org units and cost centres (procurement.org_records), creates the new people, sets names
and roles, and hands every change of a manager, org unit, default cost centre, signing limit or activeness to
p2p.people_changes, which audits each field and moves open approval work (re-routed tasks, leavers' tasks,
delegations). Then the run is marked applied with the counts.

If the data changed since the diff was shown, nothing is applied: the run gets the new diff (or the new errors) and
the caller shows it. If anything fails midway, everything rolls back and the run is marked failed with the reason.
Applying the same file again changes nothing (its diff is empty).
"""

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from identity.models import OrgImportRun
from identity.org_import.error_codes import OrgImportErrorCode
from identity.org_import.plan import CREATE, OrgPlan, org_plan_build
from identity.org_import.runs import (
    org_import_run_applied,
    org_import_run_checked,
    org_import_run_failed,
    org_import_run_rows,
)
from procurement.errors import ProcurementError
from procurement.models import CostCentre, Employee, LegalEntity, OrgUnit
from procurement.org_records import (
    cost_centre_create,
    cost_centre_rename,
    employee_name_update,
    employees_create,
    employees_roles_set,
    org_unit_create,
    org_unit_update,
)

from .people_changes import UNSET, EmployeeOrgChange, employees_org_apply

logger = logging.getLogger(__name__)

SOURCE = "org_import"


class OrgImportRefused(ProcurementError):
    """The run cannot be applied as it is (errors, already applied, leavers not confirmed): nothing was written."""

    code = OrgImportErrorCode.INVALID_LINES


class OrgImportChanged(ProcurementError):
    """The data changed since the diff was shown: the run now holds the new diff (or errors); nothing applied."""

    code = OrgImportErrorCode.CHANGED_SINCE_PREVIEW
    status = 409


class OrgImportFailed(ProcurementError):
    """Applying failed midway: everything was rolled back and the run is marked failed."""

    code = OrgImportErrorCode.FAILED
    status = 409


@dataclass(frozen=True)
class OrgImportApplied:
    run: OrgImportRun
    result: dict[str, int]


def org_import_apply(
    *, run_id: int, legal_entity: LegalEntity, by: Any, confirm_leavers: bool = False
) -> OrgImportApplied:
    """Apply the draft run `run_id` of `legal_entity` in one transaction (see the module's docstring).

    Raises OrgImportRefused (nothing written), OrgImportChanged (the run holds the new diff) or OrgImportFailed
    (rolled back, the run marked failed)."""
    changed = False
    try:
        with transaction.atomic():
            run = (
                OrgImportRun.objects.select_for_update()
                .select_related("legal_entity")
                .filter(pk=run_id, legal_entity=legal_entity)
                .first()
            )
            if run is None:
                raise OrgImportRefused(_("There is no such import."), code=OrgImportErrorCode.NOT_FOUND)
            if run.status == OrgImportRun.Status.APPLIED:
                raise OrgImportRefused(
                    _("This import was applied already: upload the file again to apply it again."),
                    code=OrgImportErrorCode.ALREADY_APPLIED,
                )
            if run.errors:
                raise OrgImportRefused(_("Correct the lines with problems and upload the file again."))
            plan = org_plan_build(legal_entity=legal_entity, rows=org_import_run_rows(run), mode=run.mode, by=by)
            if plan.errors or plan.diff() != run.diff:
                org_import_run_checked(run=run, plan=plan)
                changed = True
            else:
                if any(person.line == 0 for person in plan.people) and not confirm_leavers:
                    raise OrgImportRefused(
                        _("Tick the box that confirms the leavers of the full import."),
                        code=OrgImportErrorCode.LEAVERS_NOT_CONFIRMED,
                    )
                result = _carry_out(plan, by=by)
                org_import_run_applied(run=run, result=result, by=by)
    except (OrgImportRefused, OrgImportChanged):
        raise
    except Exception as error:
        reason = error.message if isinstance(error, ProcurementError) else _("An unexpected error stopped the import.")
        logger.exception("org import %s failed", run_id)
        org_import_run_failed(run_id=run_id, reason=str(reason), by=by)
        raise OrgImportFailed(
            _("Nothing was changed: %(reason)s") % {"reason": reason}, code=OrgImportErrorCode.FAILED
        ) from error
    if changed:
        raise OrgImportChanged(
            _("The organisation changed since this diff was made: check the new diff below, then apply again.")
        )
    return OrgImportApplied(run=run, result=result)


def _carry_out(plan: OrgPlan, *, by: Any) -> dict[str, int]:
    entity = plan.legal_entity
    units = {unit.code: unit for unit in OrgUnit.objects.filter(legal_entity=entity)}
    for unit_change in plan.org_units:
        parent = units[unit_change.parent] if unit_change.parent else None
        if unit_change.action == CREATE:
            units[unit_change.code] = org_unit_create(
                legal_entity=entity,
                code=unit_change.code,
                name=unit_change.name or unit_change.code,
                parent=parent,
                by=by,
                source=SOURCE,
            )
        else:
            given: dict[str, Any] = {}
            if unit_change.name is not None:
                given["name"] = unit_change.name
            if unit_change.parent_changes:
                given["parent"] = parent
            units[unit_change.code] = org_unit_update(org_unit=units[unit_change.code], by=by, source=SOURCE, **given)
    centres = {centre.code: centre for centre in CostCentre.objects.filter(legal_entity=entity)}
    for centre_change in plan.cost_centres:
        if centre_change.action == CREATE:
            centres[centre_change.code] = cost_centre_create(
                legal_entity=entity,
                code=centre_change.code,
                name=centre_change.name or centre_change.code,
                org_unit=units.get(centre_change.org_unit) if centre_change.org_unit else None,
                by=by,
                source=SOURCE,
            )
        else:
            cost_centre_rename(
                cost_centre=centres[centre_change.code], name=centre_change.name or "", by=by, source=SOURCE
            )

    new = [
        (person.email, person.target.get("first_name", ""), person.target.get("last_name", ""))
        for person in plan.people
        if person.action == CREATE
    ]
    people: dict[str, Employee] = employees_create(people=new, legal_entity=entity, by=by, source=SOURCE)
    for person in plan.people:
        if person.action == CREATE:
            continue
        assert person.employee is not None
        people[person.email] = person.employee
        names = {name: person.target[name] for name in ("first_name", "last_name") if name in person.target}
        if names:
            employee_name_update(employee=person.employee, by=by, source=SOURCE, **names)
    employees_roles_set(
        roles={people[person.email]: set(person.target["roles"]) for person in plan.people if "roles" in person.target},
        by=by,
        source=SOURCE,
    )

    wanted = {
        person.target["manager"]
        for person in plan.people
        if person.target.get("manager") and person.target["manager"] not in people
    }
    managers = dict(people)
    if wanted:
        for employee in (
            Employee.objects.select_related("user")
            .annotate(email_lower=Lower("user__email"))
            .filter(email_lower__in=sorted(wanted))
        ):
            managers[employee.email_lower] = employee
    changes = []
    for person in plan.people:
        target = person.target
        fields: dict[str, Any] = {}
        if "manager" in target:
            fields["manager"] = managers[target["manager"]] if target["manager"] else None
        if "org_unit" in target:
            fields["org_unit"] = units[target["org_unit"]] if target["org_unit"] else None
        if "default_cost_centre" in target:
            code = target["default_cost_centre"]
            fields["default_cost_centre"] = centres[code] if code else None
        if "signing_limit" in target:
            limit = target["signing_limit"]
            fields["signing_limit_minor"] = limit[0] if limit else None
            fields["signing_limit_currency"] = limit[1] if limit else UNSET
        if "active" in target:
            fields["active"] = target["active"]
        if fields:
            changes.append(EmployeeOrgChange(employee=people[person.email], **fields))
    moved = employees_org_apply(changes=changes, by=by, source=SOURCE)
    return {
        **plan.counts,
        "changed_employees": moved.changed_employees,
        "rerouted_tasks": moved.rerouted_tasks,
        "reassigned_tasks": moved.reassigned_tasks,
        "delegations_ended": moved.delegations_ended,
    }
