from requisitions.errors import RequisitionError


class ApprovalError(RequisitionError):
    code = "approval_error"


class NoEligibleApprover(ApprovalError):
    code = "no_eligible_approver"


class RequisitionBlocked(ApprovalError):
    code = "blocked_by_rule"


class TaskNotYours(ApprovalError):
    code = "not_your_task"
    status = 403


class TaskAlreadyDecided(ApprovalError):
    code = "already_decided"
    status = 409


class CommentRequired(ApprovalError):
    code = "comment_required"


class BudgetExceptionRefused(ApprovalError):
    """A hard-stop budget is exceeded and no budget-exception rule sends the requisition to finance."""

    code = "budget_exceeded"
