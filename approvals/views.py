"""The approver's inbox page: decide one by one with a comment, or approve many at once."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from budgets.selectors import budget_impacts
from p2p.submit_to_order import approval_decide
from procurement.i18n import user_language
from procurement.idempotency import once_per_form
from procurement.models import Employee
from procurement.web import employee_required, safe_return_url
from requisitions.selectors import employees_selectable

from .decisions import done_label, done_label_of_status
from .errors import ApprovalError, TaskAlreadyDecided
from .forms import DelegationForm, bounded_int, decision_origin
from .inbox import INBOX_COUNT_CAP, InboxCursor, approval_inbox, approval_inbox_page
from .links import decision_link_load, decision_link_needs_login_for
from .models import ApprovalChain, ApprovalStepApprover, Delegation
from .selectors import approval_decided_by, chain_subject_status
from .services import Decision, delegation_create, delegation_delete

INBOX_ORDERS = ("oldest", "newest", "amount")
INBOX_PAGE = 100


def _status_words(status: str | None) -> str:
    """An invoice's status as the page says it: "ready to pay"."""
    return (status or "").replace("_", " ")


def _done(assignment: ApprovalStepApprover) -> str:
    """ "FR-REQ-00012: already approved." / "Invoice 7 (Burotec): already credit note asked." """
    chain = assignment.step.chain
    return _("%(subject)s: already %(done)s.") % {
        "subject": chain.subject_label,
        "done": done_label_of_status(chain.subject, assignment.status),
    }


def _prefix(url: str, tail: str) -> str:
    assert url.endswith(tail), url
    return url.removesuffix(tail)


@employee_required
def inbox(request: HttpRequest, employee: Employee) -> HttpResponse:
    """The first 100 tasks (or the 100 after `?cursor=`), the count capped at INBOX_COUNT_CAP, a link to the next
    page: one query for the tasks and their count, and a constant number for what the rows show."""
    order = request.GET.get("order", "oldest")
    order = order if order in INBOX_ORDERS else "oldest"
    cursor = InboxCursor.parse(request.GET.get("cursor"))
    page = approval_inbox_page(
        employee=employee, order=order, limit=INBOX_PAGE, cursor=cursor, budget_impacts=budget_impacts, count=True
    )
    count = page.count or 0
    next_url = f"?{urlencode({'order': order, 'cursor': page.next_cursor.token})}" if page.next_cursor else None
    return render(
        request,
        "approvals/inbox.html",
        {
            "items": page.items,
            "order": order,
            "count": min(count, INBOX_COUNT_CAP),
            "count_capped": count > INBOX_COUNT_CAP,
            "inbox_count": min(count, INBOX_COUNT_CAP),  # the top bar's badge: counted once, here
            "first_page": cursor is None,
            # Reversed once for the page, not three times a row: the row adds its task id and decision.
            "decide_url": _prefix(reverse("approvals:decide", args=[1, "approve"]), "1/approve/"),
            "requisition_url": _prefix(reverse("requisitions:detail", args=[1]), "1/"),
            "next_url": next_url,
        },
    )


@require_POST
@once_per_form(gettext_lazy("Already decided."))
@employee_required
def decide(request: HttpRequest, employee: Employee, task_id: int, decision: str) -> HttpResponse:
    """Approve, return or reject; a second click on a task this approver decided says what they decided."""
    next_url = safe_return_url(request, request.POST.get("next"), "approvals:inbox")
    try:
        assignment = approval_decide(
            task_id=task_id,
            by=employee,
            decision=decision,
            comment=request.POST.get("comment", ""),
            origin=decision_origin(request, via="inbox"),
        )
    except TaskAlreadyDecided:
        earlier = approval_decided_by(task_id=task_id, employee_id=employee.pk, user_id=employee.user_id)
        if earlier is None:
            raise
        messages.info(request, _done(earlier))
        return redirect(next_url)
    chain = assignment.step.chain
    messages.success(
        request,
        _("%(subject)s: %(done)s.") % {"subject": chain.subject_label, "done": done_label(chain.subject, decision)},
    )
    return redirect(next_url)


