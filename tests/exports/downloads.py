"""Reading a list's download back as rows of text and values, the way a spreadsheet user or a script would."""

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook

from procurement.exports import CSV_TYPE, XLSX_TYPE


def csv_rows(response) -> list[dict[str, str]]:
    """The CSV download as one dict per row, keyed by the heading row (the API's keys)."""
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == CSV_TYPE
    assert response["Content-Disposition"].startswith("attachment; filename=")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def xlsx_rows(response, keys: list[str]) -> tuple[list[str], list[dict[str, object]]]:
    """The XLSX download's headings and one dict per row keyed by `keys` (the columns' order)."""
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    headings = [str(value) for value in rows[0]]
    assert len(headings) == len(keys)
    # a row whose last cells are empty is shorter: those cells are None
    return headings, [dict(zip(keys, row + [None] * (len(keys) - len(row)), strict=True)) for row in rows[1:]]


def number(value: object) -> Decimal:
    """A number read from either file as the exact decimal it shows (XLSX hands back floats of what it wrote)."""
    return Decimal(str(value))
