"""Quick order entry: what employees paste or upload becomes cart rows, or errors they can fix line by line."""

import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from requisitions import quick_order
from requisitions.quick_order import (
    MAX_BYTES,
    MAX_LINES,
    QuickOrderError,
    QuickOrderFormatError,
    QuickOrderParse,
    QuickOrderRow,
    parse_csv_bytes,
    parse_text,
    parse_upload,
    parse_xlsx_bytes,
)


def shown_rows(parse: QuickOrderParse) -> list[tuple[int, str, str, str]]:
    """Rows as the cart preview shows them: line, SKU, quantity, cost centre."""
    return [(row.line, row.sku, str(row.quantity), row.cost_centre) for row in parse.rows]


def shown_errors(parse: QuickOrderParse) -> list[tuple[int, str]]:
    return [(error.line, error.message) for error in parse.errors]


def xlsx(*rows: list[object], other_sheet: bool = False) -> bytes:
    """A workbook whose first sheet holds `rows` (an empty list is an empty row)."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if other_sheet:
        other = workbook.create_sheet("Prices")
        other.append(["OTHER-SKU", 99])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- delimiters ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "PEN-1,5\nPAD-1,2",
        "PEN-1;5\nPAD-1;2",
        "PEN-1\t5\nPAD-1\t2",
        "PEN-1|5\nPAD-1|2",
        "PEN-1 5\nPAD-1    2",
        "PEN-1, 5\n  PAD-1 ,  2  ",
    ],
    ids=["comma", "semicolon", "tab", "pipe", "whitespace", "padded"],
)
def test_every_usual_delimiter_gives_the_same_rows(text):
    # given two items typed with one of the delimiters portals accept
    # when the list is parsed
    parse = parse_text(text)
    # then the cart preview shows both items with their quantities and no errors
    assert shown_rows(parse) == [(1, "PEN-1", "5", ""), (2, "PAD-1", "2", "")]
    assert parse.errors == ()


def test_lines_copied_from_excel_are_tab_separated_even_when_cells_hold_commas():
    # given two cells per row copied from a spreadsheet, a SKU containing a comma
    text = "PEN,BLUE\t3\nPAD-1\t1,5"
    # when the paste is parsed
    parse = parse_text(text)
    # then tab wins over comma and the comma in the quantity is a decimal comma
    assert shown_rows(parse) == [(1, "PEN,BLUE", "3", ""), (2, "PAD-1", "1.5", "")]


def test_a_line_without_the_lists_delimiter_is_read_with_its_own():
    # given a list typed with semicolons where one line used a space and one a comma
    text = "PEN-1;5\nPAD-1 2\nINK-1,3"
    # when the list is parsed
    parse = parse_text(text)
    # then every line still becomes an item
    assert shown_rows(parse) == [(1, "PEN-1", "5", ""), (2, "PAD-1", "2", ""), (3, "INK-1", "3", "")]


def test_whitespace_separated_skus_may_contain_spaces_when_the_quantity_comes_last():
    # given items typed with spaces, one SKU having a space in it
    text = "PEN BLUE 7\nPAD-1 2 CC-1"
    # when the list is parsed
    parse = parse_text(text)
    # then the words before the trailing quantity form the SKU, and a third word is the cost centre
    assert shown_rows(parse) == [(1, "PEN BLUE", "7", ""), (2, "PAD-1", "2", "CC-1")]


def test_excel_sep_hint_line_sets_the_delimiter_and_is_not_an_item():
    # given a CSV saved by Excel with its "sep=" first line
    data = b"sep=,\r\nPEN;BLUE,4\r\n"
    # when it is uploaded
    parse = parse_upload("order.csv", data)
    # then the hint is obeyed (the semicolon stays in the SKU) and the hint line is no item
    assert shown_rows(parse) == [(2, "PEN;BLUE", "4", "")]
    assert parse.errors == ()


# --- header --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "SKU;Qty",
        "sku;quantity",
        "Part number;Quantity",
        "Artikelnummer;Menge",
        "Art.-Nr.;Menge",
        "Référence;Qté",
        "Item;",
        "Product code;#",
    ],
)
def test_a_header_row_is_skipped_and_the_data_keeps_its_line_numbers(header):
    # given a list whose first line is a column header
    text = f"{header}\nPEN-1;5"
    # when the list is parsed
    parse = parse_text(text)
    # then the header is neither an item nor an error, and the item is on line 2
    assert shown_rows(parse) == [(2, "PEN-1", "5", "")]
    assert parse.errors == ()


def test_without_a_header_the_first_line_is_an_item():
    # given a list that starts straight with data
    parse = parse_text("SKU-1;5\nSKU-2;6")
    # when parsed, then the first line is kept as an item on line 1
    assert shown_rows(parse) == [(1, "SKU-1", "5", ""), (2, "SKU-2", "6", "")]


@pytest.mark.parametrize("first_line", ["PENCIL;abc", "PART-001;abc"])
def test_a_non_numeric_quantity_on_the_first_line_is_an_error_unless_it_is_a_header(first_line):
    # given a first line with a bad quantity whose first cell is no header word (or is a real SKU with digits)
    text = f"{first_line}\nPEN-1;5"
    # when parsed
    parse = parse_text(text)
    # then the first line is reported, not silently dropped as a header
    assert shown_errors(parse) == [(1, "quantity 'abc' is not a number")]
    assert parse.errors[0].sku == first_line.split(";")[0]
    assert shown_rows(parse) == [(2, "PEN-1", "5", "")]


# --- encodings -----------------------------------------------------------------------------------------------------


def test_utf8_bom_is_ignored_so_the_header_is_still_recognised():
    # given a CSV saved by Excel as "CSV UTF-8" (with BOM) and Windows line ends
    data = "\ufeffSKU;Qty\r\nCRÈME-1;2\r\n".encode()
    # when it is uploaded
    parse = parse_csv_bytes(data)
    # then the header is skipped and the accented SKU is intact
    assert shown_rows(parse) == [(2, "CRÈME-1", "2", "")]
    assert parse.errors == ()


def test_windows_1252_csv_is_decoded():
    # given a CSV saved by Excel on Windows in its legacy encoding, with an é in the SKU
    data = "SKU;Qty\r\nCAFÉ-é1;3\r\n".encode("cp1252")
    # when it is uploaded
    parse = parse_upload("order.csv", data)
    # then the SKU reads as typed
    assert shown_rows(parse) == [(2, "CAFÉ-é1", "3", "")]


def test_utf16_unicode_text_export_is_decoded():
    # given Excel's "Unicode Text" export: UTF-16 with BOM, tab separated
    data = "SKU\tQty\r\nŽLUŤ-1\t4\r\n".encode("utf-16")
    # when it is uploaded as .txt
    parse = parse_upload("export.txt", data)
    # then the rows read normally
    assert shown_rows(parse) == [(2, "ŽLUŤ-1", "4", "")]


def test_pasted_text_may_start_with_a_bom():
    # given text pasted from a file that kept its byte order mark
    parse = parse_text("\ufeffSKU;Qty\nPEN-1;1")
    # when parsed, then the header is still recognised
    assert shown_rows(parse) == [(2, "PEN-1", "1", "")]


# --- quantities ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quantity"),
    [
        ("PEN-1;1,5", "1.5"),
        ("PEN-1\t0,25", "0.25"),
        ("PEN-1 1,5", "1.5"),
        ('PEN-1,"1,5"', "1.5"),
        ("PEN-1;2.0", "2"),
        ("PEN-1;  3 ", "3"),
        ("PEN-1;1.50", "1.5"),
        ("PEN-1;0.125", "0.125"),
        ("PEN-1;.5", "0.5"),
        ("PEN-1;9999999", "9999999"),
        ("PEN-1;100", "100"),
    ],
)
def test_quantities_are_read_leniently(text, quantity):
    # given a quantity written with a decimal comma, trailing zeros or padding
    # when parsed
    parse = parse_text(text)
    # then the preview shows the plain number
    assert shown_rows(parse) == [(1, "PEN-1", quantity, "")]


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("abc", "quantity 'abc' is not a number"),
        ("1e3", "quantity '1e3' is not a number"),
        ("NaN", "quantity 'NaN' is not a number"),
        ("inf", "quantity 'inf' is not a number"),
        ("Infinity", "quantity 'Infinity' is not a number"),
        ("1.2.3", "quantity '1.2.3' is not a number"),
        ("5 pcs", "quantity '5 pcs' is not a number"),
        ("-1", "quantity must be greater than 0"),
        ("-0,5", "quantity must be greater than 0"),
        ("0", "quantity must be greater than 0"),
        ("0.000", "quantity must be greater than 0"),
        ("1.2345", "quantity '1.2345' has more than 3 decimal places"),
        ("0,0001", "quantity '0,0001' has more than 3 decimal places"),
        ("10000000", "quantity must be at most 9,999,999"),
        ("9999999.5", "quantity must be at most 9,999,999"),
        ("1" * 500, "quantity must be at most 9,999,999"),
        ("1,000", "quantity '1,000' is ambiguous: write 1000 or 1"),
        ("2.500", "quantity '2.500' is ambiguous: write 2500 or 2.5"),
    ],
)
def test_bad_quantities_are_reported_on_their_line_and_the_rest_is_kept(quantity, message):
    # given a good line and a line with a bad quantity (semicolons, so a comma is a decimal comma)
    text = f"PEN-1;2\nPAD-1;{quantity}"
    # when parsed
    parse = parse_text(text)
    # then the good line is an item and the bad one an error naming the line and SKU
    assert shown_rows(parse) == [(1, "PEN-1", "2", "")]
    assert parse.errors == (QuickOrderError(line=2, message=message, sku="PAD-1"),)


def test_a_long_garbage_quantity_is_shortened_in_the_message():
    # given a cell full of text pasted into the quantity column
    parse = parse_text("PEN-1;" + "x" * 200)
    # when parsed, then the message quotes only the start of it
    assert parse.errors[0].message == f"quantity '{'x' * 30}…' is not a number"


# --- missing cells, extra columns, cost centres --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("PEN-1", QuickOrderError(line=1, message="missing quantity", sku="PEN-1")),
        ("PEN-1;", QuickOrderError(line=1, message="missing quantity", sku="PEN-1")),
        ("PEN-1;;CC-1", QuickOrderError(line=1, message="missing quantity", sku="PEN-1")),
        (";5", QuickOrderError(line=1, message="missing SKU")),
        ('"";5', QuickOrderError(line=1, message="missing SKU")),
    ],
)
def test_missing_sku_or_quantity_is_an_error(text, error):
    # given a line lacking its SKU or its quantity
    # when parsed
    parse = parse_text(text)
    # then it is reported and produces no item
    assert parse.rows == ()
    assert parse.errors == (error,)


def test_a_sku_longer_than_64_characters_is_an_error():
    # given a 65-character SKU
    sku = "X" * 65
    # when parsed
    parse = parse_text(f"{sku};1\n{'Y' * 64};1")
    # then it is refused with a clear message while a 64-character one is accepted
    assert shown_errors(parse) == [(1, "SKU is longer than 64 characters")]
    assert [row.sku for row in parse.rows] == ["Y" * 64]


def test_extra_columns_after_the_cost_centre_are_ignored():
    # given a CSV export with description and price columns after the three we use
    text = "PEN-1;5;CC-1;Blue pen;1.50 EUR\nPAD-1,2,,Note pad"
    # when parsed
    parse = parse_text(text)
    # then only SKU, quantity and cost centre are taken
    assert shown_rows(parse) == [(1, "PEN-1", "5", "CC-1"), (2, "PAD-1", "2", "")]
    assert parse.errors == ()


def test_cost_centre_column_is_optional_per_line():
    # given lines with and without a cost centre
    text = "PEN-1;5;FR-LAB2\nPAD-1;2\nINK-1;1; \n"
    # when parsed
    parse = parse_text(text)
    # then the cost centre is taken as typed or left empty
    assert shown_rows(parse) == [(1, "PEN-1", "5", "FR-LAB2"), (2, "PAD-1", "2", ""), (3, "INK-1", "1", "")]


def test_the_same_sku_on_several_lines_stays_several_rows():
    # given a SKU listed twice (the cart merges them, not the parser)
    parse = parse_text("PEN-1;1\nPEN-1;2")
    # when parsed, then both lines are rows
    assert shown_rows(parse) == [(1, "PEN-1", "1", ""), (2, "PEN-1", "2", "")]


def test_sku_case_is_kept():
    # given a lower-case SKU
    parse = parse_text("pen-1;1")
    # when parsed, then it is not upper-cased (catalogue lookup decides on case)
    assert parse.rows[0].sku == "pen-1"


# --- quotes --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sku"),
    [
        ('"PEN,BLUE";3', "PEN,BLUE"),
        ('"PEN;BLUE",3', "PEN;BLUE"),
        ('"PEN ""XL""";3', 'PEN "XL"'),
        ('"PEN BLUE" 3', "PEN BLUE"),
        ('PEN 12"|3', 'PEN 12"'),
    ],
)
def test_double_quotes_protect_delimiters_inside_a_sku(text, sku):
    # given a SKU containing a delimiter, quoted as CSV does it
    # when parsed
    parse = parse_text(text)
    # then the SKU is whole and the quantity is read
    assert shown_rows(parse) == [(1, sku, "3", "")]


