"""Budgets and their append-only ledger. Available = amount − sum of entries.

Each budget also keeps its running balances (pre-committed, committed, actual: the ledger's sums per stage),
moved by `budgets.ledger.ledger_write` in the same transaction as every entry it writes, so the funds check
reads one row instead of summing the ledger; `budgets.ledger.budget_balances_reconcile` proves they agree."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from procurement.models import CostCentre, LegalEntity, currency_code_validator
from procurement.money import Money, budget_limit_minor
from requisitions.models import Requisition

# A budget's running balances, one per stage of its picture (budgets.ledger.ledger_write moves them).
BALANCE_FIELDS = ("precommitted_minor", "committed_minor", "actual_minor")


class Budget(models.Model):
    class Control(models.TextChoices):
        HARD = "hard", _("Hard stop")
        WARN = "warn", _("Warn")
        NONE = "none", _("None")

    class PeriodKind(models.TextChoices):
        YEAR = "year", _("Fiscal year")
        QUARTER = "quarter", _("Quarter")
        MONTH = "month", _("Month")

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="budgets")
    cost_centre = models.ForeignKey(CostCentre, on_delete=models.PROTECT, related_name="budgets")
    gl_account = models.CharField(_("GL account"), max_length=20, blank=True, help_text=_("Empty: every account."))
    unspsc_prefix = models.CharField(
        _("UNSPSC prefix"), max_length=8, blank=True, help_text=_("Empty: every category.")
    )
    period_kind = models.CharField(max_length=7, choices=PeriodKind.choices, default=PeriodKind.YEAR)
    period_label = models.CharField(
        max_length=20, help_text=_("e.g. 2026, 2026-Q1, 2026-03; FY2027, FY2027-Q1, FY2027-P01 for other fiscal years")
    )
    period_start = models.DateField(help_text=_("Set from the label and the legal entity's fiscal year start."))
    period_end = models.DateField()
    amount_minor = models.BigIntegerField(_("amount (minor units)"))
    currency = models.CharField(max_length=3, validators=[currency_code_validator])
    control = models.CharField(max_length=5, choices=Control.choices, default=Control.HARD)
    tolerance_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal(0))
    tolerance_minor = models.BigIntegerField(
        _("tolerance amount (minor units)"),
        default=0,
        help_text=_("May be exceeded by this much, in the budget currency."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Running balances: the sums of the ledger per stage, written only by budgets.ledger.ledger_write.
    precommitted_minor = models.BigIntegerField(
        _("pre-committed (minor units)"), default=0, editable=False, help_text=_("Sum of pre-commitments and releases.")
    )
    committed_minor = models.BigIntegerField(
        _("committed (minor units)"),
        default=0,
        editable=False,
        help_text=_("Sum of commitments and commitment releases."),
    )
    actual_minor = models.BigIntegerField(_("actual (minor units)"), default=0, editable=False)

    class Meta:
        ordering = ["legal_entity", "cost_centre", "period_start"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gte=0), name="budget_amount_not_negative"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="budget_period_ordered"),
            models.CheckConstraint(
                condition=Q(tolerance_percent__gte=0) & Q(tolerance_percent__lte=100), name="budget_tolerance_range"
            ),
            models.CheckConstraint(condition=Q(tolerance_minor__gte=0), name="budget_tolerance_amount_not_negative"),
            models.UniqueConstraint(
                fields=["legal_entity", "cost_centre", "gl_account", "unspsc_prefix", "period_start", "period_end"],
                name="budget_once_per_scope_and_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cost_centre.code} {self.period_label} {self.amount}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A budget changed by a form or a plan never writes its balances back (they may have moved since it was
        read): only the ledger's writer moves them."""
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                field.attname
                for field in self._meta.concrete_fields
                if not field.primary_key and field.attname not in BALANCE_FIELDS
            ]
        super().save(*args, **kwargs)

    @property
    def used_minor(self) -> int:
        """Everything the ledger holds on the budget (pre-committed, committed and actual), from the balances."""
        return self.precommitted_minor + self.committed_minor + self.actual_minor

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.currency)

    @property
    def tolerance(self) -> Money:
        return Money.from_minor(self.tolerance_minor, self.currency)

    def limit_minor(self) -> int:
        """What may be committed: the amount plus the tolerance (a share of the amount and a fixed amount)."""
        return budget_limit_minor(
            amount_minor=self.amount_minor,
            tolerance_percent=self.tolerance_percent,
            tolerance_minor=self.tolerance_minor,
        )

    @property
    def scope(self) -> str:
        """What the budget covers beyond its cost centre."""
        parts = [
            f"GL {self.gl_account}" if self.gl_account else "",
            f"UNSPSC {self.unspsc_prefix}…" if self.unspsc_prefix else "",
        ]
        return ", ".join(part for part in parts if part) or "everything"


class BudgetEntry(models.Model):
    """One append-only movement on a budget, in the budget's currency, with the rate it was converted at."""

    class Kind(models.TextChoices):
        PRECOMMITMENT = "precommitment", _("Pre-commitment (requisition)")
        RELEASE = "release", _("Release")
        COMMITMENT = "commitment", _("Commitment (purchase order)")
        COMMITMENT_RELEASE = "commitment_release", _("Commitment release")
        ACTUAL = "actual", _("Actual")

    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount_minor = models.BigIntegerField(help_text=_("Positive consumes the budget, negative gives back."))
    requisition = models.ForeignKey(
        Requisition, null=True, blank=True, on_delete=models.PROTECT, related_name="budget_entries"
    )
    # The order and the invoice behind a commitment, its release or an actual: budgets sit below orders and
    # invoices, so by label. An order's remaining commitment is the sum of its commitment entries.
    purchase_order = models.ForeignKey(
        "orders.PurchaseOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="budget_entries"
    )
    invoice = models.ForeignKey(
        "invoices.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="budget_entries"
    )
    variance_minor = models.BigIntegerField(
        default=0,
        help_text=_(
            "On an actual: what it costs more (+) or less (−) than the commitment it replaces, in the "
            "budget's currency (price and exchange-rate differences)."
        ),
    )
    source_amount_minor = models.BigIntegerField()
    source_currency = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=20, decimal_places=10)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    over_limit = models.BooleanField(
        default=False,
        help_text=_(
            "Pre-committed beyond a hard stop: allowed only with a finance budget-exception stage in the chain."
        ),
    )

    class Meta:
        ordering = ["budget", "created_at", "id"]
        indexes = [
            models.Index(fields=["budget", "kind"]),
            models.Index(fields=["requisition", "budget"]),
            models.Index(fields=["purchase_order", "budget"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_minor} on {self.budget_id}"

    @property
    def balance_field(self) -> str:
        """The budget's running balance this entry moves."""
        return BALANCE_OF_KIND[self.kind]

    @property
    def amount(self) -> Money:
        return Money.from_minor(self.amount_minor, self.budget.currency)

    @property
    def source_amount(self) -> Money:
        return Money.from_minor(self.source_amount_minor, self.source_currency)


K = BudgetEntry.Kind
# Each kind of entry moves one of the budget's running balances (the stages of the budget's picture).
BALANCE_OF_KIND: dict[str, str] = {
    K.PRECOMMITMENT: "precommitted_minor",
    K.RELEASE: "precommitted_minor",
    K.COMMITMENT: "committed_minor",
    K.COMMITMENT_RELEASE: "committed_minor",
    K.ACTUAL: "actual_minor",
}
KINDS_OF_BALANCE: dict[str, tuple[str, ...]] = {
    field: tuple(kind for kind, of in BALANCE_OF_KIND.items() if of == field) for field in BALANCE_FIELDS
}