@require_POST
@once_per_form(gettext_lazy("Already approved."))
@employee_required
def bulk_approve(request: HttpRequest, employee: Employee) -> HttpResponse:
    """Approve every ticked task; each one that cannot be approved says why, the others go through."""
    done: list[str] = []
    already: list[str] = []
    refused: list[str] = []
    for value in request.POST.getlist("tasks")[:500]:
        task_id = bounded_int(value)
        if task_id is None:
            continue
        try:
            assignment = approval_decide(
                task_id=task_id,
                by=employee,
                decision=Decision.APPROVE,
                comment=request.POST.get("comment", ""),
                origin=decision_origin(request, via="inbox"),
            )
            done.append(assignment.step.chain.subject_label)
        except TaskAlreadyDecided as error:
            # Ticked again after deciding it one by one (or a second click): the first outcome, as information.
            earlier = approval_decided_by(task_id=task_id, employee_id=employee.pk, user_id=employee.user_id)
            if earlier is None:
                refused.append(_("task %(id)s: %(reason)s") % {"id": task_id, "reason": error.message})
            else:
                already.append(_done(earlier))
        except ApprovalError as error:
            refused.append(_("task %(id)s: %(reason)s") % {"id": task_id, "reason": error.message})
    if done:
        messages.success(
            request, _("Approved %(count)s: %(subjects)s.") % {"count": len(done), "subjects": ", ".join(done)}
        )
    for note in already:
        messages.info(request, note)
    for reason in refused:
        messages.error(request, reason)
    if not done and not refused and not already:
        messages.error(request, _("Tick the requisitions to approve."))
    return redirect("approvals:inbox")


def email_decision(request: HttpRequest, token: str) -> HttpResponse:
    """The page an e-mail link opens: the signed link names the task and the approver.

    Opening the link changes nothing (mail scanners open links too); the approver's click on the
    page's button decides, and the audit records the browser that clicked. Up to the entity's e-mail
    approval limit the link alone decides; above it the approver logs in first and comes back here, and
    the decision is then theirs as the logged-in assignee. A decided task, a forged or an expired link
    each get a clear page.
    """
    page = "approvals/email_decision.html"
    link = decision_link_load(token)
    if link is None:
        return render(
            request, page, {"error": _("This link is not valid or has expired. Open your inbox instead.")}, status=400
        )
    owner = Employee.objects.select_related("user").filter(user_id=link.user_id, user__is_active=True).first()
    if owner is not None:  # the page speaks the approver's language, like the e-mail that brought them here
        translation.activate(user_language(owner.user))
    item = (
        next(
            (i for i in approval_inbox(employee=owner, budget_impacts=budget_impacts) if i.task_id == link.task_id),
            None,
        )
        if owner
        else None
    )
    if owner is not None and item is None and request.method == "POST":
        # A second click on the page's button: the first decided, this one answers what it decided (to the
        # link alone only where the link alone may decide).
        earlier = approval_decided_by(task_id=link.task_id, employee_id=owner.pk, user_id=owner.user_id)
        chain = earlier.step.chain if earlier is not None else None
        if (
            earlier is not None
            and chain is not None
            and (
                not decision_link_needs_login_for(chain=chain)
                or (request.user.is_authenticated and request.user.pk == link.user_id)
            )
        ):
            return render(
                request,
                page,
                {
                    "done": done_label_of_status(chain.subject, earlier.status),
                    "already": True,
                    "label": chain.subject_label,
                    "item": {"requisition": chain.requisition},
                    "requisition": chain.requisition,
                    "subject_status": _status_words(chain_subject_status(chain_id=chain.pk)),
                },
            )
    if owner is None or item is None:
        return render(
            request, page, {"error": _("This approval has already been decided, or is no longer yours.")}, status=410
        )
    logged_in_as_owner = request.user.is_authenticated and request.user.pk == link.user_id
    # The inbox item is plain values: the e-mail limit reads the chain itself (with its requisition or invoice).
    chain = ApprovalChain.objects.select_related("requisition__legal_entity", "invoice__legal_entity").get(
        pk=item.chain_id
    )
    if decision_link_needs_login_for(chain=chain) and not logged_in_as_owner:
        login_url = f"{reverse('login')}?{urlencode({'next': request.path})}"
        context = {"item": item, "login_url": login_url, "owner": owner}
        if request.user.is_authenticated:
            context["error"] = _("This approval waits for %(display_name)s: log in as them to decide.") % {
                "display_name": owner.display_name
            }
            return render(request, page, context, status=403)
        if request.method == "POST":
            context["error"] = _("Log in to decide this approval: its amount needs it.")
            return render(request, page, context, status=403)
        return render(request, page, context)
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        try:
            approval_decide(
                task_id=link.task_id,
                by=owner,
                decision=decision,
                comment=request.POST.get("comment", ""),
                origin=decision_origin(request, via="e-mail link + login" if logged_in_as_owner else "e-mail link"),
            )
        except ApprovalError as error:
            return render(request, page, {"item": item, "error": error.message}, status=error.status)
        if chain.requisition is not None:
            chain.requisition.refresh_from_db()
        return render(
            request,
            page,
            {
                "done": done_label(item.subject, decision),
                "label": item.label,
                "item": item,
                "requisition": chain.requisition,
                "subject_status": _status_words(chain_subject_status(chain_id=item.chain_id)),
            },
        )
    return render(request, page, {"item": item})