# --- blank and comment lines ---------------------------------------------------------------------------------------


def test_blank_delimiter_only_and_comment_lines_are_skipped_but_line_numbers_stay():
    # given a list with blank lines, a line of only semicolons, a comment and spaces
    text = "\n# order for the lab\nPEN-1;1\n\n;;;\n   \n\t\nPAD-1;x\n  # another comment\nINK-1;3\n"
    # when parsed
    parse = parse_text(text)
    # then only real lines count, each reported with its line number in the original text
    assert shown_rows(parse) == [(3, "PEN-1", "1", ""), (10, "INK-1", "3", "")]
    assert shown_errors(parse) == [(8, "quantity 'x' is not a number")]


def test_old_mac_and_windows_line_ends_count_lines_like_an_editor():
    # given CR-only and CRLF line ends mixed
    parse = parse_text("PEN-1;1\rPAD-1;2\r\n\r\nINK-1;3")
    # when parsed, then line numbers match what the user sees
    assert [row.line for row in parse.rows] == [1, 2, 4]


def test_empty_input_gives_nothing():
    # given nothing but whitespace
    # when parsed, then there is nothing to add and nothing to complain about
    assert parse_text("  \n\n") == QuickOrderParse(rows=(), errors=())
    assert parse_upload("empty.csv", b"") == QuickOrderParse(rows=(), errors=())


