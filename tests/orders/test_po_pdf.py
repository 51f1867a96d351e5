"""Purchase order PDFs, read back the way a supplier's system would: text out of the PDF."""

import ast
import dataclasses
import io
import itertools
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fpdf import FPDF
from pypdf import PdfReader

from orders import po_pdf
from orders.po_pdf import (
    Party,
    PrintLine,
    PurchaseOrderPrint,
    format_money,
    format_quantity,
    format_unit_price,
    render_purchase_order_pdf,
)

MM = 72 / 25.4  # PDF points per millimetre
PAGE_MARGIN = 15 * MM

BUYER = Party(
    name="ACME Nordic AB",
    address_lines=("Storgatan 1", "111 22 Stockholm", "Sweden"),
    tax_id="SE556677889901",
    email="inköp@acme.se",
    phone="+46 8 123 456",
)
SUPPLIER = Party(
    name="Åkerlunds Verktyg & Söner",
    address_lines=("Industrivägen 9", "412 63 Göteborg", "Sweden"),
    tax_id="SE559900112201",
    email="order@akerlund.example",
)
BILL_TO = Party(name="ACME Nordic AB – Accounts payable", address_lines=("Box 123", "101 23 Stockholm"))
SHIP_TO = Party(name="ACME Lager Malmö", address_lines=("Hamngatan 4", "211 22 Malmö"))


def a_line(number: int, **changes: Any) -> PrintLine:
    line = PrintLine(
        number=number,
        sku=f"DRL-{number:04d}",
        description=f"Cordless drill 18 V, model {number}",
        quantity=Decimal("2.500"),
        unit="pcs",
        unit_price=Decimal("1234.5"),
        total=Decimal("3086.25"),
    )
    return dataclasses.replace(line, **changes)


def an_order(**changes: Any) -> PurchaseOrderPrint:
    order = PurchaseOrderPrint(
        number="PO-ACME-SE-000042",
        revision=1,
        order_date=date(2025, 3, 14),
        currency="EUR",
        buyer=BUYER,
        supplier=SUPPLIER,
        bill_to=BILL_TO,
        ship_to=SHIP_TO,
        lines=(
            a_line(
                1,
                sku="DRL-18V",
                description="Cordless drill 18 V with two batteries",
                quantity=Decimal("10.000"),
                unit_price=Decimal("1234.50"),
                total=Decimal("12345.00"),
                needed_by=date(2025, 4, 1),
                account="CC-4010 IT equipment",
            ),
            a_line(
                2,
                sku="SCR-4x40",
                description="Wood screws 4×40 mm, box of 200",
                quantity=Decimal("2.50"),
                unit="box",
                unit_price=Decimal("0.0125"),
                total=Decimal("0.03"),
            ),
        ),
        total=Decimal("12345.03"),
        contact="Alice Ångström <alice@acme.example>",
        requisition="REQ-2025-0107",
        notes="Deliver to gate 3 between 07:00 and 15:00.",
        payment_terms="30 days net",
    )
    return dataclasses.replace(order, **changes)


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    """Whitespace collapsed: cells and wrapped lines come out with line breaks between them."""
    return " ".join(text.split())


@dataclass(frozen=True)
class TextRun:
    page: int
    text: str
    x: float
    y: float
    width: float


def text_runs(pdf: bytes) -> list[TextRun]:
    """Every piece of text with where it starts and how wide it is, in points."""
    measure = FPDF(unit="pt")
    measure.add_font("DejaVuSans", "", po_pdf.FONT_DIRECTORY / "DejaVuSans.ttf")
    measure.add_font("DejaVuSans", "B", po_pdf.FONT_DIRECTORY / "DejaVuSans-Bold.ttf")
    runs: list[TextRun] = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, start=1):

        def visit(text: str, cm: Any, tm: Any, font: Any, size: float, page_number: int = number) -> None:
            if not text.strip() or font is None:
                return
            style = "B" if "Bold" in str(font["/BaseFont"]) else ""
            measure.set_font("DejaVuSans", style, size)
            runs.append(TextRun(page_number, text.strip(), tm[4], tm[5], measure.get_string_width(text.strip())))

        page.extract_text(visitor_text=visit)
    return runs


