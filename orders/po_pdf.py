"""Purchase order PDFs: a frozen print model in, PDF bytes out. Pure Python, no Django.

The caller maps its models onto `PurchaseOrderPrint`; `render_purchase_order_pdf` lays it out on
A4 with an embedded DejaVu Sans (vendored in `orders/fonts/`) so any Unicode text a buyer or
supplier name holds prints the same on every machine.

The document is in the print model's `language` (the supplier's, procurement.i18n.supplier_language):
its labels go through the `gettext` the caller passes (Django's, under `translation.override`), its
amounts, quantities and dates follow that locale's CLDR rules (procurement.money's display functions).
The labels are marked `_("…")` for makemessages; untranslated, they print in English.
"""

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import cast

from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from procurement.money import amount_display, date_display, number_display, unit_price_display

FONT_DIRECTORY = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "DejaVuSans"

Translate = Callable[[str], str]


def _untranslated(message: str) -> str:
    return message


@dataclass(frozen=True, kw_only=True)
class Party:
    name: str
    address_lines: tuple[str, ...] = ()  # street, postal code + city, country …
    tax_id: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True, kw_only=True)
class PrintLine:
    number: int
    sku: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    total: Decimal
    needed_by: date | None = None
    account: str = ""  # cost centre / GL, shown small under the description
    note: str = ""  # the line's note to the supplier, under the description
    tax: str = ""  # the VAT rate as printed ("20 %", "0 % RC"); the column shows when the order has taxes


@dataclass(frozen=True, kw_only=True)
class TaxSummaryLine:
    """One rate of the order's VAT under the total: "VAT 20 %" on 1,000.00 is 200.00."""

    label: str
    taxable: Decimal
    tax: Decimal


@dataclass(frozen=True, kw_only=True)
class PurchaseOrderPrint:
    number: str  # e.g. PO-ACME-FR-000042
    revision: int  # 1 for the first issue
    order_date: date
    currency: str  # ISO code
    buyer: Party  # the legal entity placing the order (header, with tax id)
    supplier: Party
    bill_to: Party
    ship_to: Party
    lines: tuple[PrintLine, ...]
    total: Decimal
    contact: str = ""  # buyer contact name / e-mail
    requisition: str = ""  # requisition number(s) it came from
    notes: str = ""
    payment_terms: str = ""
    status_note: str = ""  # e.g. "Revision 2 replaces revision 1", "CANCELLED"
    taxes: tuple[TaxSummaryLine, ...] = ()  # empty: no tax known, the total alone is printed
    tax_total: Decimal = Decimal(0)
    tax_note: str = ""  # e.g. the reverse-charge mention the law asks for
    language: str = "en"  # the reader's: labels, numbers and dates (a UI language code: en, fr, sv)


def render_purchase_order_pdf(order: PurchaseOrderPrint, *, gettext: Translate = _untranslated) -> bytes:
    """Lay out a purchase order as a PDF document and return its bytes.

    `gettext` translates the labels into `order.language` (pass Django's `gettext` under
    `translation.override(order.language)`); the default leaves them in English.
    The same order always gives the same bytes: the PDF's creation date is the order date.
    """
    document = _PurchaseOrderDocument(order, gettext)
    document.render()
    return bytes(document.output())


def format_money(amount: Decimal, currency: str, language: str = "en") -> str:
    """An amount rounded half up to the currency's digits, grouped as the language writes it: 1,234.50
    (en), 1\u202f234,50 (fr)."""
    return amount_display(amount, currency, language)


def format_unit_price(amount: Decimal, currency: str, language: str = "en") -> str:
    """Like `format_money`, but keeping the extra decimals a unit price was quoted with."""
    return unit_price_display(amount, currency, language)


def format_quantity(quantity: Decimal, language: str = "en") -> str:
    """A quantity without trailing zeros, grouped: 1,200 and 2.5 (en), 1\u202f200 and 2,5 (fr)."""
    return number_display(quantity, language)


