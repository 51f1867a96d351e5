"""Readers of catalog files: bytes in, `CatalogFile` (a load mode and a stream of `CatalogRow`s) out. Pure: no
Django, no database; XML only through `punchout.xmlsafe` (no entities, no network, a size limit)."""

from collections.abc import Callable

from .bmecat import read_bmecat
from .catalog_csv import TEMPLATE as CSV_TEMPLATE
from .catalog_csv import read_csv
from .cif import read_cif
from .cxml_catalog import read_catalog_upload_request, read_index
from .rows import MAX_CATALOG_BYTES, CatalogFile, CatalogFormatError, CatalogRow, LoadMode


def read_xlsx(data: bytes) -> CatalogFile:
    from .catalog_xlsx import read_xlsx as read  # openpyxl is loaded only for a workbook

    return read(data)


READERS: dict[str, Callable[[bytes], CatalogFile]] = {
    "csv": read_csv,
    "xlsx": read_xlsx,
    "cif": read_cif,
    "cxml": read_catalog_upload_request,
    "cxml_index": read_index,
    "bmecat": read_bmecat,
}


def read_catalog(file_format: str, data: bytes) -> CatalogFile:
    """The catalog in `data`, read as `file_format` (a key of READERS); CatalogFormatError when it cannot be."""
    reader = READERS.get(file_format)
    if reader is None:
        raise CatalogFormatError("unknown_format", file_format[:20])
    return reader(data)


__all__ = [
    "CSV_TEMPLATE",
    "MAX_CATALOG_BYTES",
    "READERS",
    "CatalogFile",
    "CatalogFormatError",
    "CatalogRow",
    "LoadMode",
    "read_catalog",
]
