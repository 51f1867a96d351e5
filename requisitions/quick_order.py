"""Quick order entry: parse the SKU/quantity lists employees paste or upload to fill a cart.

Pure Python (stdlib, openpyxl and the core money module) so views, import jobs and tests can use it without
Django or a database.
Accepted shape, one item per line or row: ``sku, quantity[, cost centre]``; anything after the third column is ignored.

Why one module of about 520 lines: it is only the parser. What is done with the rows (finding items, checking
quantities, adding lines, import jobs) already lives in ``services/quick_add.py`` and ``services/imports.py``.
What is left is one reading of pasted text, CSV and XLSX into the same rows and errors: text and CSV share the
delimiter detection and cell cleaning, XLSX shares the header test and the quantity reading, and all three share
the limits and the line-numbered errors. Cutting it would put one half's private helpers in the other's import list.
"""

import codecs
import csv
import datetime
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from itertools import islice

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from procurement.money import decimal_text

MAX_LINES = 20_000  # more lines than this: refuse the whole input with one error
MAX_BYTES = 5 * 1024 * 1024
MAX_SKU_LENGTH = 64  # CatalogItem.sku max_length
MAX_COST_CENTRE_LENGTH = 64
MAX_QUANTITY = Decimal(9_999_999)
MAX_DECIMALS = 3  # quantity columns are DecimalField(decimal_places=3)
# A small .xlsx can unzip to gigabytes; the declared unpacked size bounds what zipfile will ever inflate.
MAX_XLSX_UNPACKED_BYTES = 20 * MAX_BYTES

XLS_NOT_SUPPORTED = gettext_lazy("Old .xls files are not supported: save as .xlsx or CSV")
NOT_XLSX = gettext_lazy("The file is not a readable .xlsx workbook")
NOT_TEXT = gettext_lazy("The file is not a CSV or text file: upload an .xlsx, .csv or .txt file")
TOO_MANY_LINES = gettext_lazy("Too many lines: at most %(max_lines)s lines can be ordered at once, split the list")


@dataclass(frozen=True)
class QuickOrderRow:
    line: int  # 1-based line number in the user's text/file (a header counts as line 1)
    sku: str  # stripped; as typed (case kept)
    quantity: Decimal  # > 0, at most 3 decimal places, at most 9_999_999
    cost_centre: str  # "" when the optional 3rd column is absent/empty


@dataclass(frozen=True)
class QuickOrderError:
    line: int  # 1-based line number (0 for whole-input errors)
    message: str
    sku: str = ""
    reason: str = field(default="", compare=False)  # what errors of one kind share ("Unknown SKU")

    @property
    def group(self) -> str:
        return self.reason or self.message


@dataclass(frozen=True)
class QuickOrderErrorGroup:
    """Errors of one kind: "Unknown SKU — 3,316 lines: 4, 5, 6 …"."""

    reason: str
    lines: tuple[int, ...]
    messages: tuple[str, ...]  # the first few, one per line

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def text(self) -> str:
        if self.count == 1:
            return _("Line %(line)s: %(reason)s") % {"line": self.lines[0], "reason": self.messages[0]}
        shown = ", ".join(str(line) for line in self.lines[:GROUP_LINES_SHOWN])
        more = " …" if self.count > GROUP_LINES_SHOWN else ""
        return _("%(reason)s — %(count)s lines: %(lines)s%(more)s") % {
            "reason": self.reason,
            "count": f"{self.count:,}",
            "lines": shown,
            "more": more,
        }


GROUP_LINES_SHOWN = 20


def errors_grouped(errors: Iterable[QuickOrderError]) -> list[QuickOrderErrorGroup]:
    """Identical errors together, in the order their first line appears; each group lists its line numbers."""
    lines: dict[str, list[int]] = {}
    messages: dict[str, list[str]] = {}
    for error in sorted(errors, key=lambda e: e.line):
        lines.setdefault(error.group, []).append(error.line)
        if len(messages.setdefault(error.group, [])) < GROUP_LINES_SHOWN:
            messages[error.group].append(error.message)
    return [QuickOrderErrorGroup(reason, tuple(numbers), tuple(messages[reason])) for reason, numbers in lines.items()]


