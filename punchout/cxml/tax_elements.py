"""The Tax element (ItemIn, ItemOut, PunchOutOrderMessageHeader, OrderRequestHeader), read and written as
cXML 1.2.069's DTD orders it: Tax (Money, Description, TaxDetail*) and TaxDetail (TaxableAmount?, TaxAmount,
Description?, TaxExemption?). No Django here."""

from __future__ import annotations

from decimal import Decimal

from lxml.etree import _Element as Element

from .elements import Money, Tax, TaxDetail
from .errors import InvalidDocument
from .values import format_decimal, read_money, read_number, read_text, write_element, write_money

__all__ = ["read_tax", "write_tax"]

_EXEMPT_DETAILS = frozenset({"zeroRated", "exempt"})


def write_tax(parent: Element, tax: Tax, *, lang: str) -> Element:
    element = write_money(parent, "Tax", tax.money)
    write_element(element, "Description", tax.description, lang=lang)  # the DTD wants one, even empty
    for detail in tax.details:
        detail_element = write_element(
            element,
            "TaxDetail",
            purpose=detail.purpose,
            category=detail.category,
            percentageRate=None if detail.percentage_rate is None else format_decimal(detail.percentage_rate),
            exemptDetail=detail.exempt_detail if detail.exempt_detail in _EXEMPT_DETAILS else None,
            taxRateType=detail.tax_rate_type,
        )
        if detail.taxable_amount is not None:
            write_money(detail_element, "TaxableAmount", detail.taxable_amount)
        write_money(detail_element, "TaxAmount", detail.tax_amount)
        if detail.description:
            write_element(detail_element, "Description", detail.description, lang=lang)
        if detail.exemption_code:
            exemption = write_element(detail_element, "TaxExemption", exemptCode=detail.exemption_code)
            if detail.exemption_reason:
                write_element(exemption, "ExemptReason", detail.exemption_reason, lang=lang)
    return element


def _rate(value: str | None, what: str) -> Decimal | None:
    if value is None or not value.strip():
        return None
    rate = read_number(value)
    if rate is None or not 0 <= rate <= 100:
        raise InvalidDocument(f"the percentageRate of {what} is not a rate between 0 and 100: {value.strip()[:20]!r}")
    return rate


def _money_in(parent: Element, tag: str, what: str) -> Money | None:
    element = parent.find(tag)
    return None if element is None else read_money(element.find("Money"), f"the {tag} of {what}")


def read_tax(element: Element | None, what: str) -> Tax | None:
    """A Tax element (None when absent); refuses with a 400 a Tax without Money or with an unreadable rate."""
    if element is None:
        return None
    money = read_money(element.find("Money"), what)
    details = []
    for position, detail in enumerate(element.iterfind("TaxDetail"), 1):
        detail_what = f"TaxDetail {position} of {what}"
        exemption = detail.find("TaxExemption")
        details.append(
            TaxDetail(
                category=(detail.get("category") or "").strip(),
                purpose=(detail.get("purpose") or "").strip() or None,
                percentage_rate=_rate(detail.get("percentageRate"), detail_what),
                taxable_amount=_money_in(detail, "TaxableAmount", detail_what),
                tax_amount=_money_in(detail, "TaxAmount", detail_what)
                or Money(amount=Decimal(0), currency=money.currency),
                description=read_text(detail.find("Description")),
                tax_rate_type=(detail.get("taxRateType") or "").strip() or None,
                exempt_detail=(detail.get("exemptDetail") or "").strip() or None,
                exemption_code=None if exemption is None else (exemption.get("exemptCode") or "").strip() or None,
                exemption_reason="" if exemption is None else read_text(exemption.find("ExemptReason")),
            )
        )
    return Tax(money=money, description=read_text(element.find("Description")), details=tuple(details))