# --- xlsx ----------------------------------------------------------------------------------------------------------


def test_xlsx_header_row_is_skipped_and_rows_are_numbered_like_excel():
    # given a workbook with a header row and two items
    data = xlsx(["SKU", "Quantity", "Cost centre"], ["PEN-1", 5, "FR-LAB2"], ["PAD-1", 2])
    # when uploaded
    parse = parse_upload("order.xlsx", data)
    # then rows carry Excel's row numbers
    assert shown_rows(parse) == [(2, "PEN-1", "5", "FR-LAB2"), (3, "PAD-1", "2", "")]
    assert parse.errors == ()


def test_xlsx_numeric_sku_and_cost_centre_cells_become_text_without_decimals():
    # given SKUs and cost centres Excel stored as numbers
    data = xlsx([12345, 1, 4711], [12345.0, 2, 4711.0], [4006381333931, 3])
    # when parsed
    parse = parse_xlsx_bytes(data)
    # then they read as the digits the user sees
    assert shown_rows(parse) == [
        (1, "12345", "1", "4711"),
        (2, "12345", "2", "4711"),
        (3, "4006381333931", "3", ""),
    ]


def test_xlsx_float_quantities_become_sensible_decimals():
    # given quantities stored as floats, one with binary noise from a calculation
    data = xlsx(["PEN-1", 2.0], ["PAD-1", 0.1 + 0.2], ["INK-1", 1.125], ["TAPE-1", 1.2345], ["GLUE-1", -1.0])
    # when parsed
    parse = parse_xlsx_bytes(data)
    # then 2.0 is 2, 0.30000000000000004 is 0.3, and too many decimals or negatives are errors
    assert shown_rows(parse) == [(1, "PEN-1", "2", ""), (2, "PAD-1", "0.3", ""), (3, "INK-1", "1.125", "")]
    assert shown_errors(parse) == [
        (4, "quantity '1.2345' has more than 3 decimal places"),
        (5, "quantity must be greater than 0"),
    ]