@employee_required
def away(request: HttpRequest, employee: Employee) -> HttpResponse:
    """Out of office: who decides my approvals while I am away."""
    # Active colleagues of one's entities; never a punch-in identity (an ERP's shopper cannot decide anything).
    colleagues = employees_selectable(legal_entity_ids=employee.legal_entities.values("pk"), exclude=employee)
    form = DelegationForm(colleagues=colleagues)
    status = 200
    if request.method == "POST" and "delete" in request.POST:
        delegation_id = bounded_int(request.POST.get("delete"))
        delegation = Delegation.objects.filter(pk=delegation_id, employee=employee).first() if delegation_id else None
        if delegation is None:
            messages.error(request, _("That delegation is not there any more."))
        else:
            delegation_delete(delegation=delegation, by=employee)
            messages.success(request, _("Delegation removed; your open tasks are yours again."))
        return redirect("approvals:away")
    if request.method == "POST":
        form = DelegationForm(request.POST, colleagues=colleagues)
        if form.is_valid():
            data = form.cleaned_data
            try:
                delegation_create(
                    employee=employee,
                    delegate=data["delegate"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    comment=data["comment"],
                )
            except ApprovalError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("%(display_name)s decides your approvals from %(data)s to %(data2)s.")
                    % {
                        "display_name": data["delegate"].display_name,
                        "data": data["starts_on"],
                        "data2": data["ends_on"],
                    },
                )
                return redirect("approvals:away")
        status = 400
    return render(
        request,
        "approvals/away.html",
        {
            "form": form,
            "delegations": Delegation.objects.filter(employee=employee).select_related("delegate__user"),
            "received": Delegation.objects.filter(delegate=employee).select_related("employee__user"),
            "colleagues": colleagues,
        },
        status=status,
    )


@employee_required
def history(request: HttpRequest, employee: Employee) -> HttpResponse:
    """What I decided (myself, as a delegate or after an escalation), newest first."""
    decided = (
        ApprovalStepApprover.objects.filter(decided_by=employee)
        .select_related(
            "approver__user",
            "step__chain__requisition__requester__user",
            "step__chain__requisition__legal_entity",
            "step__chain__invoice",
        )
        .order_by("-decided_at")[:200]
    )
    rows = list(decided)
    for row in rows:
        # "Approved", or on an invoice "variance accepted", "credit note asked"…
        row.done = done_label_of_status(row.step.chain.subject, row.status)  # type: ignore[attr-defined]
    return render(request, "approvals/history.html", {"decided": rows})