def text_lines(text: str, numbers: Iterable[int]) -> str:
    """The lines of a pasted text with these 1-based numbers, as typed (to offer the failed lines again)."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(lines[number - 1] for number in sorted(set(numbers)) if 0 < number <= len(lines))


@dataclass(frozen=True)
class QuickOrderParse:
    rows: tuple[QuickOrderRow, ...]
    errors: tuple[QuickOrderError, ...]


class QuickOrderFormatError(ValueError):
    """The whole input is unreadable (not CSV/XLSX, too large, too many lines, corrupt); the message is user-facing."""


class _LineError(Exception):
    """One line is wrong; becomes a QuickOrderError and the other lines still count."""


class _NotANumber(_LineError):
    """The quantity cell is not a number (errors of that kind are grouped under one reason)."""


# (line number, SKU cell as text, quantity cell as found, cost centre cell as text)
_Record = tuple[int, str, object, str]

_DELIMITERS = "\t;|,"  # in order of preference
_WHITESPACE = " "  # pseudo-delimiter: split on runs of any whitespace
_SAMPLE_LINES = 10
_QUOTED = re.compile(r'"[^"]*"')  # closed quotes only: a lone " is an inch mark, not a quote
# "SKU 1,5" typed with spaces and a decimal comma must not be mistaken for a comma-separated line.
_WHITESPACE_DECIMAL_COMMA = re.compile(r"\S+\s+[+-]?\d*,\d+(?:\s+\S+)*")
_SEP_HINT = re.compile(r'"?sep=(.)"?', re.IGNORECASE)  # Excel's optional first line, e.g. "sep=;"
_NUMBER = re.compile(r"([+-]?)(?=[.,]?\d)(\d*)(?:[.,](\d*))?")  # the lookahead demands at least one digit
# "1,000" / "2.500" read as thousands in one locale and as decimals in another: refuse rather than guess.
_AMBIGUOUS = re.compile(r"\+?[1-9]\d{0,2}[.,]\d{3}")
_INVALID_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f]")
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_HEADER_PREFIXES = (
    "sku",
    "art",  # article, artikel, Art.-Nr., artículo
    "item",
    "part",
    "material",
    "mat.",
    "ref",  # reference, référence, referenz, referencia
    "prod",  # product, produkt, produit, producto
    "cod",  # code, código
    "bestell",
    "catalog",
    "katalog",
)
_EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!"}
)
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and also password-protected .xlsx
_ZIP_MAGIC = b"PK\x03\x04"


def parse_text(text: str) -> QuickOrderParse:
    """Parse pasted ``sku,qty[,cost_centre]`` lines; delimiter (tab ; | , or spaces) is detected per input.

    Raises QuickOrderFormatError when the text is too large or has too many lines.
    """
    if len(text) > MAX_BYTES // 4 and len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise QuickOrderFormatError(
            _("The text is larger than the %(megabytes)s limit") % {"megabytes": _megabytes(MAX_BYTES)}
        )
    return _collect(_text_records(text))


def parse_csv_bytes(data: bytes) -> QuickOrderParse:
    """Parse an uploaded .csv/.txt: UTF-8 (BOM optional), UTF-16/32 with BOM, else Windows-1252.

    Raises QuickOrderFormatError when the file is too large, binary, or has too many lines.
    """
    _check_size(data)
    return _collect(_text_records(_decode(data)))


def parse_xlsx_bytes(data: bytes) -> QuickOrderParse:
    """Parse the first worksheet of an uploaded .xlsx: column A SKU, B quantity, C cost centre (optional).

    Formulas are read as their cached values. Raises QuickOrderFormatError for unreadable or oversized workbooks.
    """
    with xlsx_rows(data, max_col=3) as rows:
        return _collect(_xlsx_records(rows))


@contextmanager
def xlsx_rows(data: bytes, *, max_col: int) -> Iterator[Iterator[tuple[object, ...]]]:
    """The cell values of the first worksheet of an .xlsx, row by row, refusing oversized or broken workbooks.

    Raises QuickOrderFormatError, also for a broken sheet found while the rows are read.
    """
    _check_size(data)
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise QuickOrderFormatError(str(NOT_XLSX)) from exc
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise QuickOrderFormatError(
            _(
                "The workbook is too large once unpacked (over %(megabytes)s): delete unused rows and "
                "sheets, or save it as CSV"
            )
            % {"megabytes": _megabytes(MAX_XLSX_UNPACKED_BYTES)}
        )
    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl surfaces corrupt files as KeyError, XML, zip and its own errors alike
        raise QuickOrderFormatError(str(NOT_XLSX)) from exc
    try:
        if not workbook.worksheets:
            yield iter(())
            return
        sheet = workbook.worksheets[0]
        # Some generators store a wrong "dimension"; read-only mode would silently stop at it.
        sheet.reset_dimensions()
        yield sheet.iter_rows(min_row=1, max_col=max_col, values_only=True)
    except QuickOrderFormatError:
        raise
    except Exception as exc:  # a broken sheet XML only shows up while streaming the rows
        raise QuickOrderFormatError(str(NOT_XLSX)) from exc
    finally:
        workbook.close()


def is_xlsx_upload(filename: str, data: bytes) -> bool:
    """Whether an upload is an .xlsx workbook (by content first); refuses .xls and .ods with a clear message."""
    _check_size(data)
    extension = _extension(filename)
    if data.startswith(_ZIP_MAGIC):
        if extension == "ods":
            raise QuickOrderFormatError(_("OpenDocument .ods files are not supported: save as .xlsx or CSV"))
        return True
    if data.startswith(_OLE2_MAGIC) and extension in {"xlsx", "xlsm"}:
        raise QuickOrderFormatError(
            _("%(not_xlsx)s: password-protected workbooks cannot be read") % {"not_xlsx": NOT_XLSX}
        )
    if extension == "xls" or data.startswith(_OLE2_MAGIC):
        raise QuickOrderFormatError(str(XLS_NOT_SUPPORTED))
    return extension in {"xlsx", "xlsm"}


def decode_text(data: bytes) -> str:
    """Uploaded text as str: BOMs, UTF-8, else cp1252 (Excel's "CSV"); refuses binary content."""
    return _decode(data)


def parse_upload(filename: str, data: bytes) -> QuickOrderParse:
    """Parse an uploaded file, choosing the format from its content first and its extension second.

    Zip content (``PK``) is read as .xlsx whatever the name; ``.xls`` is refused; everything else is read as text.
    """
    return parse_xlsx_bytes(data) if is_xlsx_upload(filename, data) else parse_csv_bytes(data)


# --- whole input -------------------------------------------------------------------------------------------------


def _collect(records: Iterable[_Record]) -> QuickOrderParse:
    """Turn records into rows and errors: optional header on the first record, line limit on the rest."""
    rows: list[QuickOrderRow] = []
    errors: list[QuickOrderError] = []
    first = True
    for line, sku, quantity, cost_centre in records:
        if first:
            first = False
            if _is_header(sku, quantity):
                continue
        if len(rows) + len(errors) >= MAX_LINES:
            raise QuickOrderFormatError(TOO_MANY_LINES % {"max_lines": f"{MAX_LINES:,}"})
        try:
            rows.append(_row(line, sku, quantity, cost_centre))
        except _LineError as exc:
            message = str(exc)
            reason = _("Quantity is not a number") if isinstance(exc, _NotANumber) else ""
            errors.append(
                QuickOrderError(line=line, message=message, sku=_shorten(_INVALID_CHARS.sub("?", sku)), reason=reason)
            )
    return QuickOrderParse(rows=tuple(rows), errors=tuple(errors))


def _check_size(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise QuickOrderFormatError(
            _("The file is larger than the %(megabytes)s limit") % {"megabytes": _megabytes(MAX_BYTES)}
        )


def _megabytes(size: int) -> str:
    return f"{size // (1024 * 1024)} MB"


def _extension(filename: str) -> str:
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip().lower()
    return name.rsplit(".", 1)[1] if "." in name else ""


def _decode(data: bytes) -> str:
    # Check UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        text = data.decode("utf-32", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")  # Excel's "Unicode Text" export
    elif data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")  # what Excel on Windows writes as "CSV"
    text = text.rstrip("\x1a")  # DOS end-of-file marker
    if _BINARY.search(text):
        raise QuickOrderFormatError(str(NOT_TEXT))
    return text


# --- text ----------------------------------------------------------------------------------------------------------


def _text_records(text: str) -> Iterator[_Record]:
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    content = list(islice(((index, line) for index, line in enumerate(lines) if _is_content(line)), _SAMPLE_LINES))
    hint_index = -1
    delimiter = ""
    if content:
        hint = _SEP_HINT.fullmatch(content[0][1].strip())
        if hint and hint.group(1) in _DELIMITERS + " ":
            hint_index, delimiter = content[0][0], hint.group(1)
            content = content[1:]
    if not delimiter:
        delimiter = _detect_delimiter(line for _, line in content)
    for index, line in enumerate(lines):
        if index == hint_index or not _is_content(line):
            continue
        cells = [_clean(cell) for cell in _split(line, _line_delimiter(line, delimiter))[:3]]
        if not any(cells):
            continue
        cells += [""] * (3 - len(cells))
        yield index + 1, cells[0], cells[1], cells[2]


def _line_delimiter(line: str, delimiter: str) -> str:
    """The input's delimiter, unless this line lacks it ("A 5" among "B;6" lines): then the line's own."""
    if delimiter == _WHITESPACE:
        return _detect_delimiter((line,)) if any(char in line for char in _DELIMITERS) else _WHITESPACE
    return delimiter if delimiter in line else _detect_delimiter((line,))


def _is_content(line: str) -> bool:
    """Blank lines, delimiter-only lines and # comments carry nothing."""
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#") and bool(stripped.strip(",;|\t "))


def _detect_delimiter(lines: Iterable[str]) -> str:
    """Prefer tab, then ;, then |, then , among the characters seen outside quotes; else whitespace."""
    seen: set[str] = set()
    for line in lines:
        bare = _QUOTED.sub("", line) if '"' in line else line
        seen.update(char for char in _DELIMITERS[:3] if char in bare)
        if "," in bare and not _WHITESPACE_DECIMAL_COMMA.fullmatch(line.strip()):
            seen.add(",")
    return next((char for char in _DELIMITERS if char in seen), _WHITESPACE)


def _split(line: str, delimiter: str) -> list[str]:
    if delimiter == _WHITESPACE:
        return _split_whitespace(line)
    if '"' not in line:
        return line.split(delimiter)  # fast path: the csv module is only needed for quotes
    try:
        return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True, strict=False), [])
    except csv.Error:  # e.g. a field over csv's size limit: fall back to a plain split
        return line.split(delimiter)


