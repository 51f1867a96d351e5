"""UBL 2.1 (Peppol BIS Billing 3.0) invoices and credit notes, and UN/CEFACT CII D16B (Factur-X / ZUGFeRD 2),
read into a `SupplierInvoiceDocument`. No Django here.

The work is shared with a well-kept library: Akretion's `factur-x` maps both syntaxes onto the EN 16931
business terms (BT-1, BT-2 …) and ships the official schemas (the OASIS UBL 2.1 XSDs and the Factur-X
XSDs of each profile). We parse with our hardened parser (`punchout.xmlsafe`: no entities, no network, a
size limit), validate against the official schema ourselves (compiled once), and only then hand the tree
to the library. Every refusal is an `InvoiceFormatError` naming the element or business term at fault.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import facturx
from lxml import etree
from lxml.etree import _Element as Element

from .arithmetic import with_arithmetic_notes
from .document import (
    AllowanceCharge,
    InvoiceFormat,
    InvoiceFormatError,
    Party,
    SupplierInvoiceDocument,
    SupplierInvoiceLine,
    TaxBreakdown,
    Totals,
)
from .values import amount, check_currency, optional_amount, optional_rate, quantity, text_of

__all__ = ["CREDIT_NOTE_TYPE_CODES", "flavor_of", "read_en16931", "schema_errors"]

logger = logging.getLogger(__name__)

UBL_INVOICE = "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice"
UBL_CREDIT_NOTE = "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote"
CII_INVOICE = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice"
_UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"

# UNTDID 1001 document types that credit (EN 16931 code list for BT-3).
CREDIT_NOTE_TYPE_CODES = frozenset({"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"})

_SCHEMAS = {
    "ubl-2.1-invoice": "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
    "ubl-2.1-creditnote": "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd",
    "minimum": "facturx-minimum/Factur-X_MINIMUM.xsd",
    "basicwl": "facturx-basicwl/Factur-X_BASICWL.xsd",
    "basic": "facturx-basic/Factur-X_BASIC.xsd",
    "en16931": "facturx-en16931/Factur-X_EN16931.xsd",
    "extended": "facturx-extended/Factur-X_EXTENDED.xsd",
}

_SCHEMA_NAMES = {
    "ubl-2.1-invoice": "the OASIS UBL 2.1 Invoice schema",
    "ubl-2.1-creditnote": "the OASIS UBL 2.1 CreditNote schema",
}

_NAMESPACE = re.compile(r"\{[^}]*\}")


@cache
def _schema(key: str) -> etree.XMLSchema:
    """The official schema, compiled once from the files the factur-x package ships (never the network)."""
    path = resources.files("facturx") / "xsd_and_schematron" / _SCHEMAS[key]
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(path), parser))


def flavor_of(root: Element) -> str:
    """'ubl-2.1-invoice', 'ubl-2.1-creditnote' or 'factur-x' (CII); an `InvoiceFormatError` for anything else."""
    tag = root.tag if isinstance(root.tag, str) else ""
    if tag == UBL_INVOICE:
        return "ubl-2.1-invoice"
    if tag == UBL_CREDIT_NOTE:
        return "ubl-2.1-creditnote"
    if tag == CII_INVOICE:
        return "factur-x"
    local = _NAMESPACE.sub("", tag)
    if local == "CrossIndustryDocument":
        raise InvoiceFormatError(
            "this is a ZUGFeRD 1.0 invoice: send ZUGFeRD 2 / Factur-X (CII D16B) instead",
            code="invoice_not_supported",
        )
    raise InvoiceFormatError(
        f"<{local}> is not an invoice we read: send a UBL 2.1 Invoice or CreditNote (Peppol BIS 3.0), "
        "a CII CrossIndustryInvoice (Factur-X / ZUGFeRD 2) or a cXML InvoiceDetailRequest",
        code="invoice_not_supported",
    )


def _level(root: Element, flavor: str) -> str:
    if flavor != "factur-x":
        return flavor
    try:
        level = facturx.get_level(root, flavor)
    except Exception:  # the library raises bare Exceptions; its message quotes the URN at fault
        level = ""
    # A CII invoice of another CIUS (XRechnung …) declares EN 16931 compliance: checked as EN 16931.
    return level if level in _SCHEMAS else "en16931"


def schema_errors(root: Element, flavor: str) -> list[str]:
    """What the official schema finds wrong (empty when valid), without namespaces, each with its line."""
    level = _level(root, flavor)
    schema = _schema(level)
    if schema.validate(root):
        return []
    return [f"line {error.line}: {_NAMESPACE.sub('', error.message)}" for error in schema.error_log][:5]


def _check_cii_dates(root: Element) -> None:
    """CII dates are text with a format code; the schema does not check them, the library would choke."""
    for element in root.iter(f"{{{_UDT}}}DateTimeString"):
        text = (element.text or "").strip()
        shape = (element.get("format") or "102").strip()
        where = _NAMESPACE.sub("", element.getparent().tag) if element.getparent() is not None else "a date"
        if shape != "102":
            raise InvoiceFormatError(f"{where} uses date format {shape!r}: only 102 (YYYYMMDD) is allowed", field=where)
        try:
            datetime.strptime(text, "%Y%m%d")
        except ValueError:
            raise InvoiceFormatError(f"{where} is not a date (YYYYMMDD): {text[:20]!r}", field=where) from None


def _party(data: Any, what: str) -> Party | None:
    if not isinstance(data, dict) or not data:
        return None
    identifiers = data.get("identifiers") or {}
    return Party(
        name=text_of(data.get("name")) or text_of(data.get("biz_name")),
        vat_id=text_of(data.get("vat_identifier")).replace(" ", "").upper() or None,
        country=text_of(data.get("country_code")).upper() or None,
        endpoint_id=text_of(data.get("einvoicing_addr")) or None,
        endpoint_scheme=text_of(data.get("einvoicing_addr_schemeid")) or None,
        legal_id=text_of(data.get("legal_identifier")) or None,
        identifiers=tuple(text_of(value) for value in identifiers.values() if text_of(value))
        if isinstance(identifiers, dict)
        else (),
    )


def _date(value: Any, field: str, *, required: bool) -> date | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, date):
        return value
    if required:
        raise InvoiceFormatError(f"{field} is missing", field=field)
    return None


def _allowance_charge(entry: dict[str, Any], *, charge: bool, position: int) -> AllowanceCharge:
    what = f"document {'charge' if charge else 'allowance'} {position}"
    return AllowanceCharge(
        charge=charge,
        amount=amount(entry.get("amount"), f"{'BT-99' if charge else 'BT-92'} amount of the {what}"),
        reason=text_of(entry.get("reason")),
        reason_code=text_of(entry.get("reason_code")) or None,
        base_amount=optional_amount(entry.get("base_amount"), f"the base amount of the {what}"),
        percent=optional_rate(entry.get("rate"), f"the percentage of the {what}"),
        tax_category=text_of(entry.get("vat_category_code")) or None,
        tax_rate=optional_rate(entry.get("vat_rate"), f"the VAT rate of the {what}"),
    )


def _line(entry: dict[str, Any], position: int, order_reference: str | None) -> SupplierInvoiceLine:
    line_id = text_of(entry.get("BT-126")) or str(position)
    what = f"of line {line_id}"
    name = text_of(entry.get("BT-153"))
    detail = text_of(entry.get("BT-154"))
    description = name if not detail or detail == name else (f"{name}: {detail}" if name else detail)
    base = optional_amount(entry.get("BT-149"), f"BT-149 price base quantity {what}")
    if base is not None and base <= 0:
        raise InvoiceFormatError(f"BT-149 price base quantity {what} must be above 0", field="BT-149")
    allowances = sum(
        (amount(a.get("amount"), f"BT-136 allowance amount {what}") for a in entry.get("BG-27") or []), Decimal(0)
    )
    charges = sum(
        (amount(c.get("amount"), f"BT-141 charge amount {what}") for c in entry.get("BG-28") or []), Decimal(0)
    )
    return SupplierInvoiceLine(
        line_id=line_id,
        allowance_total=allowances,
        charge_total=charges,
        quantity=quantity(entry.get("BT-129"), f"BT-129 invoiced quantity {what}"),
        unit_code=text_of(entry.get("BT-130")),
        net_amount=amount(entry.get("BT-131"), f"BT-131 line net amount {what}"),
        net_price=optional_amount(entry.get("BT-146"), f"BT-146 item net price {what}"),
        price_base_quantity=base if base is not None else Decimal(1),
        description=description[:500],
        seller_item_id=text_of(entry.get("BT-155")) or None,
        buyer_item_id=text_of(entry.get("BT-156")) or None,
        order_reference=order_reference,
        order_line_reference=text_of(entry.get("BT-132")) or None,
        tax_category=text_of(entry.get("BT-151")) or None,
        tax_rate=optional_rate(entry.get("BT-152"), f"BT-152 VAT rate {what}"),
    )


def _totals(data: dict[str, Any], lines: tuple[SupplierInvoiceLine, ...]) -> Totals:
    line_total = optional_amount(data.get("BT-106"), "BT-106 sum of line net amounts")
    exclusive = amount(data.get("BT-109"), "BT-109 invoice total amount without VAT")
    inclusive = amount(data.get("BT-112"), "BT-112 invoice total amount with VAT")
    return Totals(
        line_net_total=line_total if line_total is not None else sum((li.net_amount for li in lines), Decimal(0)),
        allowance_total=optional_amount(data.get("BT-107"), "BT-107 sum of allowances") or Decimal(0),
        charge_total=optional_amount(data.get("BT-108"), "BT-108 sum of charges") or Decimal(0),
        tax_exclusive=exclusive,
        tax_total=optional_amount(data.get("BT-110"), "BT-110 invoice total VAT amount") or Decimal(0),
        tax_inclusive=inclusive,
        prepaid=optional_amount(data.get("BT-113"), "BT-113 paid amount") or Decimal(0),
        payable=amount(data.get("BT-115"), "BT-115 amount due for payment"),
    )


def _from_business_terms(data: dict[str, Any], flavor: str, source: InvoiceFormat) -> SupplierInvoiceDocument:
    number = text_of(data.get("BT-1"))
    if not number:
        raise InvoiceFormatError("BT-1 invoice number is missing", field="BT-1")
    type_code = text_of(data.get("BT-3"))
    credit = flavor == "ubl-2.1-creditnote" or type_code in CREDIT_NOTE_TYPE_CODES
    seller = _party(data.get("BG-4"), "seller")
    if seller is None or not (seller.name or seller.vat_id):
        raise InvoiceFormatError("BG-4 seller is missing its name", field="BG-4")
    order_reference = text_of(data.get("BT-13")) or None
    lines = tuple(_line(entry, position, order_reference) for position, entry in enumerate(data.get("BG-25") or [], 1))
    preceding = data.get("BG-3") or []
    corrected = next((text_of(entry.get("BT-25")) for entry in preceding if text_of(entry.get("BT-25"))), None)
    tax_rows = tuple(
        TaxBreakdown(
            category=text_of(row.get("BT-118")),
            rate=optional_rate(row.get("BT-119"), f"BT-119 VAT rate of VAT breakdown {position}"),
            taxable_amount=amount(row.get("BT-116"), f"BT-116 taxable amount of VAT breakdown {position}"),
            tax_amount=amount(row.get("BT-117"), f"BT-117 VAT amount of VAT breakdown {position}"),
            exemption_reason=text_of(row.get("BT-120")) or text_of(row.get("BT-121")),
        )
        for position, row in enumerate(data.get("BG-23") or [], 1)
    )
    document = SupplierInvoiceDocument(
        format=source,
        kind="credit_note" if credit else "invoice",
        number=number,
        issue_date=_date(data.get("BT-2"), "BT-2 invoice issue date", required=True) or date.min,
        due_date=_date(data.get("BT-9"), "BT-9 payment due date", required=False),
        currency=check_currency(text_of(data.get("BT-5")), "BT-5 invoice currency code"),
        type_code=type_code,
        seller=seller,
        buyer=_party(data.get("BG-7"), "buyer"),
        lines=lines,
        totals=_totals(data, lines),
        order_reference=order_reference,
        order_references=(order_reference,) if order_reference else (),
        corrected_invoice=corrected,
        allowances_charges=tuple(
            _allowance_charge(entry, charge=False, position=position)
            for position, entry in enumerate(data.get("BG-20") or [], 1)
        )
        + tuple(
            _allowance_charge(entry, charge=True, position=position)
            for position, entry in enumerate(data.get("BG-21") or [], 1)
        ),
        tax_breakdown=tax_rows,
        payment_terms=text_of(data.get("BT-20"))[:200],
        buyer_reference=text_of(data.get("BT-10")),
    )
    return with_arithmetic_notes(document)


def read_en16931(root: Element, *, source: InvoiceFormat | None = None) -> SupplierInvoiceDocument:
    """A UBL or CII invoice tree (parsed by `punchout.xmlsafe`) as a `SupplierInvoiceDocument`.

    Refuses a document of another kind, one the official schema finds invalid (the first errors, with
    their lines), and a business term that is missing or beyond our limits.
    """
    flavor = flavor_of(root)
    errors = schema_errors(root, flavor)
    if errors:
        schema = _SCHEMA_NAMES.get(flavor, f"the Factur-X {_level(root, flavor).upper()} schema (CII D16B)")
        raise InvoiceFormatError(f"the invoice does not follow {schema}: " + "; ".join(errors))
    if flavor == "factur-x":
        _check_cii_dates(root)
    try:
        data = facturx.parse_ubl_cii_xml(root, flavor=flavor, level=_level(root, flavor), check_xsd=False)
    except InvoiceFormatError:
        raise
    except Exception as error:  # the library's own refusals are bare Exceptions with a readable message
        logger.info("factur-x could not read an invoice: %r", error)
        raise InvoiceFormatError(f"the invoice could not be read: {error}"[:500]) from None
    kind: InvoiceFormat = source or ("cii" if flavor == "factur-x" else "ubl")
    return _from_business_terms(data, flavor, kind)
