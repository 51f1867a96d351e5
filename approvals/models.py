"""Purchasing rules (data, versioned) and the approval chains resolved from them for each requisition, and for
each supplier invoice on hold with a match exception (the invoice is named by its label: invoices sits above)."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from procurement.models import CostCentre, Employee, LegalEntity, OrgUnit, Supplier, currency_code_validator
from procurement.money import Money
from requisitions.models import Requisition, RequisitionLine


class ApprovalMode(models.TextChoices):
    ANY = "any", _("Any one of them")
    ALL = "all", _("All of them")
    N_OF_M = "n_of_m", _("N of them")


# What an invoice-exception rule may do: add a stage of people (finance, a named person, a group).
INVOICE_RULE_EFFECTS = ("named_approver", "group", "role")


class PurchasingRule(models.Model):
    """One admin-defined rule: when its conditions hold for a requisition, its effect adds to the chain.

    Rules are evaluated in `position` order. Empty conditions match everything.
    """

    class Effect(models.TextChoices):
        MANAGER_CHAIN = "manager_chain", _("Manager chain up to a covering signing limit")
        NAMED_APPROVER = "named_approver", _("A named approver")
        GROUP = "group", _("A group of approvers")
        ROLE = "role", _("A role")
        AUTO_APPROVE = "auto_approve", _("Approve automatically")
        BLOCK = "block", _("Block with a message")
        BUDGET_EXCEPTION = "budget_exception", _("Budget exception: let this stage override a hard-stop budget")
        HOLD_FOR_BUYER = "hold_for_buyer", _("Hold the purchase orders for a buyer's review (message: why)")

    class AppliesTo(models.TextChoices):
        REQUISITIONS = "requisitions", _("Requisitions")
        INVOICE_EXCEPTIONS = "invoice_exceptions", _("Invoice exceptions (after the buyer and the requester)")

    class RoleChoice(models.TextChoices):
        COST_CENTRE_OWNER = "cost_centre_owner", _("Owner of each cost centre charged")
        FINANCE = "finance", _("Finance")
        BUYER = "buyer", _("Purchasing (buyer)")

    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=100, help_text=_("Rules are applied in this order, lowest first."))
    is_active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    applies_to = models.CharField(
        max_length=20,
        choices=AppliesTo.choices,
        default=AppliesTo.REQUISITIONS,
        help_text=_(
            "Invoice-exception rules add a stage after the buyer and the requester; their amounts are the "
            "variance in question (the sum of the lines' differences), not the invoice's total."
        ),
    )
    # Conditions
    legal_entity = models.ForeignKey(LegalEntity, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    org_unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("The requester's unit or any unit below it."),
    )
    cost_centre = models.ForeignKey(CostCentre, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    unspsc_prefix = models.CharField(_("UNSPSC prefix"), max_length=8, blank=True)
    supplier = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    line_source = models.CharField(max_length=20, blank=True, choices=RequisitionLine.Source.choices)
    over_contract_cap = models.BooleanField(
        _("exceeds a framework agreement's cap"),
        default=False,
        help_text=_("Applies when lines priced from a contract would order more than what is left of its cap."),
    )
    min_amount_minor = models.BigIntegerField(
        _("above (minor units)"), null=True, blank=True, help_text=_("Applies when the total is above this.")
    )
    max_amount_minor = models.BigIntegerField(
        _("up to (minor units)"), null=True, blank=True, help_text=_("Applies when the total is at most this.")
    )
    currency = models.CharField(
        max_length=3,
        default="EUR",
        validators=[currency_code_validator],
        help_text=_("Currency of the amounts; totals in others are converted at stored rates."),
    )
    # Effect
    effect = models.CharField(max_length=20, choices=Effect.choices)
    approver = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=10, choices=ApprovalMode.choices, default=ApprovalMode.ANY)
    required_count = models.PositiveSmallIntegerField(default=1, help_text=_("For N of M: how many must approve."))
    role = models.CharField(max_length=30, blank=True, choices=RoleChoice.choices)
    skip_insufficient = models.BooleanField(
        _("skip managers without enough authority"),
        default=False,
        help_text=_("Manager chain: only the first manager whose limit covers the total signs."),
    )
    message = models.CharField(max_length=500, blank=True, help_text=_("Shown when the rule blocks a requisition."))
    sla_hours = models.PositiveIntegerField(default=72, help_text=_("Working hours before a task escalates."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(effect="named_approver") | Q(approver__isnull=False),
                name="rule_named_approver_needs_approver",
            ),
            models.CheckConstraint(
                condition=~Q(effect="group") | Q(group__isnull=False), name="rule_group_needs_group"
            ),
            models.CheckConstraint(condition=~Q(effect="role") | ~Q(role=""), name="rule_role_needs_role"),
            models.CheckConstraint(condition=Q(required_count__gte=1), name="rule_required_count_positive"),
            models.CheckConstraint(
                condition=Q(applies_to="requisitions") | Q(effect__in=INVOICE_RULE_EFFECTS),
                name="rule_invoice_exceptions_add_people",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"

    def amount_range(self) -> str:
        low = Money.from_minor(self.min_amount_minor, self.currency) if self.min_amount_minor is not None else None
        high = Money.from_minor(self.max_amount_minor, self.currency) if self.max_amount_minor is not None else None
        if low and high:
            return gettext("above %(low)s up to %(high)s") % {"low": low, "high": high}
        if low:
            return gettext("above %(low)s") % {"low": low}
        if high:
            return gettext("up to %(high)s") % {"high": high}
        return gettext("any amount")


class PurchasingRuleVersion(models.Model):
    """What a rule said at one version; a chain records the versions that routed it."""

    rule = models.ForeignKey(PurchasingRule, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["rule", "-version"]
        constraints = [models.UniqueConstraint(fields=["rule", "version"], name="rule_version_once")]

    def __str__(self) -> str:
        return f"{self.rule_id} v{self.version}"


class StepStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("step status", "Pending")
    APPROVED = "approved", pgettext_lazy("step status", "Approved")
    REJECTED = "rejected", pgettext_lazy("step status", "Rejected")
    RETURNED = "returned", pgettext_lazy("step status", "Returned")
    CANCELLED = "cancelled", pgettext_lazy("step status", "Cancelled")


class ApprovalChain(models.Model):
    """The chain resolved for one submission of a requisition (a resubmission resolves a new one), or for one
    supplier invoice on hold with a match exception (a changed exception resolves a new one).

    Exactly one of `requisition` and `invoice` is set. An invoice chain keeps what its approvers are asked to
    accept in `subject_summary` (number, supplier, total, variance, orders, the match's plain reasons), written
    by `invoices.exceptions` when it routes the invoice: approvals never reads the invoices app's tables.
    """

    class Subject(models.TextChoices):
        REQUISITION = "requisition", _("Requisition")
        INVOICE = "invoice", _("Invoice")

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("approval chain status", "Pending")
        APPROVED = "approved", pgettext_lazy("approval chain status", "Approved")
        REJECTED = "rejected", pgettext_lazy("approval chain status", "Rejected")
        RETURNED = "returned", pgettext_lazy("approval chain status", "Returned")
        WITHDRAWN = "withdrawn", pgettext_lazy("approval chain status", "Withdrawn")
        SUPERSEDED = "superseded", pgettext_lazy("approval chain status", "Superseded")

    requisition = models.ForeignKey(
        Requisition, null=True, blank=True, on_delete=models.CASCADE, related_name="approval_chains"
    )
    invoice = models.ForeignKey(
        "invoices.Invoice", null=True, blank=True, on_delete=models.CASCADE, related_name="approval_chains"
    )
    subject_summary = models.JSONField(default=dict, blank=True, help_text=_("Invoice chains: what is to be accepted."))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    total_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    auto_approved = models.BooleanField(default=False)
    rule_versions = models.JSONField(default=list, help_text=_("[{rule, version, name}] that routed this chain."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["requisition", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requisition__isnull=False, invoice__isnull=True)
                | Q(requisition__isnull=True, invoice__isnull=False),
                name="approval_chain_one_subject",
            )
        ]
        indexes = [models.Index(fields=["invoice", "status"])]

    def __str__(self) -> str:
        return f"chain {self.pk} of {self.subject_label} ({self.status})"

    @property
    def subject(self) -> str:
        return self.Subject.INVOICE if self.invoice_id is not None else self.Subject.REQUISITION

    @property
    def is_invoice(self) -> bool:
        return self.invoice_id is not None

    @property
    def subject_label(self) -> str:
        """How pages and messages name what is decided: the requisition's number, or "invoice 123 (Supplier)"."""
        if self.invoice_id is not None:
            summary = self.subject_summary or {}
            return gettext("Invoice %(number)s (%(supplier)s)") % {
                "number": summary.get("number", self.invoice_id),
                "supplier": summary.get("supplier_name", ""),
            }
        return self.requisition.number if self.requisition is not None else f"chain {self.pk}"

    @property
    def legal_entity(self) -> Any:
        """The legal entity of what is decided (load `requisition__legal_entity` or `invoice__legal_entity`)."""
        subject = self.invoice if self.invoice_id is not None else self.requisition
        return subject.legal_entity if subject is not None else None

    def barred(self, employee: Employee) -> bool:
        """Whether `employee` may never decide on this chain: the requester (or the one it was bought for) of a
        requisition; whoever entered an invoice by hand (the requester of the order may accept its invoice's
        variance: that is their stage)."""
        if self.invoice is not None:
            entered_by = self.invoice.created_by_id
            return entered_by is not None and employee.user_id == entered_by
        requisition = self.requisition
        return requisition is not None and employee.pk in (requisition.requester_id, requisition.on_behalf_of_id)


class ApprovalStep(models.Model):
    """One stage of a chain: one or more approvers, any-of, all-of or N-of-M."""

    chain = models.ForeignKey(ApprovalChain, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    reason = models.CharField(max_length=300, blank=True)
    mode = models.CharField(max_length=10, choices=ApprovalMode.choices, default=ApprovalMode.ANY)
    required_count = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=StepStatus.choices, default=StepStatus.PENDING)
    rule = models.ForeignKey(PurchasingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rule_version = models.PositiveIntegerField(null=True, blank=True)
    sla_hours = models.PositiveIntegerField(default=72)

    class Meta:
        ordering = ["chain", "position"]
        constraints = [models.UniqueConstraint(fields=["chain", "position"], name="approval_step_position_once")]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class ApprovalStepApprover(models.Model):
    """One person who may decide a step, and what they (or their delegate) decided."""

    step = models.ForeignKey(ApprovalStep, on_delete=models.CASCADE, related_name="approvers")
    approver = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="approval_assignments")
    status = models.CharField(max_length=12, choices=StepStatus.choices, default=StepStatus.PENDING)
    comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    delegated_from = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    escalated_from = models.ForeignKey(Employee, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Where the decision came from: the page or link, and the browser that clicked (the e-mail link is a
    # bearer token, so the link's owner alone does not say who decided).
    decided_via = models.CharField(max_length=20, blank=True)
    decided_from_ip = models.GenericIPAddressField(_("decided from IP address"), null=True, blank=True)
    decided_user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["step", "id"]
        constraints = [models.UniqueConstraint(fields=["step", "approver"], name="approval_step_approver_once")]

    def __str__(self) -> str:
        return f"{self.approver} on {self.step}"


class ApprovalProcess(Process):
    """The viewflow process that walks one approval chain; its data names the chain and the requisition (or the
    invoice and its legal entity)."""

    class Meta:
        proxy = True
        verbose_name = _("approval process")

    @property
    def chain(self) -> ApprovalChain:
        return ApprovalChain.objects.select_related("requisition", "invoice").get(pk=self.data["chain"])


class Delegation(models.Model):
    """While `employee` is away, their approval tasks go to `delegate`; both names are kept on decisions."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="delegations")
    delegate = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="delegations_received")
    starts_on = models.DateField()
    ends_on = models.DateField()
    comment = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["employee", "-starts_on"]
        constraints = [
            models.CheckConstraint(condition=~Q(employee=models.F("delegate")), name="delegation_not_to_self"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="delegation_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.employee} → {self.delegate} {self.starts_on}–{self.ends_on}"
