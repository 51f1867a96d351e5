"""SAP OCI punchout protocol: form fields in, frozen dataclasses out, and back. No Django here.

Reading a cart a catalog posted to our HOOK_URL (errors are `OciError` naming item and field):

    parse_new_item_form(fields: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[OciItem]
    decode_form_body(body: bytes, charset: str | None = None) -> list[tuple[str, str]]   # ISO-8859-1 fallback
    decode_text(data: bytes, charset: str | None = None) -> str
    fields_from_html(html: bytes | str, *, charset=None) -> list[tuple[str, str]]       # a page's form fields
    map_unit(code: str, mapping: Mapping[str, str] | None = None) -> str                # SAP ST -> EA …

Writing:

    build_callup(url, method, login_fields, extra_params, hook_url, function=None, *,
                 product_id=None, quantity=None, search_string=None, oci_version="4.0") -> Callup(method, url, fields)
    build_new_item_fields(items: Iterable[OciItem]) -> list[tuple[str, str]]           # for an SAP HOOK_URL
"""

from .build import OCI_FUNCTIONS, Callup, build_callup, build_new_item_fields, format_number
from .fields import FIELD_LENGTHS, LONGTEXT_LINE_LENGTH
from .items import OciError, OciItem
from .parse import (
    DEFAULT_UNIT_MAP,
    decode_form_body,
    decode_text,
    fields_from_html,
    map_unit,
    parse_new_item_form,
    unit_mapper,
)

__all__ = [
    "DEFAULT_UNIT_MAP",
    "FIELD_LENGTHS",
    "LONGTEXT_LINE_LENGTH",
    "OCI_FUNCTIONS",
    "Callup",
    "OciError",
    "OciItem",
    "build_callup",
    "build_new_item_fields",
    "decode_form_body",
    "decode_text",
    "fields_from_html",
    "format_number",
    "map_unit",
    "parse_new_item_form",
    "unit_mapper",
]
