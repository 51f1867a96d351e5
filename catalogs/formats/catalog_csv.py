"""The CSV (and XLSX) template: a header line naming the columns, then one item per line.

Columns (header names, any case, any order; the first five are required): `sku`, `name`, `unspsc`, `unit`, `price`,
then `currency`, `description`, `lead_time_days`, `manufacturer`, `manufacturer_part_id`, `pack_size`,
`order_multiple`, `minimum_quantity`, `image_url`, `datasheet_url`. Unknown columns are ignored.

The separator is `;` or `,`, whichever the header line uses (`;` wins when it has both: Excel in French, German and
Swedish saves with `;`). A number has a decimal point or a decimal comma (`12.50` or `12,50`, quoted when the
separator is `,`) and no thousands separator. UTF-8 (with or without BOM) or Windows-1252.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from .rows import CatalogFile, CatalogFormatError, CatalogRow, decode_text, size_check

REQUIRED = ("sku", "name", "unspsc", "unit", "price")
OPTIONAL = (
    "currency",
    "description",
    "lead_time_days",
    "manufacturer",
    "manufacturer_part_id",
    "pack_size",
    "order_multiple",
    "minimum_quantity",
    "image_url",
    "datasheet_url",
)
COLUMNS = REQUIRED + OPTIONAL
NUMBER_COLUMNS = frozenset({"price", "lead_time_days", "pack_size", "order_multiple", "minimum_quantity"})
# The template a supplier downloads: the header and one example line.
TEMPLATE = (
    ";".join(COLUMNS)
    + "\r\n"
    + "PEN-100;Ballpoint pen, blue;44121704;EA;0,85;EUR;Retractable, 0.7 mm;3;Bic;BIC-100;;10;20;"
    + "https://example.com/pen.jpg;https://example.com/pen.pdf\r\n"
)


def decimal_point(value: str) -> str:
    """`12,50` → `12.50`: a single decimal comma becomes a point; anything else is left for the checks to refuse."""
    value = value.strip().replace("\u00a0", "").replace(" ", "")
    if "," in value and "." not in value and value.count(",") == 1:
        return value.replace(",", ".")
    return value


def header_positions(header: Sequence[str]) -> dict[str, int]:
    names = [str(name or "").strip().lower().replace(" ", "_") for name in header]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise CatalogFormatError("missing_columns", ", ".join(missing))
    return {name: names.index(name) for name in COLUMNS if name in names}


def rows_from_table(records: Iterable[tuple[int, Sequence[object]]], positions: dict[str, int]) -> Iterator[CatalogRow]:
    """A row per non-empty record: `(line number, cells)`; cells that are not text are written as text."""
    width = max(positions.values()) + 1
    for number, cells in records:
        texts = ["" if cell is None else str(cell).strip() for cell in cells]
        if not any(texts):
            continue
        problems: tuple[str, ...] = ()
        if len(texts) < width:
            problems = ("columns",)
            texts = texts + [""] * (width - len(texts))
        values: dict[str, Any] = {name: texts[index] for name, index in positions.items()}
        for name in NUMBER_COLUMNS & values.keys():
            values[name] = decimal_point(values[name])
        if values.get("currency"):
            values["currency"] = values["currency"].upper()
        if values.get("unit"):
            values["unit"] = values["unit"].upper()
        yield CatalogRow(line_number=number, problems=problems, **values)


def read_csv(data: bytes) -> CatalogFile:
    """Read the CSV template (see the module's docstring); a CSV upload is a full catalog."""
    size_check(data)
    text = decode_text(data)
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise CatalogFormatError("no_header", "the first line is empty")
    delimiter = ";" if first_line.count(";") >= first_line.count(",") and ";" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader)
    positions = header_positions(header)

    def records() -> Iterator[tuple[int, Sequence[object]]]:
        for cells in reader:
            yield reader.line_num, cells

    return CatalogFile(mode="full", rows=rows_from_table(records(), positions))
