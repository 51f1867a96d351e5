"""A contract's cap ledger: what orders commit to it, what their cancellations release, what is invoiced and
what credit notes take back; and the burn-down read from it (a sum of integer minor units per kind)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import models, transaction
from django.db.models import Q, Sum

from .models import Contract, ContractLedgerEntry
from .money import Money, contract_cap_used_minor, percent_of_minor

CAP_ALERT_PERCENT = Decimal(80)


@dataclass(frozen=True)
class ContractSpend:
    """An amount of one source (an order, a revision of it, an invoice) against one contract."""

    contract_id: int
    amount_minor: int
    currency: str
    reference: str


def _write(kind: str, spends: Iterable[ContractSpend]) -> int:
    rows = [
        ContractLedgerEntry(
            contract_id=spend.contract_id,
            kind=kind,
            amount_minor=spend.amount_minor,
            currency=spend.currency,
            reference=spend.reference[:64],
        )
        for spend in spends
        if spend.amount_minor > 0
    ]
    if not rows:
        return 0
    # A source writes each kind once: writing it again (a retried task) changes nothing.
    ContractLedgerEntry.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic(savepoint=False)
def contract_spend_commit(*, spends: Sequence[ContractSpend]) -> int:
    """Commit orders' amounts to their contracts' caps (the orders layer calls it as it places them)."""
    return _write(ContractLedgerEntry.Kind.COMMITTED, spends)


@transaction.atomic(savepoint=False)
def contract_spend_release(*, spends: Sequence[ContractSpend]) -> int:
    """Give back to the caps what cancelled or reduced orders no longer spend."""
    return _write(ContractLedgerEntry.Kind.RELEASED, spends)


@transaction.atomic(savepoint=False)
def contract_spend_invoice(*, spends: Sequence[ContractSpend]) -> int:
    """Record what suppliers invoiced under contracts."""
    return _write(ContractLedgerEntry.Kind.INVOICED, spends)


@transaction.atomic(savepoint=False)
def contract_spend_credit(*, spends: Sequence[ContractSpend]) -> int:
    """Record what suppliers' credit notes took back of what they invoiced under contracts: never more than a
    contract has invoiced net of earlier credits (one read)."""
    if not spends:
        return 0
    invoiced = {
        contract.pk: contract_burn_down(contract).invoiced_minor
        for contract in contracts_with_burn_down(Contract.objects.filter(pk__in={s.contract_id for s in spends}))
    }
    return _write(
        ContractLedgerEntry.Kind.CREDITED,
        [replace(spend, amount_minor=min(spend.amount_minor, invoiced[spend.contract_id])) for spend in spends],
    )


@transaction.atomic(savepoint=False)
def contract_spend_invoice_withdraw(*, reference: str) -> int:
    """An invoice or credit note rejected after it was accepted never counted: its invoiced (or credited)
    entries come off the caps. Returns how many entries were removed (0 when it wrote none)."""
    entries = ContractLedgerEntry.objects.filter(
        kind__in=(ContractLedgerEntry.Kind.INVOICED, ContractLedgerEntry.Kind.CREDITED), reference=reference
    )
    deleted, _ = entries.delete()
    return deleted


@dataclass(frozen=True)
class BurnDown:
    """Where a contract stands against its cap, in its currency; the cap fields are None without a cap."""

    currency: str
    cap_minor: int | None
    committed_minor: int
    released_minor: int
    invoiced_minor: int

    @property
    def open_committed_minor(self) -> int:
        return self.committed_minor - self.released_minor

    @property
    def used_minor(self) -> int:
        return contract_cap_used_minor(
            committed_minor=self.committed_minor, released_minor=self.released_minor, invoiced_minor=self.invoiced_minor
        )

    @property
    def remaining_minor(self) -> int | None:
        return None if self.cap_minor is None else self.cap_minor - self.used_minor

    @property
    def percent_used(self) -> Decimal | None:
        if self.cap_minor is None:
            return None
        return percent_of_minor(part_minor=self.used_minor, whole_minor=self.cap_minor)

    @property
    def bar_percent(self) -> int:
        """The bar's width: the percentage used, 0 to 100."""
        return 0 if self.percent_used is None else int(min(max(self.percent_used, Decimal(0)), Decimal(100)))

    @property
    def bars(self) -> tuple[Decimal, Decimal]:
        """The burn-down bar's two parts in percent of the cap (0 to 100 together): invoiced, then committed
        and not invoiced yet."""
        if not self.cap_minor:
            return Decimal(0), Decimal(0)
        invoiced = min(percent_of_minor(part_minor=self.invoiced_minor, whole_minor=self.cap_minor), Decimal(100))
        used = min(self.percent_used or Decimal(0), Decimal(100))
        return max(invoiced, Decimal(0)), max(used - invoiced, Decimal(0))

    @property
    def over_alert(self) -> bool:
        """80 % or more of the cap is used, exactly (79.9999 % is not, though it shows as 80.0)."""
        return self.cap_minor is not None and self.used_minor * 100 >= self.cap_minor * CAP_ALERT_PERCENT

    def money(self, minor: int | None) -> Money | None:
        return None if minor is None else Money.from_minor(minor, self.currency)

    @property
    def cap(self) -> Money | None:
        return self.money(self.cap_minor)

    @property
    def committed(self) -> Money:
        return Money.from_minor(self.open_committed_minor, self.currency)

    @property
    def invoiced(self) -> Money:
        return Money.from_minor(self.invoiced_minor, self.currency)

    @property
    def used(self) -> Money:
        return Money.from_minor(self.used_minor, self.currency)

    @property
    def remaining(self) -> Money | None:
        return self.money(self.remaining_minor)


