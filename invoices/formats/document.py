"""The one shape every supplier invoice is read into, whatever it came as (cXML, UBL, CII, Factur-X PDF).
No Django here.

The fields follow the European semantic model EN 16931 (the BT-/BG- numbers in the comments), which both
Peppol BIS 3.0 (UBL) and Factur-X (CII) implement; the cXML reader fills the same fields. Amounts are
Decimal in the document's currency (`currency`), as the supplier stated them, never rounded here; a credit
note carries positive amounts (it is the kind that says they are credited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

__all__ = [
    "AllowanceCharge",
    "InvoiceFormat",
    "InvoiceFormatError",
    "InvoiceKind",
    "Party",
    "SupplierInvoiceDocument",
    "SupplierInvoiceLine",
    "TaxBreakdown",
    "Totals",
]

InvoiceKind = Literal["invoice", "credit_note"]

# The model's Invoice.Source values.
InvoiceFormat = Literal["cxml", "ubl", "cii", "facturx", "typed", "claim"]


class InvoiceFormatError(Exception):
    """A file we cannot take as an invoice: `code` for the API, an English `message` naming the field.

    Codes: `invoice_unreadable` (not XML / not a PDF we can open), `invoice_not_supported` (another kind of
    document, a PDF without invoice XML), `invoice_invalid` (fails the official schema, or a field is missing
    or unreadable), `invoice_too_large`.
    """

    def __init__(self, message: str, *, code: str = "invoice_invalid", field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


@dataclass(frozen=True, kw_only=True)
class Party:
    """The seller (BG-4) or buyer (BG-7)."""

    name: str  # BT-27 / BT-44 (the legal name), else the trading name
    vat_id: str | None = None  # BT-31 / BT-48, with its country prefix (FR12345678901)
    country: str | None = None  # BT-40 / BT-55, ISO 3166 alpha-2
    endpoint_id: str | None = None  # BT-34 / BT-49: the electronic address (Peppol participant id)
    endpoint_scheme: str | None = None  # its scheme (0088 GLN, 0007 Swedish org. number, 0009 SIRET …)
    legal_id: str | None = None  # BT-30 / BT-47 (SIREN, organisationsnummer …)
    identifiers: tuple[str, ...] = ()  # BT-29 / BT-46 and, for cXML, the credentials' identities


@dataclass(frozen=True, kw_only=True)
class AllowanceCharge:
    """A document-level allowance (BG-20) or charge (BG-21): a discount, shipping, special handling …"""

    charge: bool
    amount: Decimal  # BT-92 / BT-99
    reason: str = ""  # BT-97 / BT-104
    reason_code: str | None = None  # BT-98 / BT-105 (UNTDID 5189 / 7161)
    base_amount: Decimal | None = None
    percent: Decimal | None = None
    tax_category: str | None = None  # BT-95 / BT-102
    tax_rate: Decimal | None = None  # BT-96 / BT-103


@dataclass(frozen=True, kw_only=True)
class SupplierInvoiceLine:
    """An invoice line (BG-25)."""

    line_id: str  # BT-126
    quantity: Decimal  # BT-129
    unit_code: str  # BT-130 (UN/ECE rec. 20: C62, EA, HUR …)
    net_amount: Decimal  # BT-131: quantity × net price ÷ base quantity, line allowances and charges included
    net_price: Decimal | None = None  # BT-146: the price of `price_base_quantity` units, after discount
    price_base_quantity: Decimal = Decimal(1)  # BT-149
    description: str = ""  # BT-153 item name, with BT-154 description when both are given
    seller_item_id: str | None = None  # BT-155: the supplier part id
    buyer_item_id: str | None = None  # BT-156
    order_reference: str | None = None  # the order this line bills (cXML per order block; UBL/CII: BT-13)
    order_line_reference: str | None = None  # BT-132: the order's line number
    tax_category: str | None = None  # BT-151 (UNCL 5305: S, Z, E, AE, K, G, O, L, M); cXML: as sent
    tax_rate: Decimal | None = None  # BT-152, percent
    tax_amount: Decimal | None = None  # cXML line Tax only (EN 16931 has no tax per line)
    allowance_total: Decimal = Decimal(0)  # BG-27: line allowances, already taken off `net_amount`
    charge_total: Decimal = Decimal(0)  # BG-28: line charges, already added to `net_amount`
    unbacked_reason: str = ""  # why this line names no order, when the format says (cXML contract-only block)


@dataclass(frozen=True, kw_only=True)
class TaxBreakdown:
    """One VAT breakdown row (BG-23): per category and rate."""

    category: str  # BT-118
    rate: Decimal | None  # BT-119
    taxable_amount: Decimal  # BT-116
    tax_amount: Decimal  # BT-117
    exemption_reason: str = ""  # BT-120 / BT-121


@dataclass(frozen=True, kw_only=True)
class Totals:
    """Document totals (BG-22), as stated."""

    line_net_total: Decimal  # BT-106: sum of the line net amounts
    allowance_total: Decimal  # BT-107
    charge_total: Decimal  # BT-108
    tax_exclusive: Decimal  # BT-109: lines − allowances + charges
    tax_total: Decimal  # BT-110
    tax_inclusive: Decimal  # BT-112
    prepaid: Decimal  # BT-113
    payable: Decimal  # BT-115: what the supplier asks to be paid


@dataclass(frozen=True, kw_only=True)
class SupplierInvoiceDocument:
    """A supplier's invoice or credit note, read from any format.

    `order_references` lists every order the document names (cXML may bill several, each line says which:
    `SupplierInvoiceLine.order_reference`); `order_reference` is BT-13 or the single order of a cXML invoice.
    `notes` are what the reader found odd but not wrong enough to refuse (totals that do not add up, a
    line amount that is not quantity × price), in words a clerk understands; they travel with the invoice.
    """

    format: InvoiceFormat
    kind: InvoiceKind
    number: str  # BT-1
    issue_date: date  # BT-2
    currency: str  # BT-5
    seller: Party
    buyer: Party | None
    lines: tuple[SupplierInvoiceLine, ...]
    totals: Totals
    due_date: date | None = None  # BT-9
    type_code: str = ""  # BT-3 (380 invoice, 381 credit note, 384 corrected …); cXML: the purpose
    order_reference: str | None = None  # BT-13
    order_references: tuple[str, ...] = ()
    corrected_invoice: str | None = None  # BT-25: the invoice a credit note corrects
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    tax_breakdown: tuple[TaxBreakdown, ...] = ()
    payment_terms: str = ""  # BT-20
    buyer_reference: str = ""  # BT-10
    message_id: str = ""  # the cXML payloadID
    notes: tuple[str, ...] = ()

    @property
    def is_credit_note(self) -> bool:
        return self.kind == "credit_note"
