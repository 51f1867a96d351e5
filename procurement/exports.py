"""Lists downloaded as CSV or XLSX, with the list's filters applied (docs/analytics.md, "Exports").

A list names its columns once (`Column`: the key the API uses, a translatable heading, how to read the value from a
row); `export_response` writes every row the filters select, not a page of them:

- **CSV** is for machines: UTF-8 with a byte-order mark (so Excel reads the accents), comma-separated, the API's keys
  as the heading row, decimals as plain text with a point and never in exponent notation, dates as ISO 8601. It is
  streamed as it is written. A text that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a
  tab or a carriage return) is written with a leading apostrophe (OWASP's "CSV injection").
- **XLSX** is for people: translated headings, numbers and amounts as numbers (amounts with their currency's
  decimals), dates as dates, text always as text (never a formula), the heading row frozen and filtered. Written in
  openpyxl's write-only mode to a temporary file, so memory stays flat whatever the number of rows, then streamed.

Amounts are Decimal in both, in the currency named by the row's currency column; nothing passes through a float.
"""

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet.worksheet import Worksheet

from procurement.error_codes import ProcurementErrorCode
from procurement.money import decimal_text

type Cell = str | int | Decimal | date | datetime | bool | None

FORMATS: Final = ("csv", "xlsx")
CSV_TYPE: Final = "text/csv; charset=utf-8"
XLSX_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
_CHUNK: Final = 2000
_XLSX_MAX_ROWS: Final = 1_048_575  # Excel's sheet limit, less the heading row


@dataclass(frozen=True)
class Column[T]:
    """One column of a list's export: `key` as the API names the field, `heading` for people, `value` of a row.

    `money=True` marks an amount (Decimal in the row's currency): XLSX shows it with two decimals, or as many as
    `digits` reads from the row (a currency's own digits).
    """

    key: str
    heading: str | Promise
    value: Callable[[T], Cell]
    money: bool = False
    digits: Callable[[T], int] | None = None


def export_format(value: str | None) -> str | None:
    """`csv` or `xlsx` when a request asks for a download (`?export=…`), else None (the page or JSON as usual)."""
    value = (value or "").strip().lower()
    return value if value in FORMATS else None


@dataclass(frozen=True)
class CsvStyle:
    """How a CSV is written: the default is the documented one; an ERP layout may want `;` and YYYYMMDD dates."""

    delimiter: str = ","
    bom: bool = True
    date_format: str = ""  # strftime pattern; empty: ISO 8601


DEFAULT_CSV: Final = CsvStyle()


def csv_text(value: Cell, style: CsvStyle = DEFAULT_CSV) -> str:
    """A cell as CSV text: plain decimals, ISO dates, `true`/`false`, empty for none; formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int):
        return number_text(value)
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime(style.date_format) if style.date_format else value.isoformat()
    if isinstance(value, date):
        return value.strftime(style.date_format) if style.date_format else value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def number_text(value: Decimal | int) -> str:
    """Plain digits with the decimals the value carries (an amount keeps its 12.50), never 1E+3 nor -0."""
    if isinstance(value, int):
        return decimal_text(value)
    exponent = value.as_tuple().exponent
    return decimal_text(value, places=-exponent if isinstance(exponent, int) and exponent < 0 else 0)


class _Echo:
    """A file-like object whose write gives back the line, so `csv.writer` can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


def csv_lines[T](columns: list[Column[T]], rows: Iterable[T], style: CsvStyle = DEFAULT_CSV) -> Iterator[str]:
    """The CSV document line by line: a byte-order mark, the keys, then one line per row."""
    writer = csv.writer(_Echo(), delimiter=style.delimiter, lineterminator="\r\n")
    yield ("\ufeff" if style.bom else "") + writer.writerow([column.key for column in columns])
    for row in rows:
        yield writer.writerow([csv_text(column.value(row), style) for column in columns])