def test_xlsx_text_quantities_are_parsed_like_typed_text():
    # given quantity cells typed as text, with a decimal comma and stray spaces
    data = xlsx(["PEN-1", "5"], ["PAD-1", " 1,5 "], ["INK-1", "lots"])
    # when parsed
    parse = parse_xlsx_bytes(data)
    # then they read like pasted text
    assert shown_rows(parse) == [(1, "PEN-1", "5", ""), (2, "PAD-1", "1.5", "")]
    assert parse.errors == (QuickOrderError(line=3, message="quantity 'lots' is not a number", sku="INK-1"),)


def test_xlsx_empty_rows_in_the_middle_are_skipped_and_numbering_follows_excel():
    # given a workbook with empty rows between items, and a row with only blank text
    data = xlsx(["PEN-1", 1], [], [], ["  ", None, ""], ["PAD-1", 2])
    # when parsed
    parse = parse_xlsx_bytes(data)
    # then the empty rows are no errors and the last item is on Excel row 5
    assert shown_rows(parse) == [(1, "PEN-1", "1", ""), (5, "PAD-1", "2", "")]
    assert parse.errors == ()


def test_xlsx_formula_without_cached_value_is_a_missing_quantity():
    # given a quantity formula written by a program (openpyxl), so the file holds no computed value
    data = xlsx(["PEN-1", "=2*3"], ["PAD-1", 1])
    # when parsed (formulas are read as their cached values)
    parse = parse_xlsx_bytes(data)
    # then that line says the quantity is missing, and the other line is fine
    assert parse.errors == (QuickOrderError(line=1, message="missing quantity", sku="PEN-1"),)
    assert shown_rows(parse) == [(2, "PAD-1", "1", "")]


