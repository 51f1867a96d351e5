"""The CSV and XLSX writers of every list's download (procurement/exports.py)."""

import csv
import io
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from procurement.exports import Column, csv_lines, csv_text, xlsx_file

ROWS = [
    {"name": '=HYPERLINK("http://evil.example")', "amount": Decimal("1E+3"), "day": date(2026, 12, 4), "ok": True},
    {"name": 'Crème brûlée, "extra"', "amount": Decimal("-0.05"), "day": None, "ok": False},
    {"name": "+33 1 23", "amount": Decimal("123456789012.34"), "day": date(2027, 1, 31), "ok": None},
]
COLUMNS: list[Column[dict]] = [
    Column("name", "Name", lambda r: r["name"]),
    Column("amount", "Amount", lambda r: r["amount"], money=True),
    Column("day", "Day", lambda r: r["day"]),
    Column("ok", "OK", lambda r: r["ok"]),
]


def test_csv_cells_are_plain_text_a_spreadsheet_never_runs():
    assert csv_text(Decimal("1E+3")) == "1000"
    assert csv_text(Decimal("0.000001")) == "0.000001"
    assert csv_text(Decimal("-12.50")) == "-12.50"
    assert csv_text(7) == "7"
    assert csv_text(True) == "true" and csv_text(False) == "false" and csv_text(None) == ""
    assert csv_text(date(2026, 1, 2)) == "2026-01-02"
    assert csv_text(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2026-01-02T03:04:05+00:00"
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_text(dangerous) == "'" + dangerous
    assert csv_text("a=b") == "a=b"


def test_csv_document_has_the_keys_then_one_line_per_row():
    text = "".join(csv_lines(COLUMNS, ROWS))
    assert text.startswith("\ufeffname,amount,day,ok\r\n")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows == [
        ["name", "amount", "day", "ok"],
        ['\'=HYPERLINK("http://evil.example")', "1000", "2026-12-04", "true"],
        ['Crème brûlée, "extra"', "-0.05", "", "false"],
        ["'+33 1 23", "123456789012.34", "2027-01-31", ""],
    ]


def test_xlsx_keeps_text_as_text_numbers_as_numbers_and_dates_as_dates():
    workbook = load_workbook(xlsx_file(COLUMNS, ROWS, title="Things"))
    sheet = workbook["Things"]
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Name", "Amount", "Day", "OK"],
        ['=HYPERLINK("http://evil.example")', 1000, datetime(2026, 12, 4), True],
        ['Crème brûlée, "extra"', -0.05, None, False],
        ["+33 1 23", 123456789012.34, datetime(2027, 1, 31), None],
    ]
    assert sheet["A2"].data_type == "s"  # never a formula
    cells = {cell.coordinate: cell for row in sheet.iter_rows() for cell in row}
    assert cells["B2"].value == 1000
    assert sheet["B3"].number_format == "#,##0.00"
    assert sheet["C2"].number_format == "yyyy-mm-dd"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D4"


@pytest.mark.parametrize("count", [0, 1])
def test_xlsx_of_no_row_or_one_row_has_its_heading(count):
    sheet = load_workbook(xlsx_file(COLUMNS, ROWS[:count], title="T")).active
    assert sheet.max_row == 1 + count


def test_xlsx_numbers_are_written_with_their_exact_digits_never_an_exponent():
    rows = [
        {"name": "x", "amount": Decimal("0.0000001"), "day": None, "ok": None},
        {"name": "y", "amount": Decimal("12345678901234567.89"), "day": None, "ok": None},
    ]
    target = xlsx_file(COLUMNS, rows, title="T")
    sheet_xml = zipfile.ZipFile(target).read("xl/worksheets/sheet1.xml").decode()
    assert "<v>0.0000001</v>" in sheet_xml and "<v>12345678901234567.89</v>" in sheet_xml
    assert "e-" not in sheet_xml.lower().split("<sheetdata>")[1]