def _split_whitespace(line: str) -> list[str]:
    if '"' in line:
        try:
            cells = next(csv.reader([" ".join(line.split())], delimiter=" ", strict=False), [])
        except csv.Error:
            cells = line.split()
    else:
        cells = line.split()
    # "PEN BLUE 5": when the second word is no number but the last is, the words before it are the SKU.
    if len(cells) > 2 and not _is_number(cells[1]) and _is_number(cells[-1]):
        return [" ".join(cells[:-1]), cells[-1]]
    return cells


def _clean(cell: str) -> str:
    return cell.strip().strip(_INVISIBLE).strip()


# --- xlsx ----------------------------------------------------------------------------------------------------------


def _xlsx_records(values: Iterable[tuple[object, ...]]) -> Iterator[_Record]:
    for line, row in enumerate(values, start=1):
        sku_cell, quantity, cost_centre_cell = (*row, None, None, None)[:3]
        sku = _cell_text(sku_cell)
        cost_centre = _cell_text(cost_centre_cell)
        if isinstance(quantity, str):
            quantity = _clean(quantity)
        if not sku and quantity in (None, "") and not cost_centre:
            continue
        yield line, sku, quantity, cost_centre


def _cell_text(value: object) -> str:
    """A SKU or cost centre cell as text: numeric cells lose Excel's ".0" (12345.0 → "12345")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return _clean(str(value))


# --- one line ------------------------------------------------------------------------------------------------------


def _is_header(first: str, quantity: object) -> bool:
    """A header row has a non-numeric quantity cell and a first cell such as "SKU", "Part number", "Artikelnummer"."""
    if quantity is not None and not isinstance(quantity, str):
        return False
    if isinstance(quantity, str) and _is_number(quantity):
        return False
    # Accents dropped so "Référence", "Código" and "Artículo" match like "reference", "codigo", "articulo".
    word = "".join(char for char in unicodedata.normalize("NFKD", first.casefold()) if not unicodedata.combining(char))
    # Digits mean a real SKU ("PART-001"), whose bad quantity must be reported, not hidden as a header.
    return word.startswith(_HEADER_PREFIXES) and not any(char.isdigit() for char in word)


def _row(line: int, sku: str, quantity: object, cost_centre: str) -> QuickOrderRow:
    if not sku:
        raise _LineError(_("missing SKU"))
    if sku in _EXCEL_ERRORS:
        raise _LineError(_("the SKU cell shows the Excel error %(sku)s") % {"sku": sku})
    if len(sku) > MAX_SKU_LENGTH:
        raise _LineError(_("SKU is longer than %(max_sku_length)s characters") % {"max_sku_length": MAX_SKU_LENGTH})
    if _INVALID_CHARS.search(sku):
        raise _LineError(_("SKU contains invalid characters"))
    value = _quantity(quantity)
    if len(cost_centre) > MAX_COST_CENTRE_LENGTH:
        raise _LineError(
            _("cost centre is longer than %(max_cost_centre_length)s characters")
            % {"max_cost_centre_length": MAX_COST_CENTRE_LENGTH}
        )
    if _INVALID_CHARS.search(cost_centre):
        raise _LineError(_("cost centre contains invalid characters"))
    return QuickOrderRow(line=line, sku=sku, quantity=value, cost_centre=cost_centre)


def _quantity(value: object) -> Decimal:
    if value is None or value == "":
        raise _LineError(_("missing quantity"))
    if isinstance(value, str):
        return _quantity_from_text(value)
    if isinstance(value, bool):
        raise _NotANumber(_("quantity %(show)s is not a number") % {"show": _show("TRUE" if value else "FALSE")})
    if isinstance(value, int):
        return _checked(Decimal(value), str(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _NotANumber(_("quantity %(show)s is not a number") % {"show": _show(str(value))})
        # Excel shows 15 significant digits; that drops binary noise like 0.30000000000000004.
        shown = format(value, ".15g")
        return _checked(Decimal(shown), shown)
    raise _NotANumber(_("quantity %(show)s is not a number") % {"show": _show(_cell_text(value))})


def _quantity_from_text(text: str) -> Decimal:
    if text.isascii() and text.isdigit() and len(text) <= 7:  # fast path for the usual "5"
        if int(text) == 0:
            raise _LineError(_("quantity must be greater than 0"))
        return Decimal(int(text))
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise _NotANumber(_("quantity %(show)s is not a number") % {"show": _show(text)})
    sign, whole, fraction = match.groups()
    whole, fraction = whole.lstrip("0"), (fraction or "").rstrip("0")
    if sign == "-" or not (whole or fraction):
        raise _LineError(_("quantity must be greater than 0"))
    if _AMBIGUOUS.fullmatch(text):
        thousands = text.lstrip("+").replace(",", "").replace(".", "")
        decimal = decimal_text(_decimal(whole, fraction))
        raise _LineError(
            _("quantity %(show)s is ambiguous: write %(thousands)s or %(decimal)s")
            % {"show": _show(text), "thousands": thousands, "decimal": decimal}
        )
    # Length checks before Decimal() so a megabyte of digits costs nothing.
    if len(fraction) > MAX_DECIMALS:
        raise _LineError(
            _("quantity %(show)s has more than %(max_decimals)s decimal places")
            % {"show": _show(text), "max_decimals": MAX_DECIMALS}
        )
    if len(whole) > len(str(MAX_QUANTITY)):
        raise _LineError(_("quantity must be at most %(max_quantity)s") % {"max_quantity": f"{MAX_QUANTITY:,}"})
    return _checked(_decimal(whole, fraction), text)


def _is_number(text: str) -> bool:
    return _NUMBER.fullmatch(text) is not None


def _decimal(whole: str, fraction: str) -> Decimal:
    return Decimal(f"{whole or '0'}.{fraction or '0'}")


def _checked(value: Decimal, shown: str) -> Decimal:
    if value <= 0:
        raise _LineError(_("quantity must be greater than 0"))
    value = _normalised(value)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
        raise _LineError(
            _("quantity %(show)s has more than %(max_decimals)s decimal places")
            % {"show": _show(shown), "max_decimals": MAX_DECIMALS}
        )
    if value > MAX_QUANTITY:
        raise _LineError(_("quantity must be at most %(max_quantity)s") % {"max_quantity": f"{MAX_QUANTITY:,}"})
    return value


def _normalised(value: Decimal) -> Decimal:
    """2.0 → 2 and 1.50 → 1.5, without normalize()'s 1E+2 for 100."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _show(text: str) -> str:
    return f"'{_shorten(text, 30)}'"


def _shorten(text: str, limit: int = MAX_SKU_LENGTH) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
