"""Making supplier invoices for the tests: EN 16931 data turned into CII, UBL and Factur-X PDFs by the factur-x
library (on a PDF drawn by fpdf2), and the fixture files."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import facturx
from fpdf import FPDF

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PEPPOL = FIXTURES / "invoices" / "peppol"
CXML_SAMPLES = FIXTURES / "cxml" / "samples"


def peppol(name: str) -> bytes:
    return (PEPPOL / name).read_bytes()


@dataclass(frozen=True)
class Line:
    """An invoice line: the order line it bills, the supplier part, quantity, net price and VAT rate."""

    order_line: str | None
    part: str
    quantity: str
    price: str
    rate: str = "20"
    description: str = "Item"
    unit: str = "C62"
    category: str = "S"  # UNCL 5305: S standard, AE reverse charge, E exempt …


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def invoice_data(
    *,
    number: str = "F-2026-001",
    issue: date = date(2026, 11, 20),
    currency: str = "EUR",
    seller: str = "Fournitures Durand SARL",
    seller_vat: str = "FR40303265045",
    seller_country: str = "FR",
    buyer: str = "Acme France SAS",
    buyer_vat: str = "FR83404833048",
    order: str | None = "FR-PO-000001",
    lines: tuple[Line, ...] = (Line("1", "P-1", "5", "8.00"),),
    credit_note_of: str | None = None,
) -> dict[str, Any]:
    """EN 16931 business terms, as the factur-x library takes them, for an invoice (or a credit note of one)."""
    rows = []
    net_by_rate: dict[tuple[str, str], Decimal] = {}
    for position, line in enumerate(lines, 1):
        net = Decimal(line.quantity) * Decimal(line.price)
        key = (line.category, line.rate)
        net_by_rate[key] = net_by_rate.get(key, Decimal(0)) + net
        row = {
            "BT-126": str(position),
            "BT-129": line.quantity,
            "BT-130": line.unit,
            "BT-131": _money(net),
            "BT-146": line.price,
            "BT-151": line.category,
            "BT-152": line.rate,
            "BT-153": line.description,
            "BT-155": line.part,
        }
        if line.order_line:
            row["BT-132"] = line.order_line
        rows.append(row)
    total = sum(net_by_rate.values(), Decimal(0))
    tax_rows = [
        {
            "BT-116": _money(net),
            "BT-117": _money(net * Decimal(rate) / 100),
            "BT-118": category,
            "BT-119": rate,
            **({"BT-120": "Reverse charge", "BT-121": "VATEX-EU-AE"} if category == "AE" else {}),
        }
        for (category, rate), net in net_by_rate.items()
    ]
    tax = sum((Decimal(row["BT-117"]) for row in tax_rows), Decimal(0))
    data: dict[str, Any] = {
        "BT-1": number,
        "BT-2": issue,
        "BT-3": "381" if credit_note_of else "380",
        "BT-5": currency,
        "BT-9": date(issue.year + (issue.month == 12), issue.month % 12 + 1, 1),
        "BT-24": "urn:cen.eu:en16931:2017",
        "BT-72": issue,
        "BG-4": {
            "name": seller,
            "vat_identifier": seller_vat,
            "country_code": seller_country,
            "addr_l1": "1 rue de la Paix",
            "city": "Paris",
            "postcode": "75002",
        },
        "BG-7": {
            "name": buyer,
            "vat_identifier": buyer_vat,
            "country_code": "FR",
            "addr_l1": "10 avenue des Champs",
            "city": "Lyon",
            "postcode": "69001",
        },
        "BG-23": tax_rows,
        "BG-25": rows,
        "BT-106": _money(total),
        "BT-109": _money(total),
        "BT-110": _money(tax),
        "BT-112": _money(total + tax),
        "BT-115": _money(total + tax),
        "BT-20": "30 days net",
    }
    if order:
        data["BT-13"] = order
    if credit_note_of:
        data["BG-3"] = [{"BT-25": credit_note_of}]
    return data


def cii_xml(data: dict[str, Any]) -> bytes:
    """A Factur-X (CII D16B, EN 16931 profile) XML, made and checked against its XSD by the library."""
    xml: bytes = facturx.generate_xml(dict(data), flavor="factur-x", level="en16931", check_schematron=False)
    return xml


def ubl_xml(data: dict[str, Any]) -> bytes:
    xml: bytes = facturx.generate_xml(dict(data), flavor="ubl-2.1", level="en16931", check_schematron=False)
    return xml


def plain_pdf(text: str = "Invoice") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def facturx_pdf(data: dict[str, Any]) -> bytes:
    """A Factur-X PDF: a printable invoice with the CII XML embedded (PDF/A-3 attachment factur-x.xml)."""
    pdf: bytes = facturx.generate_from_binary(
        plain_pdf(f"Invoice {data['BT-1']}"), cii_xml(data), check_schematron=False
    )
    return pdf
