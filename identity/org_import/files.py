"""Reading an organisation file: CSV (UTF-8 with or without BOM, `;` or `,` found from the header) or XLSX (the
first sheet, read-only), into numbered rows of cells by column. A file that cannot be read as a table raises
OrgFileRefused; cells are checked later, line by line (identity.org_import.checks)."""

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from .columns import COLUMNS, MAX_CELL, MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS, MAX_XLSX_UNPACKED_BYTES, header_key

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class OrgFileRefused(ValueError):
    """The file as a whole cannot be read: `code` for machines, the message for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class OrgFileRow:
    line: int  # the line (CSV) or row (XLSX) number, the header being 1
    cells: dict[str, str]  # column → text as typed, stripped; only the columns the file has

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "cells": self.cells}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "OrgFileRow":
        return cls(line=int(data["line"]), cells={str(k): str(v) for k, v in dict(data["cells"]).items()})


def read_org_file(filename: str, data: bytes) -> list[OrgFileRow]:
    """The rows of the file (blank rows skipped). Raises OrgFileRefused for an unreadable or oversized file, an
    unknown or missing header, or more than MAX_ROWS rows."""
    if len(data) > MAX_FILE_BYTES:
        raise OrgFileRefused(
            "file_too_large", _("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    if not data.strip():
        raise OrgFileRefused("empty_file", _("The file is empty."))
    if data.startswith(_ZIP_MAGIC):
        table = _xlsx_table(data)
    elif data.startswith(_OLE2_MAGIC) or filename.lower().endswith((".xls", ".xlsx", ".ods")):
        raise OrgFileRefused("unreadable_file", _("Only .xlsx workbooks and CSV files can be read: save as .xlsx."))
    else:
        table = _csv_table(data)
    return _rows(table)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # Excel stores every number as a float: 1500.5 stays 1500.5, 1500.0 becomes 1500.
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value)


def _xlsx_table(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise OrgFileRefused("unreadable_file", _("The file is not a readable .xlsx workbook.")) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise OrgFileRefused(
            "file_too_large", _("The workbook is too large once unpacked: save it as CSV or delete unused sheets.")
        )
    table: list[tuple[int, list[str]]] = []
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl reports corrupt files as zip, XML, KeyError and its own errors alike
        raise OrgFileRefused("unreadable_file", _("The file is not a readable .xlsx workbook.")) from None
    try:
        if not workbook.worksheets:
            raise OrgFileRefused("empty_file", _("The workbook has no sheet."))
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong dimension, which read-only mode would stop at
        for number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            if number > MAX_ROWS + 1 and any(cell not in (None, "") for cell in cells):
                raise _too_many_rows()
            table.append((number, [_cell_text(cell) for cell in cells]))
    except OrgFileRefused:
        raise
    except Exception:  # a broken sheet only shows while its rows are read
        raise OrgFileRefused("unreadable_file", _("The file is not a readable .xlsx workbook.")) from None
    finally:
        workbook.close()
    return table


def _too_many_rows() -> OrgFileRefused:
    return OrgFileRefused(
        "too_many_rows", _("The file has more than %(max)s rows: split it by org unit.") % {"max": f"{MAX_ROWS:,}"}
    )


def _csv_table(data: bytes) -> list[tuple[int, list[str]]]:
    raw = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise OrgFileRefused("not_utf8", _('The file is not UTF-8 text: save it as "CSV UTF-8" or as .xlsx.')) from None
    if "\x00" in text:
        raise OrgFileRefused("unreadable_file", _("The file is not a CSV file: upload a .csv or .xlsx file."))
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    table: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            table.append((start, cells[:MAX_COLUMNS]))
            start = reader.line_num + 1
            if len(table) > MAX_ROWS + 1 and any(cells):
                raise _too_many_rows()
    except csv.Error as error:
        raise OrgFileRefused(
            "unreadable_file", _("Line %(line)d cannot be read as CSV: %(error)s") % {"line": start, "error": error}
        ) from None
    return table


def _rows(table: list[tuple[int, list[str]]]) -> list[OrgFileRow]:
    numbered = iter(table)
    header: list[str] = []
    for _number, cells in numbered:
        if any(cell.strip() for cell in cells):
            header = [header_key(cell) for cell in cells]
            break
    if not header:
        raise OrgFileRefused("no_header", _("The file has no header row naming its columns."))
    unknown = [name for name in header if name and name not in COLUMNS]
    if unknown:
        raise OrgFileRefused(
            "unknown_columns",
            _("Unknown columns: %(columns)s. The columns are: %(known)s.")
            % {"columns": ", ".join(name[:40] for name in unknown[:10]), "known": ", ".join(COLUMNS)},
        )
    named = [name for name in header if name]
    doubled = sorted({name for name in named if named.count(name) > 1})
    if doubled:
        raise OrgFileRefused(
            "duplicate_columns", _("Columns named twice: %(columns)s.") % {"columns": ", ".join(doubled)}
        )
    if "email" not in header:
        raise OrgFileRefused("missing_columns", _("The file needs an email column (the key of each person)."))
    rows = []
    for number, cells in numbered:
        values = {
            name: cells[index].strip()[: MAX_CELL + 1] if index < len(cells) else ""
            for index, name in enumerate(header)
            if name
        }
        if not any(values.values()):
            continue
        rows.append(OrgFileRow(line=number, cells=values))
    if len(rows) > MAX_ROWS:
        raise _too_many_rows()
    if not rows:
        raise OrgFileRefused("no_rows", _("The file has a header but no rows."))
    return rows
