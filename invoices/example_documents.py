"""Example e-invoices of one of our orders, as its supplier would send them: a Factur-X PDF (CII EN 16931 in a
PDF) and a Peppol BIS 3.0 UBL invoice, made with the factur-x library. For the demo data and
`docs/examples/` (files a user can upload), never for real invoices.

    example_invoice_data(order, number=…, issue_date=…, quantities=None, prices=None) -> dict  # EN 16931 terms
    example_facturx_pdf(order, …) -> bytes
    example_ubl_invoice(order, …) -> bytes

`quantities` / `prices` map an order line number to what the example invoices instead of what was ordered
(an invoice for more than was received, a price above the order's).
"""

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import facturx
from fpdf import FPDF

from orders.models import PurchaseOrder
from procurement.money import Money, currency_digits, decimal_text

__all__ = ["example_facturx_pdf", "example_invoice_data", "example_ubl_invoice"]


def _money(value: Decimal, digits: int) -> str:
    return decimal_text(value, digits)


def example_invoice_data(
    order: PurchaseOrder,
    *,
    number: str,
    issue_date: date,
    quantities: Mapping[int, Decimal] | None = None,
    prices: Mapping[int, Decimal] | None = None,
    tax_rate: Decimal = Decimal(20),
) -> dict[str, Any]:
    """The EN 16931 business terms of the supplier's invoice for `order` (every line, at one VAT rate)."""
    digits = currency_digits(order.currency)
    quantities = quantities or {}
    prices = prices or {}
    rows = []
    total = Decimal(0)
    for line in order.lines.order_by("line_number"):
        quantity = quantities.get(line.line_number, line.quantity)
        price = prices.get(line.line_number, Money.from_minor(line.unit_price_minor, order.currency).amount)
        net = (quantity * price / line.price_basis_quantity).quantize(Decimal(1).scaleb(-digits))
        total += net
        rows.append(
            {
                "BT-126": str(line.line_number),
                "BT-129": decimal_text(quantity),
                "BT-130": line.unit or "C62",
                "BT-131": _money(net, digits),
                "BT-132": str(line.line_number),
                "BT-146": decimal_text(price),
                "BT-149": decimal_text(line.price_basis_quantity),
                "BT-151": "S",
                "BT-152": decimal_text(tax_rate),
                "BT-153": line.description[:200],
                "BT-155": line.supplier_part_id or f"LINE-{line.line_number}",
            }
        )
    tax = (total * tax_rate / 100).quantize(Decimal(1).scaleb(-digits))
    supplier, entity = order.supplier, order.legal_entity
    return {
        "BT-1": number,
        "BT-2": issue_date,
        "BT-3": "380",
        "BT-5": order.currency,
        "BT-9": issue_date + timedelta(days=30),
        "BT-13": order.number,
        "BT-24": "urn:cen.eu:en16931:2017",
        "BT-72": issue_date,
        "BG-4": {
            "name": supplier.name,
            "vat_identifier": supplier.tax_id,
            "country_code": (supplier.tax_id[:2] if supplier.tax_id[:2].isalpha() else "FR").upper(),
            "addr_l1": (supplier.address.splitlines() or ["1 Supply Road"])[0][:100],
            "city": "Paris",
            "postcode": "75001",
        },
        "BG-7": {
            "name": entity.name,
            "vat_identifier": entity.tax_id,
            "country_code": (entity.tax_id[:2] if entity.tax_id[:2].isalpha() else "FR").upper(),
            "addr_l1": "1 Main Street",
            "city": "Paris",
            "postcode": "75002",
        },
        "BG-23": [
            {
                "BT-116": _money(total, digits),
                "BT-117": _money(tax, digits),
                "BT-118": "S",
                "BT-119": decimal_text(tax_rate),
            }
        ],
        "BG-25": rows,
        "BT-106": _money(total, digits),
        "BT-109": _money(total, digits),
        "BT-110": _money(tax, digits),
        "BT-112": _money(total + tax, digits),
        "BT-115": _money(total + tax, digits),
        "BT-20": "30 days net",
    }


def _printable(data: dict[str, Any]) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=f"{data['BG-4']['name']} - Invoice {data['BT-1']}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    heading = f"To {data['BG-7']['name']}, order {data['BT-13']}, {data['BT-2'].isoformat()}"
    pdf.cell(text=heading, new_x="LMARGIN", new_y="NEXT")
    for row in data["BG-25"]:
        amounts = f"{row['BT-129']} x {row['BT-146']} = {row['BT-131']} {data['BT-5']}"
        pdf.cell(text=f"{row['BT-126']}. {row['BT-153'][:60]}  {amounts}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text=f"Total {data['BT-109']} + VAT {data['BT-110']} = {data['BT-112']} {data['BT-5']}")
    return bytes(pdf.output())


def example_facturx_pdf(order: PurchaseOrder, **kwargs: Any) -> bytes:
    """A Factur-X PDF (EN 16931 profile) of `example_invoice_data(order, **kwargs)`."""
    data = example_invoice_data(order, **kwargs)
    xml = facturx.generate_xml(dict(data), flavor="factur-x", level="en16931", check_schematron=False)
    pdf: bytes = facturx.generate_from_binary(_printable(data), xml, check_schematron=False)
    return pdf


def example_ubl_invoice(order: PurchaseOrder, **kwargs: Any) -> bytes:
    """A UBL 2.1 invoice (Peppol BIS 3.0 shape) of `example_invoice_data(order, **kwargs)`."""
    data = example_invoice_data(order, **kwargs)
    data["BT-23"] = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    data["BT-24"] = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
    for party in ("BG-4", "BG-7"):  # Peppol addresses parties by an electronic address: here the VAT number
        data[party]["einvoicing_addr"] = data[party]["vat_identifier"]
        data[party]["einvoicing_addr_schemeid"] = "9957" if data[party]["country_code"] == "FR" else "9955"
    xml: bytes = facturx.generate_xml(dict(data), flavor="ubl-2.1", level="en16931", check_schematron=False)
    return xml