def _xlsx_cell(sheet: Worksheet, value: Cell, *, money_digits: int | None) -> WriteOnlyCell:
    if isinstance(value, datetime) and timezone.is_aware(value):
        # Excel has no time zones (the site's local time) and keeps time to the millisecond (to the second here)
        value = timezone.make_naive(timezone.localtime(value)).replace(microsecond=0)
    if isinstance(value, Decimal | int) and not isinstance(value, bool):
        # openpyxl writes numbers with "%.16g" (a float: 1e-07, 17 digits rounded); the exact digits instead
        cell = WriteOnlyCell(sheet, value=number_text(value))
        cell.data_type = "n"
        if money_digits is not None:
            cell.number_format = "#,##0" + ("." + "0" * money_digits if money_digits else "")
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # a text is text, even when it starts with "=" (openpyxl would write a formula)
    elif isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def xlsx_file[T](columns: list[Column[T]], rows: Iterable[T], *, title: str) -> Any:
    """The workbook written to a temporary file (rewound): one sheet, a frozen and filtered heading row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Export")
    sheet.freeze_panes = "A2"
    heading = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.heading))
        cell.data_type = "s"
        heading.append(cell)
    sheet.append(heading)
    count = 0
    for row in rows:
        count += 1
        if count > _XLSX_MAX_ROWS:
            raise ExportTooLarge(count)
        sheet.append(
            [
                _xlsx_cell(
                    sheet,
                    column.value(row),
                    money_digits=(column.digits(row) if column.digits else 2) if column.money else None,
                )
                for column in columns
            ]
        )
    sheet.auto_filter.ref = f"A1:{_column_letter(len(columns))}{count + 1}"
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once streamed
    workbook.save(target)
    target.seek(0)
    return target


class ExportTooLarge(ValueError):
    """More rows than one XLSX sheet holds: the CSV has no such limit."""

    def __init__(self, count: int) -> None:
        super().__init__(f"more than {_XLSX_MAX_ROWS} rows")
        self.count = count


def _column_letter(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters or "A"


def export_filename(name: str, fmt: str) -> str:
    """`orders-2026-12-04.csv`: the list's name and today's date, safe as a file name."""
    return get_valid_filename(f"{name}-{timezone.localdate().isoformat()}.{fmt}")


def export_response[T](
    *, fmt: str, name: str, columns: list[Column[T]], rows: Iterable[T], style: CsvStyle = DEFAULT_CSV
) -> HttpResponseBase:
    """The download of `rows` in `fmt` (`csv` or `xlsx`), streamed, named after the list and the day."""
    filename = export_filename(name, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(columns, in_chunks(rows), style), content_type=CSV_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return FileResponse(
        xlsx_file(columns, in_chunks(rows), title=name), as_attachment=True, filename=filename, content_type=XLSX_TYPE
    )


def list_export[T](
    request: HttpRequest,
    *,
    name: str,
    columns: list[Column[T]],
    rows: Callable[[], Iterable[T]],
    style: CsvStyle = DEFAULT_CSV,
) -> HttpResponseBase | None:
    """The download a list page or API list was asked for with `?export=csv|xlsx`, or None to show the list.

    `rows` gives the list's rows with the filters applied and no page limit; it is called only for a download.
    Too many rows for one XLSX sheet answers 400 with what to do instead (the API's `{"code","message"}` shape).
    """
    fmt = export_format(request.GET.get("export"))
    if fmt is None:
        return None
    try:
        return export_response(fmt=fmt, name=name, columns=columns, rows=rows(), style=style)
    except ExportTooLarge:
        message = _("This list has more rows than one XLSX sheet holds: narrow the filters or download it as CSV.")
        if request.path.startswith("/api/"):
            return JsonResponse({"code": ProcurementErrorCode.EXPORT_TOO_LARGE, "message": message}, status=400)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def in_chunks[T](rows: Iterable[T]) -> Iterator[T]:
    """A queryset read in chunks (prefetches included), so a large export never holds every row at once."""
    iterator = getattr(rows, "iterator", None)
    if iterator is not None:
        yield from iterator(chunk_size=_CHUNK)
    else:
        yield from rows
