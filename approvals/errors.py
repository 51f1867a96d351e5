from requisitions.errors import RequisitionError

from .error_codes import ApprovalErrorCode


class ApprovalError(RequisitionError):
    code = ApprovalErrorCode.APPROVAL_ERROR


class NoEligibleApprover(ApprovalError):
    code = ApprovalErrorCode.NO_ELIGIBLE_APPROVER


class RequisitionBlocked(ApprovalError):
    code = ApprovalErrorCode.BLOCKED_BY_RULE


class TaskNotYours(ApprovalError):
    code = ApprovalErrorCode.NOT_YOUR_TASK
    status = 403


class TaskAlreadyDecided(ApprovalError):
    code = ApprovalErrorCode.ALREADY_DECIDED
    status = 409


class CommentRequired(ApprovalError):
    code = ApprovalErrorCode.COMMENT_REQUIRED


class BudgetExceptionRefused(ApprovalError):
    """A hard-stop budget is exceeded and no budget-exception rule sends the requisition to finance."""

    code = ApprovalErrorCode.BUDGET_EXCEEDED


class ApprovalChainTransitionNotAllowed(ApprovalError):
    code = ApprovalErrorCode.TRANSITION_NOT_ALLOWED
    status = 409
