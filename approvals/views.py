"""The approver's inbox page: decide one by one with a comment, or approve many at once."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from procurement.models import Employee
from requisitions.views import employee_required

from .errors import ApprovalError
from .inbox import approval_inbox
from .services import Decision, approval_decide

LABELS = {Decision.APPROVE: "approved", Decision.REJECT: "rejected", Decision.RETURN: "returned"}


@employee_required
def inbox(request: HttpRequest, employee: Employee) -> HttpResponse:
    order = request.GET.get("order", "oldest")
    return render(
        request, "approvals/inbox.html", {"items": approval_inbox(employee=employee, order=order), "order": order}
    )


@require_POST
@employee_required
def decide(request: HttpRequest, employee: Employee, task_id: int, decision: str) -> HttpResponse:
    assignment = approval_decide(
        task_id=task_id, by=employee, decision=decision, comment=request.POST.get("comment", "")
    )
    messages.success(request, f"{assignment.step.chain.requisition.number}: {LABELS[decision]}.")
    return redirect(request.POST.get("next") or "approvals:inbox")


@require_POST
@employee_required
def bulk_approve(request: HttpRequest, employee: Employee) -> HttpResponse:
    """Approve every ticked task; each one that cannot be approved says why, the others go through."""
    done, refused = [], []
    for value in request.POST.getlist("tasks"):
        if not value.isdigit():
            continue
        try:
            assignment = approval_decide(
                task_id=int(value), by=employee, decision=Decision.APPROVE, comment=request.POST.get("comment", "")
            )
            done.append(assignment.step.chain.requisition.number)
        except ApprovalError as error:
            refused.append(f"task {value}: {error.message}")
    if done:
        messages.success(request, f"Approved {len(done)}: {', '.join(done)}.")
    for reason in refused:
        messages.error(request, reason)
    if not done and not refused:
        messages.error(request, "Tick the requisitions to approve.")
    return redirect("approvals:inbox")
