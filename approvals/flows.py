"""The approval process on django-viewflow (unmodified): a fixed shape that loops over the stored stages.

start → check_stage ─yes→ split_stage (one task per approver) → approve → join_stage → route ─next→ check_stage
                    └no→ mark_approved → end                          rejected → mark_rejected → end
                                                                      returned → mark_returned → end

The chain itself is data (ApprovalStep rows resolved at submission); the flow only walks it. Decisions
come from our inbox, API and e-mail links through `approvals.services.approval_decide`, which records
the decision on the step and then completes the viewflow task under the process lock. The end nodes hand
the outcome to `approvals.outcomes`.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.activation import Activation
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.nodes.split import Split, SplitActivation

from .models import ApprovalChain, ApprovalProcess, ApprovalStep, ApprovalStepApprover, StepStatus
from .notifications import notify_task_created
from .outcomes import approval_chain_finish
from .selectors import delegate_for


class ApproverSplitActivation(SplitActivation):
    """One outgoing task per approver of the current stage (the open-source Split makes one per branch)."""

    @Activation.status.super()
    def activate(self) -> None:
        for node, _, data_source in self.flow_task._branches:
            for item in data_source(self):
                self.next_tasks.append((node, item))
        if not self.next_tasks:
            raise FlowRuntimeError(f"No approver for {self.flow_task.name}")


class ApproverSplit(Split):
    activation_class = ApproverSplitActivation

    def Approvers(self, node: Any, data_source: Any) -> "ApproverSplit":  # noqa: N802 - viewflow's naming
        """Create `node` once for every item `data_source(activation)` returns, with the item as task data."""
        self._activate_next.append((node, None, data_source))
        return self


def approve_task_view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """Approvers decide in our inbox, not in viewflow's generic views."""
    return redirect("approvals:inbox")


def current_step(chain_id: int) -> ApprovalStep | None:
    return ApprovalStep.objects.filter(chain_id=chain_id, status=StepStatus.PENDING).order_by("position").first()


class ApprovalFlow(flow.Flow):
    process_class = ApprovalProcess
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_process).Next(this.check_stage)
    check_stage = flow.If(this.has_pending_stage).Then(this.split_stage).Else(this.mark_approved)
    split_stage = ApproverSplit().Approvers(this.approve, this.stage_approvers)
    approve = flow.View(approve_task_view).Assign(this.task_owner).onCreate(this.task_created).Next(this.join_stage)
    join_stage = flow.Join(continue_on_condition=this.stage_decided).Next(this.route)
    route = (
        flow.Switch()
        .Case(this.mark_rejected, this.is_rejected)
        .Case(this.mark_returned, this.is_returned)
        .Default(this.check_stage)
    )
    mark_approved = flow.Function(this.on_approved).Next(this.end)
    mark_rejected = flow.Function(this.on_rejected).Next(this.end)
    mark_returned = flow.Function(this.on_returned).Next(this.end)
    end = flow.End()

    def start_process(self, activation: Any, *, chain: ApprovalChain) -> Any:
        if chain.is_invoice:
            # The inbox filters an entity's tasks by this data without reading the invoices app's tables.
            activation.process.data = {
                "chain": chain.pk,
                "invoice": chain.invoice_id,
                "legal_entity": chain.subject_summary.get("legal_entity_id"),
            }
            activation.process.artifact = chain.invoice
        else:
            activation.process.data = {"chain": chain.pk, "requisition": chain.requisition_id}
            activation.process.artifact = chain.requisition
        activation.process.save()
        return activation.process

    def has_pending_stage(self, activation: Any) -> bool:
        return current_step(activation.process.data["chain"]) is not None

    def stage_approvers(self, activation: Any) -> list[dict[str, int]]:
        step = current_step(activation.process.data["chain"])
        assert step is not None
        return [
            {"step": step.pk, "assignment": assignment.pk}
            for assignment in step.approvers.filter(status=StepStatus.PENDING).order_by("pk")
        ]

    def task_owner(self, activation: Any) -> Any:
        """Every task has an owner: the approver, or their delegate while they are away."""
        assignment = ApprovalStepApprover.objects.select_related(
            "approver__user", "step__chain__requisition", "step__chain__invoice"
        ).get(pk=activation.task.data["assignment"])
        delegate = delegate_for(employee=assignment.approver, on=timezone.localdate(), chain=assignment.step.chain)
        if delegate is None:
            return assignment.approver.user
        assignment.delegated_from = assignment.approver
        assignment.save(update_fields=["delegated_from"])
        return delegate.user

    def task_created(self, activation: Any) -> None:
        notify_task_created(task=activation.task)

    def stage_decided(self, activation: Any, active_tasks: Any) -> bool:
        """Any-of closes at the first approval, all-of when all approved; reject and return at once."""
        step_ids = {task.data.get("step") for task in activation.task.previous.all()}
        return ApprovalStep.objects.filter(pk__in=step_ids).exclude(status=StepStatus.PENDING).exists()

    def is_rejected(self, activation: Any) -> bool:
        return ApprovalStep.objects.filter(
            chain_id=activation.process.data["chain"], status=StepStatus.REJECTED
        ).exists()

    def is_returned(self, activation: Any) -> bool:
        return ApprovalStep.objects.filter(
            chain_id=activation.process.data["chain"], status=StepStatus.RETURNED
        ).exists()

    def on_approved(self, activation: Any) -> None:
        approval_chain_finish(chain_id=activation.process.data["chain"], outcome=ApprovalChain.Status.APPROVED)

    def on_rejected(self, activation: Any) -> None:
        approval_chain_finish(chain_id=activation.process.data["chain"], outcome=ApprovalChain.Status.REJECTED)

    def on_returned(self, activation: Any) -> None:
        approval_chain_finish(chain_id=activation.process.data["chain"], outcome=ApprovalChain.Status.RETURNED)
