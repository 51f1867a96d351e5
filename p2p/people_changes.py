"""People change: a manager, an org unit, a cost centre, a signing limit, a leaver or a rejoiner, from any
provisioning path (the org import, SCIM, single sign-on's just-in-time provisioning, the admin).

    apply      procurement: each employee's fields validated, saved and audited field by field (from → to, source);
               the batch's manager chains checked for cycles once, on the final state; a leaver's login switched
               off, their API tokens revoked and their sessions ended; a rejoiner's login switched on
    leavers    approvals: the delegations they gave or received that are in force or ahead end; their open
               approval tasks go to their manager (or up the chain; else the entity's administrators)
    re-route   approvals: every open approval chain the batch touches (requisitions of the changed people and of
               everyone below them, tasks they hold) is resolved again by the usual rules, and the pending steps'
               tasks move to whoever the rules name now; decided steps stay as they were

All in one transaction (the caller's, or its own): a refusal anywhere keeps nothing. docs/identity.md
"People changes: managers, limits, leavers" says what moves, to whom, and what is audited.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from approvals.reroute import approval_delegations_end, approval_work_reroute
from procurement.events import audit_event_record
from procurement.models import CostCentre, Employee, OrgUnit
from procurement.people import (
    UNSET,
    EmployeeChanged,
    employees_access_end,
    employees_manager_cycles_check,
    employees_org_update,
)
from requisitions.selectors import requisition_numbers_open

# A leaver's summary: what was ended for them, and their open requisitions left as they are.
EVENT_LEFT = "organisation.employee.left"

__all__ = ["UNSET", "EmployeeOrgChange", "PeopleChangeResult", "employees_org_apply"]


@dataclass(frozen=True)
class EmployeeOrgChange:
    """What to change of one employee; a field left UNSET stays as it is (None: no manager, no unit, no limit)."""

    employee: Employee
    manager: Employee | object | None = UNSET
    org_unit: OrgUnit | object | None = UNSET
    default_cost_centre: CostCentre | object | None = UNSET
    # Minor units of signing_limit_currency; None: no limit.
    signing_limit_minor: int | object | None = UNSET
    signing_limit_currency: str | object = UNSET
    # False: a leaver (login off, tokens revoked, sessions ended, tasks reassigned, delegations ended); True: a
    # rejoiner (login on again, nothing else).
    active: bool | object = UNSET


@dataclass(frozen=True)
class PeopleChangeResult:
    changed_employees: int
    # Open approval tasks moved because the approver the rules name changed.
    rerouted_tasks: int
    # Open tasks of leavers given to someone else.
    reassigned_tasks: int
    delegations_ended: int


def employees_org_apply(*, changes: Sequence[EmployeeOrgChange], by: Any, source: str) -> PeopleChangeResult:
    """Apply all changes (in the caller's transaction, or one of its own), audited per field (from → to, source),
    then move open approval work once for the whole batch.

    `by` is who made the change (a user or an employee; None for a machine without one), `source` where it came from
    ("org_import", "scim", "sso", "admin"). Raises procurement.people.PeopleChangeInvalid (naming the employee and
    the field) and writes nothing when a change would break the organisation (a manager cycle, a limit without a
    currency). A change that sets what is already there writes and reads nothing more (an import run again)."""
    actor = by.user if isinstance(by, Employee) else by
    with transaction.atomic():
        # 1. procurement: each employee's fields, audited; the manager chains checked once, on the final state.
        applied: list[EmployeeChanged] = employees_org_update(
            changes=[
                {
                    "employee": change.employee,
                    "manager": change.manager,
                    "org_unit": change.org_unit,
                    "default_cost_centre": change.default_cost_centre,
                    "signing_limit_minor": change.signing_limit_minor,
                    "signing_limit_currency": change.signing_limit_currency,
                    "active": change.active,
                }
                for change in changes
            ],
            by=actor,
            source=source,
        )
        employees_manager_cycles_check(employees=[item.employee for item in applied if "manager" in item.fields])
        changed = [item for item in applied if item.fields]
        if not changed:
            return PeopleChangeResult(changed_employees=0, rerouted_tasks=0, reassigned_tasks=0, delegations_ended=0)
        leavers = [item.employee for item in changed if item.fields.get("active", {}).get("to") is False]
        # 2. procurement: a leaver's tokens revoked and sessions ended.
        access = employees_access_end(employees=leavers, by=actor)
        # 3. approvals: the leavers' delegations end (their tasks move in 4).
        leaver_ids = [employee.pk for employee in leavers]
        ended = approval_delegations_end(employee_ids=leaver_ids, by=actor, source=source)
        # 4. approvals: the open chains the batch touches re-routed by the rules; what leavers still hold moves on.
        #    A rejoiner's login alone comes back: what moved when they left stays where it went.
        moving = [item.employee.pk for item in changed if set(item.fields) != {"active"} or item.employee in leavers]
        work = approval_work_reroute(employee_ids=moving, leaver_ids=leaver_ids, by=actor, source=source)
        # 5. A leaver's own open requisitions stay as they are (nothing is deleted): noted for whoever follows up.
        for employee in leavers:
            audit_event_record(
                event_type=EVENT_LEFT,
                actor=actor,
                legal_entity=employee.default_legal_entity,
                obj=employee,
                data={
                    "employee": employee.user.get_username(),
                    "source": source,
                    **access[employee.pk],
                    "open_requisitions": requisition_numbers_open(requester=employee),
                },
            )
        return PeopleChangeResult(
            changed_employees=len(changed),
            rerouted_tasks=work.rerouted,
            reassigned_tasks=work.reassigned,
            delegations_ended=ended,
        )