def test_xlsx_formatting_does_not_change_values():
    # given bold, coloured and number-formatted cells
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["PEN-1", 2.5, "CC-1"])
    sheet["A1"].font = Font(bold=True, color="FF0000")
    sheet["B1"].fill = PatternFill("solid", fgColor="FFFF00")
    sheet["B1"].number_format = "0.00"
    sheet["C1"].number_format = "@"
    buffer = BytesIO()
    workbook.save(buffer)
    # when parsed
    parse = parse_xlsx_bytes(buffer.getvalue())
    # then the stored values are what counts, not how they are displayed
    assert shown_rows(parse) == [(1, "PEN-1", "2.5", "CC-1")]


def test_xlsx_only_the_first_worksheet_is_read():
    # given a workbook with a second sheet that is the active one
    workbook = Workbook()
    workbook.active.append(["PEN-1", 1])
    workbook.create_sheet("Prices").append(["OTHER-SKU", 99])
    workbook.active = 1
    buffer = BytesIO()
    workbook.save(buffer)
    # when parsed
    parse = parse_xlsx_bytes(buffer.getvalue())
    # then only the first sheet's items are taken
    assert shown_rows(parse) == [(1, "PEN-1", "1", "")]


def test_xlsx_extra_columns_are_ignored_and_missing_cells_reported():
    # given rows with columns beyond C, a row without quantity and one without SKU
    data = xlsx(["PEN-1", 1, "CC-1", "Blue pen", 1.5], ["PAD-1"], [None, 3], other_sheet=True)
    # when parsed
    parse = parse_xlsx_bytes(data)
    # then D and E are ignored and the gaps are reported per row
    assert shown_rows(parse) == [(1, "PEN-1", "1", "CC-1")]
    assert shown_errors(parse) == [(2, "missing quantity"), (3, "missing SKU")]


def test_xlsx_error_value_in_the_sku_cell_is_reported():
    # given a SKU cell whose lookup formula shows #N/A in Excel
    data = xlsx(["#N/A", 1])
    # when parsed, then the user is told the cell holds an Excel error
    assert shown_errors(parse_xlsx_bytes(data)) == [(1, "the SKU cell shows the Excel error #N/A")]


def test_xlsx_is_recognised_by_content_whatever_the_file_name():
    # given a workbook saved with a misleading name
    data = xlsx(["PEN-1", 1])
    # when uploaded as .csv or without extension
    # then it is still read as a workbook
    assert shown_rows(parse_upload("order.csv", data)) == [(1, "PEN-1", "1", "")]
    assert shown_rows(parse_upload("order", data)) == [(1, "PEN-1", "1", "")]


# --- refused files -------------------------------------------------------------------------------------------------


def test_old_xls_files_are_refused_with_advice():
    # given an old binary Excel file (OLE2 container)
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    # when uploaded
    # then the user is told to save as .xlsx or CSV
    for filename, content in [("ORDER.XLS", data), ("order.xls", b"anything"), ("order.dat", data)]:
        with pytest.raises(QuickOrderFormatError) as refused:
            parse_upload(filename, content)
        assert str(refused.value) == "Old .xls files are not supported: save as .xlsx or CSV"


@pytest.mark.parametrize("data", [b"this is not a workbook", b"PK\x03\x04 truncated zip", b""])
def test_garbage_named_xlsx_is_not_a_readable_workbook(data):
    # given bytes that are no workbook, uploaded as .xlsx
    # when parsed, then one whole-file error explains it
    with pytest.raises(QuickOrderFormatError, match=r"^The file is not a readable \.xlsx workbook$"):
        parse_upload("order.xlsx", data)


