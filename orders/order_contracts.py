"""Orders placed under contracts: the contract's payment terms copied onto the order, and the orders' amounts
committed to (and released from) the contracts' caps through the core's ledger (procurement.contract_ledger)."""

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.utils.translation import gettext, ngettext

from procurement.contract_ledger import ContractSpend, contract_spend_commit, contract_spend_release
from procurement.models import Contract
from procurement.money import percent_display
from requisitions.models import RequisitionLine

from .models import PurchaseOrder, PurchaseOrderLine


def contracts_of_lines(lines: Iterable[RequisitionLine]) -> dict[int, Contract]:
    """The contracts the lines were priced from, by id: one read, none when no line has a contract."""
    ids = {line.contract_id for line in lines if line.contract_id}
    return Contract.objects.in_bulk(ids) if ids else {}


def order_contract_apply(
    order: PurchaseOrder, lines: Sequence[RequisitionLine], contracts: dict[int, Contract]
) -> None:
    """The order is placed under the contract of its first contract line, with that contract's payment terms."""
    contract = next((contracts[line.contract_id] for line in lines if line.contract_id in contracts), None)
    if contract is None:
        return
    order.contract = contract
    order.payment_net_days = contract.payment_net_days
    if contract.has_early_discount:
        order.payment_discount_percent = contract.early_discount_percent
        order.payment_discount_days = contract.early_discount_days


def _reference(order: PurchaseOrder, revision: int | None = None) -> str:
    return f"purchase_order:{order.pk}" if revision is None else f"purchase_order:{order.pk}:revision:{revision}"


def _spends(amounts: dict[tuple[PurchaseOrder, int], int], revision: int | None = None) -> list[ContractSpend]:
    return [
        ContractSpend(
            contract_id=contract_id, amount_minor=amount, currency=order.currency, reference=_reference(order, revision)
        )
        for (order, contract_id), amount in amounts.items()
        if amount > 0
    ]


def order_lines_commit_to_contracts(order_lines: Iterable[PurchaseOrderLine]) -> int:
    """Each new order's contract lines committed to their contracts' caps (one insert, none without any)."""
    amounts: dict[tuple[PurchaseOrder, int], int] = defaultdict(int)
    for line in order_lines:
        if line.contract_id:
            amounts[(line.purchase_order, line.contract_id)] += line.total_minor
    return contract_spend_commit(spends=_spends(amounts)) if amounts else 0


def _by_contract(
    order: PurchaseOrder, changes: Iterable[tuple[PurchaseOrderLine, int]]
) -> dict[tuple[PurchaseOrder, int], int]:
    amounts: dict[tuple[PurchaseOrder, int], int] = defaultdict(int)
    for line, amount in changes:
        if line.contract_id and amount > 0:
            amounts[(order, line.contract_id)] += amount
    return amounts


def order_lines_commit_increases_to_contracts(
    order: PurchaseOrder, increases: Iterable[tuple[PurchaseOrderLine, int]], *, revision: int
) -> int:
    """What an approved revision adds to contract lines (a line and its total's increase) committed to the
    contracts' caps, once per revision."""
    amounts = _by_contract(order, increases)
    return contract_spend_commit(spends=_spends(amounts, revision)) if amounts else 0


def order_lines_release_from_contracts(
    order: PurchaseOrder, decreases: Iterable[tuple[PurchaseOrderLine, int]], *, revision: int
) -> int:
    """What a revision takes off contract lines (`decreases`: a line and its total's decrease) given back to
    the contracts' caps, once per revision."""
    amounts = _by_contract(order, decreases)
    return contract_spend_release(spends=_spends(amounts, revision)) if amounts else 0


def payment_terms_text(order: PurchaseOrder) -> str:
    """The order's payment terms for people (its page, its PDF) in the active language: "30 days net; 2%
    discount if paid within 10 days"; "" when the order has none of its own."""
    if order.payment_net_days is None:
        return ""
    days = order.payment_net_days
    parts = [ngettext("%(days)s day net", "%(days)s days net", days) % {"days": days}]
    if order.has_payment_discount:
        within = order.payment_discount_days or 0
        parts.append(
            ngettext(
                "%(percent)s discount if paid within %(days)s day",
                "%(percent)s discount if paid within %(days)s days",
                within,
            )
            % {"percent": percent_display(order.payment_discount_percent or 0), "days": within}
        )
    text = "; ".join(parts)
    if order.contract_id and order.contract is not None:
        text += " " + gettext("(contract %(number)s)") % {"number": order.contract.number}
    return text