def _sums(kind: str) -> Sum:
    return Sum("ledger_entries__amount_minor", filter=Q(ledger_entries__kind=kind), default=0)


def contracts_with_burn_down(contracts: models.QuerySet[Contract]) -> models.QuerySet[Contract]:
    """The contracts with their ledger's sums per kind annotated (one query for a whole list)."""
    return contracts.annotate(
        committed_sum=_sums(ContractLedgerEntry.Kind.COMMITTED),
        released_sum=_sums(ContractLedgerEntry.Kind.RELEASED),
        invoiced_sum=_sums(ContractLedgerEntry.Kind.INVOICED),
        credited_sum=_sums(ContractLedgerEntry.Kind.CREDITED),
    )


def contract_burn_down(contract: Contract) -> BurnDown:
    """The burn-down of a contract: from its annotations (`contracts_with_burn_down`) or one aggregate read."""
    if hasattr(contract, "committed_sum"):
        sums = {
            name: getattr(contract, name) for name in ("committed_sum", "released_sum", "invoiced_sum", "credited_sum")
        }
    else:
        sums = ContractLedgerEntry.objects.filter(contract=contract).aggregate(
            committed_sum=Sum("amount_minor", filter=Q(kind=ContractLedgerEntry.Kind.COMMITTED), default=0),
            released_sum=Sum("amount_minor", filter=Q(kind=ContractLedgerEntry.Kind.RELEASED), default=0),
            invoiced_sum=Sum("amount_minor", filter=Q(kind=ContractLedgerEntry.Kind.INVOICED), default=0),
            credited_sum=Sum("amount_minor", filter=Q(kind=ContractLedgerEntry.Kind.CREDITED), default=0),
        )
    return BurnDown(
        currency=contract.currency,
        cap_minor=contract.cap_minor,
        committed_minor=sums["committed_sum"],
        released_minor=sums["released_sum"],
        # What was invoiced net of what credit notes took back.
        invoiced_minor=sums["invoiced_sum"] - sums["credited_sum"],
    )


def contracts_over_cap(*, amounts: dict[int, int]) -> list[int]:
    """Of the contracts given with an amount to order under each (minor units of the contract's currency), those
    with a cap the amount would exceed: what is left of it is less than the amount (one read)."""
    over = []
    for contract in contracts_with_burn_down(Contract.objects.filter(pk__in=amounts, cap_minor__isnull=False)):
        remaining = contract_burn_down(contract).remaining_minor
        if remaining is not None and amounts[contract.pk] > remaining:
            over.append(contract.pk)
    return sorted(over)
