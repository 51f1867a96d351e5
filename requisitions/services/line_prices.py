"""A catalog line's price: from the quote it was added at (a contract in force, a price list, the base price),
and, when a contract priced it, again from the contract's volume tiers whenever its quantity changes."""

from procurement.selectors import PriceQuote, contract_quote_for_item

from ..models import RequisitionLine


def line_price_apply(line: RequisitionLine, quote: PriceQuote) -> None:
    """Give the line the quoted unit price and remember the contract it comes from (None: no contract)."""
    line.unit_price_minor, line.currency = quote.price.minor, quote.price.currency
    line.contract_id = quote.contract.contract_id if quote.contract else None


def line_price_key(line: RequisitionLine) -> object:
    """What "the same price" means when lines are combined: the same contract (its tier follows the combined
    quantity), else the same unit price."""
    return ("contract", line.contract_id) if line.contract_id else line.unit_price_minor


def line_reprice_for_quantity(line: RequisitionLine) -> bool:
    """The unit price of a contract-priced line at the tier its (new) quantity reaches; whether it changed.
    Lines priced otherwise keep their price (one read, only for contract lines)."""
    if line.contract_id is None or line.catalog_item_id is None:
        return False
    quote = contract_quote_for_item(contract_id=line.contract_id, item_id=line.catalog_item_id)
    if quote is None:
        return False
    price = quote.price_for(line.quantity)
    changed = (price.minor, price.currency) != (line.unit_price_minor, line.currency)
    line.unit_price_minor, line.currency = price.minor, price.currency
    return changed
