"""The XLSX template: the first sheet holds the CSV template's columns (`catalog_csv`), header on row 1."""

import io
import zipfile
from collections.abc import Iterator, Sequence
from decimal import Decimal

from openpyxl import load_workbook

from .catalog_csv import header_positions, rows_from_table
from .rows import CatalogFile, CatalogFormatError, size_check


def _cell_text(value: object) -> object:
    """Numbers as plain decimals (a float 12.5 is `12.5`, never `1.25E1`); dates and text as written."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return value


def read_xlsx(data: bytes) -> CatalogFile:
    size_check(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise CatalogFormatError("not_xlsx", type(error).__name__) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if not header or not any(header):
        raise CatalogFormatError("no_header", "the first row of the first sheet is empty")
    positions = header_positions([str(cell or "") for cell in header])

    def records() -> Iterator[tuple[int, Sequence[object]]]:
        for number, cells in enumerate(rows, start=2):
            yield number, [_cell_text(cell) for cell in cells]
        workbook.close()

    return CatalogFile(mode="full", rows=rows_from_table(records(), positions))
