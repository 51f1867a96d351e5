"""What every catalog reader gives: one `CatalogRow` per item, the values as the file writes them (text), and
the file's load mode. Pure: no Django; the values are checked line by line by `catalogs.line_checks`."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

LoadMode = Literal["full", "incremental"]

# A file larger than this is refused before it is read (100,000 BMEcat products take about 80 MB).
MAX_CATALOG_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class CatalogRow:
    """One item of an uploaded catalog as written in the file; numbers keep a decimal point ("12.50").

    `problems` are codes of what the reader itself could not read on that line (`columns`: not as many fields
    as the header), which the line checks turn into messages."""

    line_number: int
    sku: str = ""
    name: str = ""
    description: str = ""
    unspsc: str = ""
    unit: str = ""
    price: str = ""
    currency: str = ""
    lead_time_days: str = ""
    manufacturer: str = ""
    manufacturer_part_id: str = ""
    pack_size: str = ""
    order_multiple: str = ""
    minimum_quantity: str = ""
    image_url: str = ""
    datasheet_url: str = ""
    problems: tuple[str, ...] = ()
    delete: bool = False  # an update file's deletion of the item (only `sku` is read)


@dataclass(kw_only=True)
class CatalogFile:
    """A catalog being read: `rows` is a generator (a 100,000-item file is never held whole). A full load
    replaces the supplier's catalog (items it does not name are removed); an incremental one adds and changes."""

    mode: LoadMode
    rows: Iterator[CatalogRow]
    currency: str = ""  # the file's default currency, when it names one
    name: str = ""  # the catalog's name in the file, when it has one
    notes: list[str] = field(default_factory=list)


class CatalogFormatError(ValueError):
    """The file cannot be read as a catalog of its format. `code` says why (the pages and API translate it),
    `detail` is what and where, in English, never quoting more than a few characters of the file.

    Codes: `too_large`, `not_text` (not UTF-8 nor Windows-1252), `no_header`, `missing_columns`, `not_cif`,
    `not_bmecat`, `not_cxml`, `not_index`, `unsafe_xml`, `malformed_xml`, `no_attachment`, `remote_attachment`,
    `not_xlsx`, `empty`."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without its byte order mark), else Windows-1252, the two encodings spreadsheets save in."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise CatalogFormatError("not_text", "the file is neither UTF-8 nor Windows-1252 text") from None


def size_check(data: bytes, max_bytes: int = MAX_CATALOG_BYTES) -> None:
    if len(data) > max_bytes:
        raise CatalogFormatError("too_large", f"{len(data)} bytes; the limit is {max_bytes}")
    if not data.strip():
        raise CatalogFormatError("empty", "the file is empty")
