"""The approver's inbox: every open approval task of an employee with what they need to decide it."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import BigIntegerField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from procurement.models import Employee
from procurement.money import Money, available_minor
from requisitions.models import Requisition, RequisitionLine

from .flows import ApprovalFlow
from .models import ApprovalStep, ApprovalStepApprover


@dataclass(frozen=True)
class InboxItem:
    task_id: int
    created: datetime
    requisition: Requisition
    total: Money | None
    step: ApprovalStep
    assignment: ApprovalStepApprover
    lines: list[RequisitionLine]
    earlier_steps: list[ApprovalStep]
    budget_impact: list["BudgetImpact"]


@dataclass(frozen=True)
class BudgetImpact:
    """What the requisition holds on one budget, what that budget has left without it and after it
    (left now − this requisition = left after, to the cent: the same ledger entries)."""

    budget: str
    control: str
    this_requisition: Money
    available: Money  # left after: with this requisition counted
    left_now: Money  # without this requisition's pre-commitment


def budget_impacts(requisition_ids: set[int]) -> dict[int, list[BudgetImpact]]:
    """Two queries for a whole inbox page."""
    from django.db.models import Sum

    from budgets.models import Budget, BudgetEntry

    held = list(
        BudgetEntry.objects.filter(
            requisition_id__in=requisition_ids, kind__in=[BudgetEntry.Kind.PRECOMMITMENT, BudgetEntry.Kind.RELEASE]
        )
        .values("requisition_id", "budget_id")
        .annotate(held=Sum("amount_minor"))
        .order_by("budget_id")
    )
    budgets = {
        budget.pk: budget
        for budget in Budget.objects.filter(pk__in={row["budget_id"] for row in held})
        .select_related("cost_centre")
        .annotate(used=Sum("entries__amount_minor"))
    }
    impacts: dict[int, list[BudgetImpact]] = {}
    for row in held:
        if not row["held"]:
            continue
        budget = budgets[row["budget_id"]]
        after = available_minor(amount_minor=budget.amount_minor, used_minor=budget.used)
        impacts.setdefault(row["requisition_id"], []).append(
            BudgetImpact(
                budget=f"{budget.cost_centre.code} {budget.period_label}",
                control=budget.control,
                this_requisition=Money.from_minor(row["held"], budget.currency),
                available=Money.from_minor(after, budget.currency),
                left_now=Money.from_minor(after + row["held"], budget.currency),
            )
        )
    return impacts


def _open_tasks(employee: Employee, legal_entity_id: int | None) -> Any:
    tasks = Task.objects.filter(owner=employee.user, flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED)
    if legal_entity_id is not None:
        # The requisition id sits in the process's JSON data: cast it to compare with ids (PostgreSQL is strict).
        processes = Process.objects.annotate(requisition_id=Cast(KT("data__requisition"), BigIntegerField())).filter(
            requisition_id__in=Requisition.objects.filter(legal_entity_id=legal_entity_id).values("pk")
        )
        tasks = tasks.filter(process__in=processes.values("pk"))
    return tasks


def approval_inbox_count(*, employee: Employee, legal_entity_id: int | None = None) -> int:
    return int(_open_tasks(employee, legal_entity_id).count())


def approval_inbox(
    *,
    employee: Employee,
    order: str = "oldest",
    offset: int = 0,
    limit: int = 100,
    legal_entity_id: int | None = None,
) -> list[InboxItem]:
    """One page of the open tasks owned by the employee, in a constant number of queries.

    Oldest and newest order the whole inbox; "amount" orders the page.
    """
    tasks = list(
        _open_tasks(employee, legal_entity_id)
        .only("pk", "created", "data")
        .order_by("-created" if order == "newest" else "created", "pk")[offset : offset + limit]
    )
    assignment_ids = [task.data["assignment"] for task in tasks]
    assignments = {
        a.pk: a
        for a in ApprovalStepApprover.objects.filter(pk__in=assignment_ids).select_related(
            "step__rule", "step__chain__requisition__requester__user", "step__chain__requisition__legal_entity"
        )
    }
    chain_ids = {a.step.chain_id for a in assignments.values()}
    steps: dict[int, list[ApprovalStep]] = {}
    for step in (
        ApprovalStep.objects.filter(chain_id__in=chain_ids)
        .prefetch_related("approvers__approver__user", "approvers__decided_by__user")
        .order_by("chain_id", "position")
    ):
        steps.setdefault(step.chain_id, []).append(step)
    requisition_ids = {a.step.chain.requisition_id for a in assignments.values()}
    lines: dict[int, list[RequisitionLine]] = {}
    # The first five lines of each requisition: a summary, not the whole cart.
    for line in (
        RequisitionLine.objects.filter(requisition_id__in=requisition_ids, line_number__lte=5)
        .select_related("supplier")
        .order_by("requisition_id", "line_number")
    ):
        lines.setdefault(line.requisition_id, []).append(line)
    impacts = budget_impacts(requisition_ids)
    items = []
    for task in tasks:
        assignment = assignments.get(task.data["assignment"])
        if assignment is None:
            continue
        requisition = assignment.step.chain.requisition
        items.append(
            InboxItem(
                task_id=task.pk,
                created=task.created,
                requisition=requisition,
                total=requisition.total,
                step=assignment.step,
                assignment=assignment,
                lines=lines.get(requisition.pk, []),
                earlier_steps=[
                    s for s in steps.get(assignment.step.chain_id, []) if s.position < assignment.step.position
                ],
                budget_impact=impacts.get(requisition.pk, []),
            )
        )
    if order == "amount":
        items.sort(key=lambda item: -(item.requisition.total_minor or 0))
    return items
