"""The approver's inbox page: decide one by one with a comment, or approve many at once."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from procurement.models import Employee
from requisitions.views import employee_required

from .errors import ApprovalError
from .inbox import approval_inbox
from .links import decision_link_load
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


def email_decision(request: HttpRequest, token: str) -> HttpResponse:
    """The page an e-mail link opens: no login, the signed link names the task and the approver.

    Opening the link changes nothing (mail scanners open links too); the approver's click on the
    page's button decides. A decided task, a forged or an expired link each get a clear page.
    """
    from procurement.models import Employee as EmployeeModel

    link = decision_link_load(token)
    if link is None:
        return render(
            request,
            "approvals/email_decision.html",
            {"error": "This link is not valid or has expired. Open your inbox instead."},
            status=400,
        )
    employee = EmployeeModel.objects.select_related("user").filter(user_id=link.user_id, user__is_active=True).first()
    item = next((i for i in approval_inbox(employee=employee) if i.task_id == link.task_id), None) if employee else None
    if employee is None or item is None:
        return render(
            request,
            "approvals/email_decision.html",
            {"error": "This approval has already been decided, or is no longer yours."},
            status=410,
        )
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        try:
            approval_decide(
                task_id=link.task_id, by=employee, decision=decision, comment=request.POST.get("comment", "")
            )
        except ApprovalError as error:
            return render(
                request, "approvals/email_decision.html", {"item": item, "error": error.message}, status=error.status
            )
        item.requisition.refresh_from_db()
        return render(
            request,
            "approvals/email_decision.html",
            {"done": LABELS.get(decision, decision), "item": item, "requisition": item.requisition},
        )
    return render(request, "approvals/email_decision.html", {"item": item})


@employee_required
def away(request: HttpRequest, employee: Employee) -> HttpResponse:
    """Out of office: who decides my approvals while I am away."""
    from django.utils.dateparse import parse_date

    from procurement.models import Employee as EmployeeModel

    from .models import Delegation
    from .services import delegation_create, delegation_delete

    if request.method == "POST":
        if request.POST.get("delete", "").isdigit():
            delegation = Delegation.objects.filter(pk=request.POST["delete"], employee=employee).first()
            if delegation is not None:
                delegation_delete(delegation=delegation, by=employee)
                messages.success(request, "Delegation removed; your open tasks are yours again.")
            return redirect("approvals:away")
        delegate = EmployeeModel.objects.filter(pk=request.POST.get("delegate") or 0).first()
        starts_on, ends_on = parse_date(request.POST.get("starts_on", "")), parse_date(request.POST.get("ends_on", ""))
        if delegate is None or starts_on is None or ends_on is None:
            raise ApprovalError("Pick a colleague and both dates.", code="invalid")
        delegation_create(
            employee=employee,
            delegate=delegate,
            starts_on=starts_on,
            ends_on=ends_on,
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, f"{delegate.display_name} decides your approvals from {starts_on} to {ends_on}.")
        return redirect("approvals:away")
    colleagues = (
        EmployeeModel.objects.filter(legal_entities__in=employee.legal_entities.values("pk"), user__is_active=True)
        .exclude(pk=employee.pk)
        .select_related("user")
        .distinct()
        .order_by("user__first_name", "user__username")
    )
    return render(
        request,
        "approvals/away.html",
        {
            "delegations": Delegation.objects.filter(employee=employee).select_related("delegate__user"),
            "received": Delegation.objects.filter(delegate=employee).select_related("employee__user"),
            "colleagues": colleagues,
        },
    )


@employee_required
def history(request: HttpRequest, employee: Employee) -> HttpResponse:
    """What I decided (myself, as a delegate or after an escalation), newest first."""
    from .models import ApprovalStepApprover

    decided = (
        ApprovalStepApprover.objects.filter(decided_by=employee)
        .select_related(
            "approver__user", "step__chain__requisition__requester__user", "step__chain__requisition__legal_entity"
        )
        .order_by("-decided_at")[:200]
    )
    return render(request, "approvals/history.html", {"decided": decided})