def assert_all_text_inside_the_margins(pdf: bytes) -> None:
    """No text crosses the page margins, and no two pieces of text on one baseline overlap."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    runs = text_runs(pdf)
    for run in runs:
        assert run.x >= PAGE_MARGIN - 0.5, run
        assert run.x + run.width <= width - PAGE_MARGIN + 0.5, run
        assert 8 * MM <= run.y <= height - 8 * MM, run
    baselines: dict[tuple[int, float], list[TextRun]] = {}
    for run in runs:
        baselines.setdefault((run.page, round(run.y, 1)), []).append(run)
    for same_line in baselines.values():
        same_line.sort(key=lambda run: run.x)
        for left, right in itertools.pairwise(same_line):
            assert left.x + left.width <= right.x + 0.5, (left, right)


# -- the document ----------------------------------------------------------------------------------


def test_an_order_reads_back_with_everything_a_supplier_needs():
    # given an order with two lines
    order = an_order(revision=2)

    # when it is rendered
    pdf = render_purchase_order_pdf(order)

    # then it is one valid page with header, parties, lines and total on it
    assert pdf.startswith(b"%PDF-")
    [text] = pages_text(pdf)
    page = flat(text)
    assert "Purchase order" in page
    assert "PO-ACME-SE-000042" in page
    assert "Revision 2" in page
    assert "2025-03-14" in page
    for party in (BUYER, SUPPLIER, BILL_TO, SHIP_TO):
        assert party.name in page
        for address_line in party.address_lines:
            assert address_line in page
    assert "Tax ID: SE556677889901" in page
    assert "Tax ID: SE559900112201" in page
    assert "Alice Ångström <alice@acme.example>" in page
    assert "REQ-2025-0107" in page
    for line in order.lines:
        assert line.sku in page
        assert line.description in page
    assert "10 pcs 1,234.50 12,345.00" in page
    assert "2.5 box 0.0125 0.03" in page
    assert "Needed by 2025-04-01" in page
    assert "Account CC-4010 IT equipment" in page
    assert "Total 12,345.03 EUR" in page
    assert "Payment terms 30 days net" in page
    assert "Deliver to gate 3 between 07:00 and 15:00." in page
    assert "Page 1 of 1" in page


def test_the_table_header_names_the_currency_of_the_prices():
    text = flat(pages_text(render_purchase_order_pdf(an_order(currency="SEK")))[0])

    assert "Unit price (SEK)" in text
    assert "Total (SEK)" in text
    assert "Total 12,345.03 SEK" in text


def test_the_pdf_is_titled_with_the_po_number_and_authored_by_the_buyer():
    reader = PdfReader(io.BytesIO(render_purchase_order_pdf(an_order())))

    assert reader.metadata is not None
    assert reader.metadata.title == "PO-ACME-SE-000042"
    assert reader.metadata.author == "ACME Nordic AB"
    assert reader.metadata.creation_date is not None
    assert reader.metadata.creation_date.date() == date(2025, 3, 14)


def test_unicode_names_and_descriptions_survive():
    # given names and text well outside Latin-1
    order = an_order(
        supplier=Party(name="Ελληνικά Εργαλεία Α.Ε.", address_lines=("Οδός Αθηνάς 12", "105 51 Αθήνα")),
        ship_to=Party(name="ООО «Склад Москва»", address_lines=("ул. Ленина, д. 1",)),
        lines=(
            a_line(1, description="Kaffe “Örebro Rost” – 1 kg, pris i €", account="Kostnadsställe Å-12"),
            a_line(2, description="Ångström-mätare ÅÄÖ åäö, Ωμέγα, Ёлка"),
        ),
        notes="Leverans: “porten” vid Ö-huset — tack!",
    )

    # when it is rendered
    text = flat(pages_text(render_purchase_order_pdf(order))[0])

    # then every character reads back as written
    assert "Ελληνικά Εργαλεία Α.Ε." in text
    assert "Οδός Αθηνάς 12" in text
    assert "ООО «Склад Москва»" in text
    assert "Kaffe “Örebro Rost” – 1 kg, pris i €" in text
    assert "Account Kostnadsställe Å-12" in text
    assert "Ångström-mätare ÅÄÖ åäö, Ωμέγα, Ёлка" in text
    assert "Leverans: “porten” vid Ö-huset — tack!" in text
    assert "inköp@acme.se" in text


def test_the_vendored_dejavu_font_is_embedded():
    pdf = render_purchase_order_pdf(an_order())

    assert b"/FontFile2" in pdf
    assert b"DejaVuSans" in pdf
    assert (Path(po_pdf.FONT_DIRECTORY) / "LICENSE").is_file()


# -- status ---------------------------------------------------------------------------------------


def test_a_status_note_is_printed_prominently_above_the_parties():
    order = an_order(revision=2, status_note="Revision 2 replaces revision 1")

    text = flat(pages_text(render_purchase_order_pdf(order))[0])

    assert "Revision 2 replaces revision 1" in text
    assert text.index("Revision 2 replaces revision 1") < text.index("SUPPLIER")
    [banner] = [run for run in text_runs(render_purchase_order_pdf(order)) if run.text == order.status_note]
    assert banner.width > 0


def test_a_cancelled_order_says_so_on_every_page():
    order = an_order(lines=tuple(a_line(number) for number in range(1, 61)), status_note="CANCELLED")

    pages = pages_text(render_purchase_order_pdf(order))

    assert len(pages) > 1
    assert all("CANCELLED" in page for page in pages)


def test_an_order_without_a_status_note_has_no_banner():
    runs = text_runs(render_purchase_order_pdf(an_order()))

    assert not [run for run in runs if "CANCELLED" in run.text or "replaces" in run.text]


# -- many lines -----------------------------------------------------------------------------------


def test_a_long_order_runs_over_pages_with_the_table_header_and_page_numbers_on_each():
    # given 120 lines
    lines = tuple(
        a_line(number, needed_by=date(2025, 4, number % 28 + 1), account=f"CC-{number % 7}") for number in range(1, 121)
    )
    order = an_order(lines=lines, total=Decimal("370350.00"))

    # when it is rendered
    pages = [flat(page) for page in pages_text(render_purchase_order_pdf(order))]

    # then it spans several pages, each numbered "Page n of m" and each with the table header
    count = len(pages)
    assert count == 6
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {count}" in page
        assert "PO-ACME-SE-000042" in page
        assert "# SKU Description Quantity Unit" in page
    assert "(continued)" in pages[1]
    # every line is printed exactly once, in order
    everything = " ".join(pages)
    skus = re.findall(r"DRL-\d{4}", everything)
    assert skus == [line.sku for line in lines]
    # and the total comes once, at the end
    assert everything.count("Total 370,350.00 EUR") == 1
    assert "Total 370,350.00 EUR" in pages[-1]


def test_a_long_order_stays_inside_the_margins():
    order = an_order(lines=tuple(a_line(number) for number in range(1, 121)))

    assert_all_text_inside_the_margins(render_purchase_order_pdf(order))


# -- wrapping -------------------------------------------------------------------------------------

LONG_DESCRIPTION = (
    "Industrial shelving unit, galvanised steel, five adjustable shelves, load capacity 250 kg per shelf, "
    "delivered flat-packed with fixings, assembly instructions in Swedish and English, "
    "colour RAL 7035 light grey, height 2000 mm, width 1000 mm, depth 500 mm. "
) * 4


def test_a_long_description_wraps_inside_its_column():
    # given a description several lines long and an SKU without a single space
    order = an_order(
        lines=(a_line(1, description=LONG_DESCRIPTION.strip(), sku="SHELF-GALV-2000x1000x500-RAL7035-LIGHTGREY"),)
    )

    # when it is rendered
    pdf = render_purchase_order_pdf(order)

    # then all of it is there, over several printed lines, and nothing crosses the page margins
    text = pages_text(pdf)[0]
    assert flat(LONG_DESCRIPTION) in flat(text)
    assert "SHELF-GALV-2000x1000x500-RAL7035-LIGHTGREY" in "".join(text.split())
    description_rows = {round(run.y) for run in text_runs(pdf) if run.text.split()[0] in LONG_DESCRIPTION}
    assert len(description_rows) > 10
    assert_all_text_inside_the_margins(pdf)


def test_a_description_longer_than_a_page_continues_on_the_next_page():
    # given one line whose description alone is taller than a page
    huge = " ".join(f"word{number:04d}" for number in range(1, 2501))
    order = an_order(lines=(a_line(1, description=huge, total=Decimal("3086.25")),), total=Decimal("3086.25"))

    # when it is rendered
    pdf = render_purchase_order_pdf(order)

    # then the description flows on over the next pages, under a repeated table header, without a word lost
    pages = [flat(page) for page in pages_text(pdf)]
    assert len(pages) == 12
    assert re.findall(r"word\d{4}", " ".join(pages)) == huge.split()
    assert all("# SKU Description" in page for page in pages if "word" in page)
    # the amounts print once, on the line's first page
    assert " ".join(pages).count("3,086.25 ") == 2  # the line total and the order total
    assert_all_text_inside_the_margins(pdf)


def test_huge_amounts_shrink_to_fit_their_column():
    order = an_order(
        lines=(a_line(1, quantity=Decimal("1200000.125"), unit_price=Decimal("987654321.99"), total=Decimal("1e12")),),
        total=Decimal("1000000000000"),
    )

    pdf = render_purchase_order_pdf(order)

    text = flat(pages_text(pdf)[0])
    assert "1,200,000.125 pcs 987,654,321.99 1,000,000,000,000.00" in text
    assert "Total 1,000,000,000,000.00 EUR" in text
    assert_all_text_inside_the_margins(pdf)


def test_control_characters_and_empty_optional_fields_do_not_break_rendering():
    order = an_order(
        supplier=Party(name="Bare Supplier"),
        lines=(a_line(1, description="Line one\r\nLine two\twith a tab\x00", sku="", unit=""),),
        contact="",
        requisition="",
        notes="",
        payment_terms="",
    )

    text = flat(pages_text(render_purchase_order_pdf(order))[0])

    assert "Bare Supplier" in text
    assert "Line one Line two with a tab" in text
    assert "Notes" not in text
    assert "Payment terms" not in text


def test_an_order_without_lines_still_renders():
    text = flat(pages_text(render_purchase_order_pdf(an_order(lines=(), total=Decimal(0))))[0])

    assert "Total 0.00 EUR" in text


# -- determinism ----------------------------------------------------------------------------------


def test_the_same_order_renders_to_the_same_bytes():
    order = an_order(lines=tuple(a_line(number) for number in range(1, 40)), status_note="CANCELLED")

    assert render_purchase_order_pdf(order) == render_purchase_order_pdf(order)


def test_a_different_revision_renders_differently():
    assert render_purchase_order_pdf(an_order(revision=1)) != render_purchase_order_pdf(an_order(revision=2))


# -- numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "printed"),
    [
        ("1234567.891", "EUR", "1,234,567.89"),
        ("0.005", "EUR", "0.01"),
        ("12", "EUR", "12.00"),
        ("-1500.5", "SEK", "-1,500.50"),
        ("1234567.5", "JPY", "1,234,568"),
        ("1234.5675", "BHD", "1,234.568"),
        ("-0.001", "EUR", "0.00"),
    ],
)
def test_money_prints_with_the_currency_digits_and_thousands_separators(amount, currency, printed):
    assert format_money(Decimal(amount), currency) == printed


@pytest.mark.parametrize(
    ("amount", "currency", "printed"),
    [
        ("1234.5", "EUR", "1,234.50"),
        ("0.0125", "EUR", "0.0125"),
        ("0.00012345678", "EUR", "0.000123"),
        ("199", "JPY", "199"),
        ("2.5", "JPY", "2.5"),
    ],
)
def test_unit_prices_keep_the_decimals_they_were_quoted_with(amount, currency, printed):
    assert format_unit_price(Decimal(amount), currency) == printed


@pytest.mark.parametrize(
    ("quantity", "printed"),
    [("10.000", "10"), ("2.50", "2.5"), ("1200", "1,200"), ("1E+3", "1,000"), ("0.125", "0.125"), ("0.000", "0")],
)
def test_quantities_print_without_trailing_zeros(quantity, printed):
    assert format_quantity(Decimal(quantity)) == printed


def test_a_yen_order_prints_whole_yen():
    order = an_order(
        currency="JPY",
        lines=(a_line(1, quantity=Decimal(3), unit_price=Decimal(19800), total=Decimal(59400)),),
        total=Decimal("59400"),
    )

    text = flat(pages_text(render_purchase_order_pdf(order))[0])

    assert "3 pcs 19,800 59,400" in text
    assert "Total 59,400 JPY" in text


# -- boundaries -----------------------------------------------------------------------------------


def test_the_renderer_does_not_import_django():
    tree = ast.parse(Path(po_pdf.__file__).read_text(encoding="utf-8"))
    imported: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported.append(node.module or "")

    assert "fpdf" in imported
    assert not [name for name in imported if name.split(".")[0] == "django"]


def test_long_names_wrap_or_shorten_without_colliding():
    # given a buyer, supplier and PO number far longer than usual, on an order of several pages
    long_name = "Aktiebolaget Mycket Långt Företagsnamn för Industriell Utrustning och Service i Norden"
    order = an_order(
        number="PO-ACME-NORDIC-INDUSTRIAL-SE-0000000042",
        buyer=dataclasses.replace(BUYER, name=long_name),
        supplier=dataclasses.replace(SUPPLIER, name=long_name + " (Leverantör)"),
        requisition=", ".join(f"REQ-2025-{number:04d}" for number in range(1, 9)),
        lines=tuple(a_line(number) for number in range(1, 50)),
    )

    # when it is rendered
    pdf = render_purchase_order_pdf(order)

    # then page one has the names in full and no text runs into other text or off the page
    assert "Mycket Långt Företagsnamn" in flat(pages_text(pdf)[0])
    assert "REQ-2025-0008" in flat(pages_text(pdf)[0])
    assert_all_text_inside_the_margins(pdf)
