"""The parts every cXML document shares, as frozen dataclasses: the Header's credentials, a Status, Money,
an Address or Contact, and the line of goods (LineItem: ItemIn, ItemOut) with its Classification and
PriceBasisQuantity. The documents themselves are in `punchout`, `profile`, `order_request`,
`supplier_documents` and `envelope` (the bare Response).

Money and quantities are `Decimal`, never float. Text is stripped of surrounding whitespace.
`payload_id` and `timestamp` left empty on a document given to a builder are generated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

__all__ = [
    "Address",
    "Classification",
    "Contact",
    "Credential",
    "DeploymentMode",
    "Header",
    "ItemIn",
    "ItemOut",
    "LineItem",
    "Money",
    "PriceBasisQuantity",
    "Status",
    "Tax",
    "TaxDetail",
]

DeploymentMode = Literal["production", "test"]


@dataclass(frozen=True, kw_only=True)
class Credential:
    """A party's identity in a domain (DUNS, NetworkID …); the shared secret only on the Sender."""

    domain: str
    identity: str
    shared_secret: str | None = None

    def __repr__(self) -> str:
        # Never print a secret into a log or a traceback.
        secret = "" if self.shared_secret is None else ", shared_secret='***'"
        return f"Credential(domain={self.domain!r}, identity={self.identity!r}{secret})"


@dataclass(frozen=True, kw_only=True)
class Header:
    """From, To and Sender. Ariba sends several From/To credentials; the first is `from_`/`to`, the rest `*_extra`."""

    from_: Credential
    to: Credential
    sender: Credential
    user_agent: str = ""
    from_extra: tuple[Credential, ...] = ()
    to_extra: tuple[Credential, ...] = ()

    @property
    def from_credentials(self) -> tuple[Credential, ...]:
        return (self.from_, *self.from_extra)

    @property
    def to_credentials(self) -> tuple[Credential, ...]:
        return (self.to, *self.to_extra)


@dataclass(frozen=True, kw_only=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True, kw_only=True)
class Classification:
    """A commodity code; UNSPSC values may have 8 or 10 digits and are kept as text."""

    domain: str
    value: str


@dataclass(frozen=True, kw_only=True)
class PriceBasisQuantity:
    """The unit price is for `quantity` units of `unit_of_measure`; one ordered unit is `conversion_factor` of those."""

    quantity: Decimal
    conversion_factor: Decimal
    unit_of_measure: str
    description: str = ""

    @classmethod
    def per(cls, basis: Decimal, unit_of_measure: str) -> PriceBasisQuantity | None:
        """A price for `basis` ordered units (12.50 per 100 EA), or None for a price per unit: the reader
        multiplies out quantity × price ÷ basis as we do."""
        if basis == 1:
            return None
        return cls(quantity=basis.normalize(), conversion_factor=Decimal(1), unit_of_measure=unit_of_measure)


@dataclass(frozen=True, kw_only=True)
class TaxDetail:
    """One kind of tax (TaxDetail): `category` is cXML's (vat, gst, sales …), `percentage_rate` in percent.

    `tax_rate_type` carries the UNCL5305 category (S, AA, Z, E, AE …); `exempt_detail` is zeroRated or exempt
    for a zero amount; `exemption_code` and `exemption_reason` are the TaxExemption (VATEX-EU-AE for reverse
    charge)."""

    category: str
    tax_amount: Money
    taxable_amount: Money | None = None
    percentage_rate: Decimal | None = None
    purpose: str | None = None
    description: str = ""
    tax_rate_type: str | None = None
    exempt_detail: str | None = None
    exemption_code: str | None = None
    exemption_reason: str = ""


@dataclass(frozen=True, kw_only=True)
class Tax:
    """A Tax element: the amount of the line or the document, its description, and its details."""

    money: Money
    description: str = ""
    details: tuple[TaxDetail, ...] = ()

    @property
    def single_rate(self) -> Decimal | None:
        """The one percentage rate all its details give, None when none or several."""
        rates = {detail.percentage_rate for detail in self.details if detail.percentage_rate is not None}
        return rates.pop() if len(rates) == 1 else None


@dataclass(frozen=True, kw_only=True)
class LineItem:
    """What ItemIn (a cart line from a supplier) and ItemOut (a line we send) share."""

    quantity: Decimal
    supplier_part_id: str
    unit_price: Money
    unit_of_measure: str
    description: str = ""
    description_lang: str = "en"
    short_name: str = ""
    supplier_part_auxiliary_id: str | None = None
    buyer_part_id: str | None = None
    classifications: tuple[Classification, ...] = ()
    manufacturer_part_id: str | None = None
    manufacturer_name: str | None = None
    url: str | None = None
    lead_time: int | None = None
    price_basis_quantity: PriceBasisQuantity | None = None
    extrinsics: Mapping[str, str] = field(default_factory=dict)
    line_number: int | None = None
    tax: Tax | None = None

    @property
    def effective_unit_price(self) -> Decimal:
        """The price of one ordered unit.

        With a PriceBasisQuantity the UnitPrice is for `quantity` price units and one ordered unit is
        `conversion_factor` price units, so one ordered unit costs price / quantity * conversion_factor
        (the cXML line amount formula). Not rounded: round to the currency when storing.
        """
        basis = self.price_basis_quantity
        if basis is None or not basis.quantity:
            return self.unit_price.amount
        return self.unit_price.amount / basis.quantity * basis.conversion_factor

    @property
    def line_total(self) -> Decimal:
        return self.quantity * self.effective_unit_price

    @property
    def text(self) -> str:
        """The best single line of text: the description, else the short name."""
        return self.description or self.short_name

    def classification(self, domain: str) -> str | None:
        """The first classification value of a domain, compared case-insensitively (UNSPSC, unspsc …)."""
        wanted = domain.casefold()
        return next((c.value for c in self.classifications if c.domain.casefold() == wanted), None)


@dataclass(frozen=True, kw_only=True)
class ItemIn(LineItem):
    """A line of a supplier's cart (PunchOutOrderMessage)."""


@dataclass(frozen=True, kw_only=True)
class ItemOut(LineItem):
    """A line we send back to the supplier in an edit or inspect PunchOutSetupRequest."""


@dataclass(frozen=True, kw_only=True)
class Contact:
    name: str
    email: str | None = None
    phone: str | None = None
    role: str | None = None
    lang: str = "en"


@dataclass(frozen=True, kw_only=True)
class Address:
    """A ShipTo address. `phone` is read as display text and not written by the builders."""

    name: str
    address_id: str | None = None
    deliver_to: tuple[str, ...] = ()
    street: tuple[str, ...] = ()
    city: str = ""
    state: str | None = None
    postal_code: str | None = None
    country: str = ""
    country_code: str = ""
    email: str | None = None
    phone: str | None = None
    lang: str = "en"


@dataclass(frozen=True, kw_only=True)
class Status:
    """A cXML Status: `code` (HTTP-like: 200 OK, 201 Accepted, 204 No Content, 4xx/5xx errors), text, message."""

    code: int
    text: str
    message: str = ""
    lang: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.code < 300