def test_a_zip_that_is_no_workbook_is_not_a_readable_workbook():
    # given a valid zip without the workbook parts (e.g. a renamed archive)
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    # when uploaded, then it is refused as a whole
    with pytest.raises(QuickOrderFormatError) as refused:
        parse_upload("order.xlsx", buffer.getvalue())
    assert str(refused.value) == "The file is not a readable .xlsx workbook"


def test_a_workbook_that_unpacks_to_far_too_much_is_refused(monkeypatch):
    # given a workbook whose parts unpack beyond the allowed size (limit lowered to keep the test small)
    monkeypatch.setattr(quick_order, "MAX_XLSX_UNPACKED_BYTES", 1000)
    data = xlsx(*[[f"SKU-{i}", i + 1] for i in range(50)])
    # when uploaded, then it is refused before openpyxl inflates it
    with pytest.raises(QuickOrderFormatError, match="too large once unpacked"):
        parse_upload("order.xlsx", data)


def test_a_password_protected_workbook_gets_its_own_message():
    # given an encrypted .xlsx, which Excel stores in an OLE2 container like old .xls
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    # when uploaded under its .xlsx name, then the message points at the password
    with pytest.raises(QuickOrderFormatError, match="password-protected"):
        parse_upload("order.xlsx", data)


@pytest.mark.parametrize("filename", ["photo.csv", "scan.pdf", "noextension"])
def test_binary_files_are_not_read_as_text(filename):
    # given binary content (here a PNG header) uploaded under a text-ish name
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"
    # when uploaded, then it is refused as a whole instead of yielding garbage lines
    with pytest.raises(QuickOrderFormatError, match="not a CSV or text file"):
        parse_upload(filename, data)


def test_too_many_lines_refuses_the_whole_input():
    # given one line more than allowed, after a header that does not count
    text = "SKU;Qty\n" + "\n".join(f"SKU-{i};1" for i in range(MAX_LINES + 1))
    # when parsed, then nothing is added and one error explains the limit
    with pytest.raises(QuickOrderFormatError, match="at most 20,000 lines"):
        parse_text(text)
    # and exactly the limit is accepted
    assert len(parse_text(text.rsplit("\n", 1)[0]).rows) == MAX_LINES


def test_too_many_lines_in_a_workbook_refuses_it(monkeypatch):
    # given a workbook with more data rows than allowed (limit lowered to keep the test fast)
    monkeypatch.setattr(quick_order, "MAX_LINES", 3)
    data = xlsx(["SKU", "Qty"], ["A", 1], ["B", 1], ["C", 1], ["D", 1])
    # when uploaded, then it is refused as a whole
    with pytest.raises(QuickOrderFormatError, match="Too many lines"):
        parse_upload("order.xlsx", data)


def test_files_over_the_size_limit_are_refused_with_the_limit_in_the_message():
    # given a file one byte over 5 MB
    data = b"A;1\n" * (MAX_BYTES // 4) + b"\n"
    # when uploaded as CSV or workbook, or pasted
    # then the user reads the limit
    for parse in (lambda: parse_upload("big.csv", data), lambda: parse_upload("big.xlsx", data)):
        with pytest.raises(QuickOrderFormatError, match="larger than the 5 MB limit"):
            parse()
    with pytest.raises(QuickOrderFormatError, match="5 MB"):
        parse_text(data.decode())


# --- property ------------------------------------------------------------------------------------------------------

# SKUs as catalogues write them: letters, digits, punctuation, symbols; no delimiters, quotes or leading '#'.
skus = st.text(
    alphabet=st.characters(categories=("L", "N", "P", "S"), exclude_characters=';,|\t"#'),
    min_size=1,
    max_size=64,
)


@given(st.lists(st.tuples(skus, st.integers(min_value=1, max_value=999)), min_size=1, max_size=50))
def test_any_semicolon_list_round_trips(items):
    # given any list of SKUs and whole quantities written as "sku;qty" lines
    text = "\n".join(f"{sku};{quantity}" for sku, quantity in items)
    # when parsed
    parse = parse_text(text)
    # then exactly those rows come back, numbered 1..n
    assert parse.errors == ()
    assert parse.rows == tuple(
        QuickOrderRow(line=line, sku=sku, quantity=Decimal(quantity), cost_centre="")
        for line, (sku, quantity) in enumerate(items, start=1)
    )
