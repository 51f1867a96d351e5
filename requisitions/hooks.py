"""The seam through which approvals and budgets take part in a requisition's life.

Not signals: the services call every registered hook, in registration order, inside their own
transaction, so a hook that raises a RequisitionError refuses the whole step and nothing is kept.
Apps register their hook in AppConfig.ready():

    from requisitions.hooks import RequisitionHook, register

    class BudgetHook(RequisitionHook):
        def validate_submit(self, *, requisition, by): ...

    register(BudgetHook())
"""

from typing import Any

from .models import Requisition


class RequisitionHook:
    """Override what you need; every method does nothing by default."""

    name = "hook"
    # True for the hook that turns `requisition.budget_exception` (set by the budget check when a
    # hard stop is exceeded) into an exception approval stage, or refuses the submission.
    routes_budget_exceptions = False

    def validate_submit(self, *, requisition: Requisition, by: Any) -> None:
        """Refuse a submission by raising a RequisitionError (e.g. code budget_exceeded)."""

    def after_submit(self, *, requisition: Requisition, by: Any) -> None:
        """The requisition is `submitted`; a hook may move it on (approvals: to in_approval or approved)."""

    def after_status_change(self, *, requisition: Requisition, from_status: str, to_status: str, by: Any) -> None:
        """Any status move, including those that end a requisition (withdrawn, cancelled, returned …)."""

    def after_lines_changed(self, *, requisition: Requisition, by: Any) -> None:
        """Lines were added, changed or removed (budget advisory checks, approval restarts)."""


_hooks: list[RequisitionHook] = []


def register(hook: RequisitionHook) -> None:
    if all(type(existing) is not type(hook) for existing in _hooks):
        _hooks.append(hook)


def registered() -> tuple[RequisitionHook, ...]:
    return tuple(_hooks)
