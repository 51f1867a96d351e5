"""The approver's inbox: every open approval task of an employee with what they need to decide it: a requisition
(its lines, what it holds on its budgets), or a supplier invoice on hold (what differs from the order, in the
match's plain words, from the chain's summary)."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db.models import BigIntegerField, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import STATUS

from procurement.models import Employee
from procurement.money import Money
from requisitions.models import Requisition, RequisitionLine
from requisitions.selectors import requisition_ids_of_entity, requisition_lines_first

from .decisions import actions
from .flows import ApprovalFlow
from .invoice_summary import InvoiceSummary
from .models import ApprovalChain, ApprovalStep, ApprovalStepApprover


class BudgetImpactRow(Protocol):
    """One budget a requisition holds part of, as the inbox shows it (budgets.selectors.budget_impacts reads it)."""

    @property
    def budget(self) -> str: ...
    @property
    def control(self) -> str: ...
    @property
    def this_requisition(self) -> Money: ...
    @property
    def available(self) -> Money:
        """Left after: with this requisition counted."""
        ...

    @property
    def left_now(self) -> Money:
        """Left without this requisition's pre-commitment."""
        ...


@dataclass(frozen=True)
class InboxItem:
    task_id: int
    created: datetime
    requisition: Requisition | None  # None for an invoice's task
    total: Money | None
    step: ApprovalStep
    assignment: ApprovalStepApprover
    lines: list[RequisitionLine]
    earlier_steps: list[ApprovalStep]
    budget_impact: Sequence[BudgetImpactRow]
    chain: ApprovalChain | None = None
    invoice: InvoiceSummary | None = None  # set for an invoice's task

    @property
    def subject(self) -> str:
        return ApprovalChain.Subject.INVOICE if self.invoice is not None else ApprovalChain.Subject.REQUISITION

    @property
    def actions(self) -> list[dict[str, str]]:
        """The three decisions with their labels: Approve / Return / Reject, or Accept variance / Ask for a
        credit note / Reject invoice."""
        return actions(self.subject)

    @property
    def label(self) -> str:
        """The requisition's number, or "Invoice 123 (Supplier)"."""
        if self.requisition is not None:
            return self.requisition.number
        if self.invoice is None:
            return ""
        return _("Invoice %(number)s (%(supplier)s)") % {
            "number": self.invoice.number,
            "supplier": self.invoice.supplier_name,
        }


# Reads what each requisition holds on which budget: budgets.selectors.budget_impacts. Budgets is a sibling of
# approvals (neither imports the other), so the web edge that shows the inbox hands the reader in.
BudgetImpactReader = Callable[..., Mapping[int, Sequence[BudgetImpactRow]]]


def _open_tasks(employee: Employee, legal_entity_id: int | None) -> Any:
    tasks = Task.objects.filter(owner=employee.user, flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED)
    if legal_entity_id is not None:
        # The requisition id sits in the process's JSON data: cast it to compare with ids (PostgreSQL is strict).
        # An invoice's process names its legal entity in its data.
        processes = Process.objects.annotate(
            requisition_id=Cast(KT("data__requisition"), BigIntegerField()),
            entity_id=Cast(KT("data__legal_entity"), BigIntegerField()),
        ).filter(
            Q(requisition_id__in=requisition_ids_of_entity(legal_entity_id=legal_entity_id))
            | Q(entity_id=legal_entity_id)
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
    budget_impacts: BudgetImpactReader | None = None,
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
    requisition_ids = {a.step.chain.requisition_id for a in assignments.values() if a.step.chain.requisition_id}
    # The first five lines of each requisition: a summary, not the whole cart.
    lines = requisition_lines_first(requisition_ids=requisition_ids, count=5)
    impacts = budget_impacts(requisition_ids=requisition_ids) if budget_impacts and requisition_ids else {}
    items = []
    for task in tasks:
        assignment = assignments.get(task.data["assignment"])
        if assignment is None:
            continue
        chain = assignment.step.chain
        requisition = chain.requisition
        invoice = InvoiceSummary.of(chain) if chain.is_invoice else None
        items.append(
            InboxItem(
                task_id=task.pk,
                created=task.created,
                requisition=requisition,
                total=requisition.total if requisition is not None else invoice.total if invoice else None,
                step=assignment.step,
                assignment=assignment,
                lines=lines.get(requisition.pk, []) if requisition is not None else [],
                earlier_steps=[
                    s for s in steps.get(assignment.step.chain_id, []) if s.position < assignment.step.position
                ],
                # Budget impacts are a requisition's: an invoice's money reaches the budgets when it is approved.
                budget_impact=impacts.get(requisition.pk, []) if requisition is not None else [],
                chain=chain,
                invoice=invoice,
            )
        )
    if order == "amount":
        items.sort(key=_amount_first)
    return items


def _amount_first(item: InboxItem) -> int:
    if item.requisition is not None:
        return -(item.requisition.total_minor or 0)
    return -item.step.chain.total_minor


def approval_open_task_id(
    *, employee: Employee, requisition_id: int | None = None, invoice_id: int | None = None
) -> int | None:
    """The id of the employee's open task on a requisition's (or an invoice's) chain, if they hold one."""
    tasks = Task.objects.filter(owner=employee.user, flow_task=ApprovalFlow.approve, status=STATUS.ASSIGNED)
    if invoice_id is not None:
        tasks = tasks.filter(process__data__invoice=invoice_id)
    else:
        tasks = tasks.filter(process__data__requisition=requisition_id)
    return tasks.order_by("pk").values_list("pk", flat=True).first()