def _printable(text: str) -> str:
    """Drop control characters that a PDF font cannot show; keep line breaks, tabs become spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc")


@dataclass(frozen=True)
class _TextLine:
    """One printed line of a table cell, already wrapped to the column width."""

    text: str
    size: float
    style: str = ""
    grey: bool = False

    @property
    def height(self) -> float:
        return self.size * _LINE_HEIGHT_PER_POINT


@dataclass(frozen=True)
class _Column:
    title: str
    width: float
    align: str


# Line height in mm per point of font size (1 pt = 0.3528 mm, plus leading).
_LINE_HEIGHT_PER_POINT = 0.48

_PAGE_MARGIN = 15.0
_BOTTOM_MARGIN = 20.0
_CELL_PADDING_Y = 1.2
_BODY_SIZE = 9.0
_TABLE_SIZE = 8.5
_SMALL_SIZE = 7.0
_SMALLEST_FITTED_SIZE = 5.0

_TEXT_COLOUR = (25, 25, 25)
_GREY_COLOUR = (105, 105, 105)
_RULE_COLOUR = (190, 190, 190)
_HEADER_FILL = (232, 232, 232)
_STATUS_COLOUR = (176, 0, 32)
_STATUS_FILL = (253, 236, 238)


class _PurchaseOrderDocument(FPDF):
    def __init__(self, order: PurchaseOrderPrint, gettext: Translate) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.order = order
        self.gettext = _ = gettext
        self.language = order.language
        self.table_running = False
        self.taxed = bool(order.taxes)
        currency = {"currency": order.currency}
        self.columns = (
            _Column("#", 8, "R"),
            _Column(_("SKU"), 27, "L"),
            _Column(_("Description"), 56 if self.taxed else 69, "L"),
            _Column(_("Quantity"), 17, "R"),
            _Column(_("Unit"), 13, "L"),
            _Column(_("Unit price (%(currency)s)") % currency, 22, "R"),
            *((_Column(_("VAT"), 13, "R"),) if self.taxed else ()),
            _Column(_("Total (%(currency)s)") % currency, 24, "R"),
        )
        self.add_font(FONT_FAMILY, "", FONT_DIRECTORY / "DejaVuSans.ttf")
        self.add_font(FONT_FAMILY, "B", FONT_DIRECTORY / "DejaVuSans-Bold.ttf")
        self.set_margins(_PAGE_MARGIN, _PAGE_MARGIN, _PAGE_MARGIN)
        self.set_auto_page_break(auto=True, margin=_BOTTOM_MARGIN)
        self.alias_nb_pages("{nb}")
        self.set_title(order.number)
        self.set_author(order.buyer.name)
        self.set_subject(
            _("Purchase order %(number)s, revision %(revision)s") % {"number": order.number, "revision": order.revision}
        )
        self.set_creator("procurement")
        self.set_lang(order.language)
        # A fixed date keeps two renders of one order byte-identical (the file /ID hashes it too).
        self.set_creation_date(datetime.combine(order.order_date, time(), tzinfo=UTC))

    # -- running header and footer ---------------------------------------------------------------

    def header(self) -> None:
        if self.page_no() == 1:
            return
        order, _ = self.order, self.gettext
        title = _("Purchase order %(number)s · Revision %(revision)s (continued)") % {
            "number": order.number,
            "revision": order.revision,
        }
        self._font("", _BODY_SIZE)
        title_width = min(self.get_string_width(title) + 2 * self.c_margin, self.epw)
        buyer_width = self.epw - title_width
        self._font("B", _BODY_SIZE)
        self.cell(buyer_width, 5, self._clipped(_printable(order.buyer.name), buyer_width - 3))
        self._font("", _BODY_SIZE)
        self.cell(title_width, 5, title, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if order.status_note:
            self._font("B", _BODY_SIZE, colour=_STATUS_COLOUR)
            self.multi_cell(0, 4.5, _shortened(_printable(order.status_note), 160), align="L", new_x=XPos.LMARGIN)
            self._font("", _BODY_SIZE)
        self._rule()
        self.ln(3)
        if self.table_running:
            self._table_header()

    def footer(self) -> None:
        order, _ = self.order, self.gettext
        self.set_y(-13)
        self._font("", _SMALL_SIZE, colour=_GREY_COLOUR)
        day = date_display(order.order_date, self.language)
        reference = _("%(number)s · Revision %(revision)s · %(date)s")
        self.cell(self.epw / 2, 4, reference % {"number": order.number, "revision": order.revision, "date": day})
        page = _("Page %(page)s of %(pages)s") % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(self.epw / 2, 4, page, align="R")

    # -- body ------------------------------------------------------------------------------------

    def render(self) -> None:
        self.add_page()
        self._heading()
        self._status_banner()
        self._parties()
        self._line_table()
        self._total()
        self._closing_sections()

    def _heading(self) -> None:
        order, _ = self.order, self.gettext
        top = self.get_y()
        left_width = self.epw * 0.52
        right_x = self.l_margin + left_width + 6
        right_width = self.epw - left_width - 6

        self.set_xy(self.l_margin, top)
        self._font("B", 13)
        self.multi_cell(left_width, 6, _printable(order.buyer.name), align="L", new_x=XPos.LMARGIN)
        self._font("", _BODY_SIZE)
        for line in _party_details(order.buyer, self.gettext):
            self.multi_cell(left_width, 4.3, line, align="L", new_x=XPos.LMARGIN)
        left_bottom = self.get_y()

        self.set_xy(right_x, top)
        self._font("B", 18)
        self.multi_cell(right_width, 8, _("Purchase order"), align="R", new_x=XPos.LEFT)
        self.ln(1)
        facts = [
            (_("Number"), order.number),
            (_("Revision"), str(order.revision)),
            (_("Date"), date_display(order.order_date, self.language)),
            (_("Currency"), order.currency),
        ]
        if order.requisition:
            facts.append((_("Requisition"), order.requisition))
        if order.contact:
            facts.append((_("Contact"), order.contact))
        label_width = 24.0
        for index, (label, value) in enumerate(facts):
            row_top = self.get_y()
            self.set_x(right_x)
            self._font("", _BODY_SIZE, colour=_GREY_COLOUR)
            self.cell(label_width, 4.6, label)
            self._font("B" if index == 0 else "", _BODY_SIZE)
            self.set_xy(right_x + label_width, row_top)
            self.multi_cell(right_width - label_width, 4.6, _printable(value), align="R", new_x=XPos.LEFT)
        right_bottom = self.get_y()

        self.set_xy(self.l_margin, max(left_bottom, right_bottom) + 3)
        self._rule()
        self.ln(4)

    def _status_banner(self) -> None:
        if not self.order.status_note:
            return
        self._font("B", 12, colour=_STATUS_COLOUR)
        self.set_draw_color(*_STATUS_COLOUR)
        self.set_fill_color(*_STATUS_FILL)
        self.set_line_width(0.6)
        self.multi_cell(
            0, 7, _printable(self.order.status_note), border=1, align="C", fill=True, new_x=XPos.LMARGIN, padding=2
        )
        self.set_line_width(0.2)
        self._font("", _BODY_SIZE)
        self.ln(4)

    def _parties(self) -> None:
        order, _ = self.order, self.gettext
        blocks = ((_("Supplier"), order.supplier), (_("Ship to"), order.ship_to), (_("Bill to"), order.bill_to))
        gap = 5.0
        width = (self.epw - gap * (len(blocks) - 1)) / len(blocks)
        top = self.get_y()
        bottom = top
        for index, (label, party) in enumerate(blocks):
            x = self.l_margin + index * (width + gap)
            self.set_xy(x, top)
            self._font("B", _SMALL_SIZE, colour=_GREY_COLOUR)
            self.cell(width, 4, label.upper(), new_x=XPos.LEFT, new_y=YPos.NEXT)
            self._font("B", _BODY_SIZE + 0.5)
            self.multi_cell(width, 4.8, _printable(party.name), align="L", new_x=XPos.LEFT)
            self._font("", _BODY_SIZE)
            for line in _party_details(party, self.gettext):
                self.multi_cell(width, 4.3, line, align="L", new_x=XPos.LEFT)
            bottom = max(bottom, self.get_y())
        self.set_xy(self.l_margin, bottom + 6)

    # -- line table ------------------------------------------------------------------------------

    def _table_header(self) -> None:
        self._font("B", _SMALL_SIZE + 0.5)
        self.set_fill_color(*_HEADER_FILL)
        titles = [self._wrap(column.title, column.width, _SMALL_SIZE + 0.5, "B") for column in self.columns]
        height = max(sum(line.height for line in lines) for lines in titles) + 2 * _CELL_PADDING_Y
        top = self.get_y()
        self.rect(self.l_margin, top, self.epw, height, style="F")
        x = self.l_margin
        for column, lines in zip(self.columns, titles, strict=True):
            # Titles sit on the bottom of the header, like the numbers they name sit on the row.
            y = top + height - _CELL_PADDING_Y - sum(line.height for line in lines)
            for line in lines:
                self.set_xy(x, y)
                self.cell(column.width, line.height, line.text, align=column.align)
                y += line.height
            x += column.width
        self.set_xy(self.l_margin, top + height)

    def _line_table(self) -> None:
        self._table_header()
        self.table_running = True
        # Rows break pages themselves (repeating the header, splitting tall rows between lines).
        self.set_auto_page_break(auto=False, margin=_BOTTOM_MARGIN)
        for line in self.order.lines:
            self._line_row(line)
        self.set_auto_page_break(auto=True, margin=_BOTTOM_MARGIN)
        self.table_running = False

    def _line_row(self, line: PrintLine) -> None:
        currency, language, _ = self.order.currency, self.language, self.gettext
        wrapped = self._wrap
        sku, description, unit = self.columns[1], self.columns[2], self.columns[4]
        description_lines = wrapped(line.description, description.width, _TABLE_SIZE)
        if line.note.strip():
            note = _("Note: %(note)s") % {"note": line.note.strip()}
            description_lines += wrapped(note, description.width, _SMALL_SIZE)
        small_print = []
        if line.needed_by is not None:
            small_print.append(_("Needed by %(date)s") % {"date": date_display(line.needed_by, language)})
        if line.account:
            small_print.append(_("Account %(account)s") % {"account": line.account})
        if small_print:
            description_lines += wrapped("  ·  ".join(small_print), description.width, _SMALL_SIZE, grey=True)
        # Wrapped columns can run over pages; the numbers are single lines, shrunk to fit if need be.
        flowing: list[list[_TextLine]] = [
            [],
            wrapped(line.sku, sku.width, _TABLE_SIZE),
            description_lines,
            [],
            wrapped(line.unit, unit.width, _TABLE_SIZE),
            [],
            *([[]] if self.taxed else []),
            [],
        ]
        fixed = {
            0: str(line.number),
            3: format_quantity(line.quantity, language),
            5: format_unit_price(line.unit_price, currency, language),
            len(self.columns) - 1: format_money(line.total, currency, language),
        }
        if self.taxed:
            fixed[6] = line.tax or "—"
        one_line = _TABLE_SIZE * _LINE_HEIGHT_PER_POINT
        whole_height = max(one_line, *(sum(part.height for part in lines) for lines in flowing))
        whole_height += 2 * _CELL_PADDING_Y
        if self.will_page_break(whole_height) and (
            whole_height <= self._room_on_a_fresh_page() or self._room_left() < 4 * one_line + 2 * _CELL_PADDING_Y
        ):
            self.add_page()

        first_part = True
        while first_part or any(flowing):
            room = self._room_left() - 2 * _CELL_PADDING_Y
            # A continuation always takes a line, so a cramped page cannot stall the loop.
            parts = [_take_lines(lines, room, at_least_one=not first_part) for lines in flowing]
            height = max(one_line, *(sum(part.height for part in lines) for lines in parts)) + 2 * _CELL_PADDING_Y
            top = self.get_y()
            x = self.l_margin
            for index, column in enumerate(self.columns):
                y = top + _CELL_PADDING_Y
                if first_part and index in fixed:
                    self._fitted_cell(x, y, column, fixed[index])
                elif index == 0:
                    # The line number again, greyed, where a tall line continues on a new page.
                    self._fitted_cell(x, y, column, str(line.number), colour=_GREY_COLOUR)
                for part in parts[index]:
                    self._font(part.style, part.size, colour=_GREY_COLOUR if part.grey else _TEXT_COLOUR)
                    self.set_xy(x, y)
                    self.cell(column.width, part.height, part.text, align=column.align)
                    y += part.height
                x += column.width
            self.set_xy(self.l_margin, top + height)
            first_part = False
            if any(flowing):
                self.add_page()
        self._rule()

    def _fitted_cell(
        self, x: float, y: float, column: _Column, text: str, colour: tuple[int, int, int] = _TEXT_COLOUR
    ) -> None:
        size = _TABLE_SIZE
        self._font("", size, colour=colour)
        while size > _SMALLEST_FITTED_SIZE and self.get_string_width(text) > column.width - 2 * self.c_margin:
            size -= 0.5
            self._font("", size, colour=colour)
        self.set_xy(x, y)
        self.cell(column.width, _TABLE_SIZE * _LINE_HEIGHT_PER_POINT, text, align=column.align)

    def _total(self) -> None:
        order, language, _ = self.order, self.language, self.gettext
        height = 8.0
        if self.will_page_break(height + 2):
            self.add_page()
        self.ln(1)
        amount = f"{format_money(order.total, order.currency, language)} {order.currency}"
        self._font("B", 11)
        amount_width = max(50.0, self.get_string_width(amount) + 2 * self.c_margin)
        label_width = 30.0
        if not order.taxes:
            self.set_x(self.l_margin + self.epw - label_width - amount_width)
            self.cell(label_width, height, _("Total"), align="R")
            self.cell(amount_width, height, amount, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(5)
            return
        # Net, the VAT of each rate, then the total with VAT; the lines' taxes are added, never recomputed.
        gross = f"{format_money(order.total + order.tax_total, order.currency, language)} {order.currency}"
        rows = [(_("Total before VAT"), amount, "")]
        rows += [
            (
                tax.label,
                f"{format_money(tax.tax, order.currency, language)} {order.currency}",
                _("on %(taxable)s") % {"taxable": format_money(tax.taxable, order.currency, language)},
            )
            for tax in order.taxes
        ]
        rows.append((_("Total with VAT"), gross, ""))
        label_width = 75.0
        if self.will_page_break(6 * len(rows) + 12):
            self.add_page()
        for index, (label, value, basis) in enumerate(rows):
            last = index == len(rows) - 1
            self._font("B" if last else "", 11 if last else _BODY_SIZE + 0.5)
            self.set_x(self.l_margin + self.epw - label_width - amount_width)
            self.cell(label_width, 6, f"{label} {basis}".strip(), align="R")
            self.cell(amount_width, 6, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if order.tax_note:
            self.ln(1)
            self._font("B", _BODY_SIZE)
            self.multi_cell(0, 4.5, _printable(order.tax_note), align="R", new_x=XPos.LMARGIN)
        self.ln(5)

    def _closing_sections(self) -> None:
        _ = self.gettext
        for title, text in ((_("Payment terms"), self.order.payment_terms), (_("Notes"), self.order.notes)):
            if not text.strip():
                continue
            if self.will_page_break(14):
                self.add_page()
            self._font("B", _BODY_SIZE + 0.5)
            self.cell(0, 5.5, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self._font("", _BODY_SIZE)
            self.multi_cell(0, 4.5, _printable(text), align="L", new_x=XPos.LMARGIN)
            self.ln(4)

    # -- helpers ---------------------------------------------------------------------------------

    def _font(self, style: str, size: float, colour: tuple[int, int, int] = _TEXT_COLOUR) -> None:
        self.set_font(FONT_FAMILY, style, size)
        self.set_text_color(*colour)

    def _clipped(self, text: str, width: float) -> str:
        """`text` cut short with an ellipsis to fit `width` mm in the current font."""
        if self.get_string_width(text) <= width - 2 * self.c_margin:
            return text
        while text and self.get_string_width(text + "…") > width - 2 * self.c_margin:
            text = text[:-1]
        return text.rstrip() + "…"

    def _rule(self) -> None:
        self.set_draw_color(*_RULE_COLOUR)
        self.set_line_width(0.2)
        self.line(self.l_margin, self.get_y(), self.l_margin + self.epw, self.get_y())

    def _wrap(self, text: str, width: float, size: float, style: str = "", *, grey: bool = False) -> list[_TextLine]:
        text = _printable(text)
        if not text.strip():
            return []
        self._font(style, size)
        # fpdf2 types the result as a union over its output modes; LINES gives a list of str.
        lines = cast(list[str], self.multi_cell(width, 1, text, dry_run=True, output=MethodReturnValue.LINES))
        return [_TextLine(line, size, style, grey) for line in lines]

    def _room_left(self) -> float:
        return self.page_break_trigger - self.get_y()

    def _room_on_a_fresh_page(self) -> float:
        # Continuation pages carry the running header and the table header; leave room for both.
        return self.page_break_trigger - self.t_margin - 30


def _shortened(text: str, limit: int) -> str:
    # The running header repeats the status note; page one prints it whole.
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _party_details(party: Party, _: Translate) -> list[str]:
    details = [_printable(line) for line in party.address_lines if line.strip()]
    if party.tax_id:
        details.append(_("Tax ID: %(tax_id)s") % {"tax_id": _printable(party.tax_id)})
    if party.email:
        details.append(_printable(party.email))
    if party.phone:
        details.append(_printable(party.phone))
    return details


def _take_lines(lines: list[_TextLine], room: float, *, at_least_one: bool = False) -> list[_TextLine]:
    """Remove from `lines` and return the leading lines that fit in `room` mm."""
    taken: list[_TextLine] = []
    used = 0.0
    while lines and (used + lines[0].height <= room or (at_least_one and not taken)):
        used += lines[0].height
        taken.append(lines.pop(0))
    return taken
