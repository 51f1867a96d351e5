from requisitions.errors import RequisitionError


class ApprovalError(RequisitionError):
    code = "approval_error"


class NoEligibleApprover(ApprovalError):
    code = "no_eligible_approver"


class RequisitionBlocked(ApprovalError):
    code = "blocked_by_rule"
