"""CIF 3.0 (Ariba's Catalog Interchange Format): a header of `NAME: value` lines after the `CIF_I_V3.0` signature,
`DATA`, one comma-separated item per line in the order of `FIELDNAMES`, and `ENDOFDATA`.

Header lines read: `LOADMODE` (F full, I incremental; full when absent), `CURRENCY` (for items without a
`Currency` field), `FIELDNAMES`. Fields read: Supplier Part ID, Short Name, Item Description, SPSC Code (or
Classification Codes), Unit Price, Currency, Unit of Measure, Lead Time, Manufacturer Name, Manufacturer Part ID,
Image (the picture's URL) and Manufacturer URL (the data sheet). An item marked `Delete` (`T`) is removed.
Without `FIELDNAMES` the CIF 2.1 order applies.
"""

import csv
import io
from collections.abc import Iterator
from typing import Any

from .rows import CatalogFile, CatalogFormatError, CatalogRow, LoadMode, decode_text, size_check

CIF_21_FIELDS = (
    "Supplier ID",
    "Supplier Part ID",
    "Manufacturer Part ID",
    "Item Description",
    "SPSC Code",
    "Unit Price",
    "Unit of Measure",
    "Lead Time",
    "Manufacturer Name",
    "Supplier URL",
    "Manufacturer URL",
    "Market Price",
)
# CIF field name (lower case) → CatalogRow field.
FIELDS = {
    "supplier part id": "sku",
    "short name": "name",
    "item description": "description",
    "spsc code": "unspsc",
    "classification codes": "unspsc",
    "unit price": "price",
    "currency": "currency",
    "unit of measure": "unit",
    "lead time": "lead_time_days",
    "manufacturer name": "manufacturer",
    "manufacturer part id": "manufacturer_part_id",
    "image": "image_url",
    "manufacturer url": "datasheet_url",
}
NAME_LENGTH = 200


def _short_name(description: str) -> str:
    """A name for an item that has only a description: its first sentence, cut at a word within 200 characters."""
    first = description.split(". ", 1)[0].strip()
    if len(first) <= NAME_LENGTH:
        return first
    return first[:NAME_LENGTH].rsplit(" ", 1)[0]


def _unspsc(value: str) -> str:
    """`43211503` as it is; `unspsc:43211503` (Classification Codes) reduced to its digits."""
    value = value.strip()
    if ":" in value:
        domain, code = value.split(":", 1)
        return code.strip() if domain.strip().lower() in {"unspsc", "spsc"} else ""
    return value


def read_cif(data: bytes) -> CatalogFile:
    size_check(data)
    text = decode_text(data)
    lines = text.splitlines()
    if not lines or not lines[0].strip().upper().startswith("CIF_I_V"):
        raise CatalogFormatError("not_cif", "the first line is not CIF_I_V3.0")
    header: dict[str, str] = {}
    data_at = None
    for index, line in enumerate(lines[1:], start=1):
        stripped = line.strip()
        if stripped.upper() == "DATA":
            data_at = index
            break
        if ":" in stripped:
            name, value = stripped.split(":", 1)
            header[name.strip().upper()] = value.strip()
    if data_at is None:
        raise CatalogFormatError("not_cif", "no DATA line")
    fieldnames = header.get("FIELDNAMES")
    names = next(csv.reader([fieldnames])) if fieldnames else list(CIF_21_FIELDS)
    positions = {name.strip().lower(): index for index, name in enumerate(names)}
    if "supplier part id" not in positions or "unit price" not in positions:
        raise CatalogFormatError("missing_columns", "Supplier Part ID, Unit Price")
    mode: LoadMode = "incremental" if header.get("LOADMODE", "F").upper().startswith("I") else "full"
    default_currency = header.get("CURRENCY", "").upper()
    delete_at = positions.get("delete")

    def rows() -> Iterator[CatalogRow]:
        body = lines[data_at + 1 :]
        reader = csv.reader(io.StringIO("\n".join(body)))
        for cells in reader:
            number = data_at + 1 + reader.line_num
            if not cells or not any(cell.strip() for cell in cells):
                continue
            if len(cells) == 1 and cells[0].strip().upper() == "ENDOFDATA":
                return
            if delete_at is not None and delete_at < len(cells) and cells[delete_at].strip().upper() in {"T", "TRUE"}:
                sku_at = positions["supplier part id"]
                yield CatalogRow(
                    line_number=number, sku=cells[sku_at].strip() if sku_at < len(cells) else "", delete=True
                )
                continue
            problems: tuple[str, ...] = () if len(cells) >= len(names) else ("columns",)
            values: dict[str, Any] = {}
            for name, index in positions.items():
                target = FIELDS.get(name)
                if target and index < len(cells) and not values.get(target):
                    values[target] = cells[index].strip()
            values["unspsc"] = _unspsc(values.get("unspsc", ""))
            values["currency"] = (values.get("currency") or default_currency).upper()
            values["unit"] = values.get("unit", "").upper()
            if not values.get("name"):
                values["name"] = _short_name(values.get("description", ""))
            yield CatalogRow(line_number=number, problems=problems, **values)

    return CatalogFile(mode=mode, rows=rows(), currency=default_currency)
