"""Read the `NEW_ITEM-*` form an OCI catalog posts to our HOOK_URL.

Lenient where catalogs are sloppy and the meaning is clear: indices out of order, with gaps or from 0;
LONGTEXT spelled in any of the ways catalogs use (`LONGTEXT_1:132[]`, `LONGTEXT_1:132`, `LONGTEXT[1]`,
`LONGTEXT:132[1]`, `LONGTEXT_1:132[][1]`, `LONGTEXT[1]:132`), repeated LONGTEXT lines joined in order;
blanks around numbers, zero-padded prices (`00000001730.900`), and a decimal comma when it cannot be a
thousands separator (`780,12`, `0,5`; but `1,000` and `1.234,56` are refused as ambiguous).
Fields that do not start with `NEW_ITEM-` (form cruft, `HEADER-*` paging) are ignored; unknown item
fields are kept in `OciItem.extra`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from urllib.parse import unquote_to_bytes

import lxml.html

from punchout.cxml.limits import (
    AMOUNT_MAX_DECIMAL_PLACES,
    AMOUNT_MAX_INTEGER_DIGITS,
    LEAD_TIME_MAX_DAYS,
    QUANTITY_DECIMAL_PLACES,
    QUANTITY_MAX_DIGITS,
    bounded_decimal,
)
from punchout.xmlsafe import DEFAULT_MAX_BYTES

from .items import STRING_ATTRIBUTES, OciError, OciItem

__all__ = [
    "DEFAULT_UNIT_MAP",
    "decode_form_body",
    "decode_text",
    "fields_from_html",
    "map_unit",
    "parse_new_item_form",
    "unit_mapper",
]

FormFields = Mapping[str, str] | Iterable[tuple[str, str]]

_PREFIX = "NEW_ITEM-"
_ITEM_FIELD = re.compile(r"([A-Z0-9_]+)\[(\d+)\]")
_LONGTEXT = re.compile(r"LONGTEXT(?:_(?P<a>\d+))?(?::\d+)?(?:\[(?P<b>\d*)\])?(?::\d+)?(?:\[(?P<c>\d*)\])?")
_PLAIN_NUMBER = re.compile(r"\+?(?:\d+(?:\.\d*)?|\.\d+)")
_COMMA_NUMBER = re.compile(r"\+?\d*,\d+")


def _pairs(fields: FormFields) -> Iterable[tuple[str, str]]:
    return fields.items() if isinstance(fields, Mapping) else fields


def _longtext_index(name: str) -> int | None:
    match = _LONGTEXT.fullmatch(name)
    if match is None:
        return None
    for group in ("a", "b", "c"):
        if match.group(group):
            return int(match.group(group))
    return None


# What our columns hold (see punchout.cxml.limits): quantities DecimalField(13, 3), prices in minor units.
_LIMITS = {
    "QUANTITY": (QUANTITY_MAX_DIGITS - QUANTITY_DECIMAL_PLACES, QUANTITY_DECIMAL_PLACES),
    "PRICEUNIT": (QUANTITY_MAX_DIGITS - QUANTITY_DECIMAL_PLACES, QUANTITY_DECIMAL_PLACES),
    "PRICE": (AMOUNT_MAX_INTEGER_DIGITS, AMOUNT_MAX_DECIMAL_PLACES),
}


def _number(raw: str, index: int, field: str) -> Decimal | None:
    """A plain non-negative decimal within what we can store; no exponent, NaN or Infinity."""
    text = raw.strip()
    if not text:
        return None
    if len(text) > 100:  # no real number is this long; do not quote it back
        raise OciError(f"{field} is not a number we can store ({len(text)} characters)", index=index, field=field)
    if text.startswith("-"):
        raise OciError(f"{field} is negative: {raw!r}", index=index, field=field)
    if "," in text:
        decimals = text.rpartition(",")[2]
        # "1,000" could be a thousand or one; "1.234,56" mixes both separators.
        if not _COMMA_NUMBER.fullmatch(text) or len(decimals) == 3:
            raise OciError(
                f"{field} {raw!r} is ambiguous: use a decimal point and no thousands separator",
                index=index,
                field=field,
            )
        text = text.replace(",", ".")
    if not _PLAIN_NUMBER.fullmatch(text):
        raise OciError(f"{field} is not a number: {raw!r}", index=index, field=field)
    integer_digits, decimal_places = _LIMITS[field]
    checked = bounded_decimal(Decimal(text), integer_digits=integer_digits, decimal_places=decimal_places)
    if isinstance(checked, str):
        raise OciError(f"{field} {checked}: it cannot be stored", index=index, field=field)
    return checked


def _lead_time(raw: str, index: int) -> int | None:
    """Days as a whole number (None when it is not one: catalogs write "2-3 days"), at most 5 digits."""
    text = raw.strip()
    if not (text.isascii() and text.isdigit()):
        return None
    if len(text.lstrip("0")) > len(str(LEAD_TIME_MAX_DAYS)) or int(text) > LEAD_TIME_MAX_DAYS:
        raise OciError(
            f"LEADTIME is larger than {LEAD_TIME_MAX_DAYS} days: it cannot be stored", index=index, field="LEADTIME"
        )
    return int(text)


def _item(index: int, values: Mapping[str, str], long_text: str) -> OciItem:
    strings: dict[str, str] = {}
    extra: dict[str, str] = {}
    for field, value in values.items():
        attribute = STRING_ATTRIBUTES.get(field)
        if attribute is not None:
            strings[attribute] = value.strip()
        elif field not in ("QUANTITY", "PRICE", "PRICEUNIT", "LEADTIME", "SERVICE"):
            extra[field] = value.strip()
    price_unit = _number(values.get("PRICEUNIT", ""), index, "PRICEUNIT")
    if price_unit is not None and price_unit == 0:
        raise OciError("PRICEUNIT is zero", index=index, field="PRICEUNIT")
    return OciItem(
        index=index,
        quantity=_number(values.get("QUANTITY", ""), index, "QUANTITY"),
        price=_number(values.get("PRICE", ""), index, "PRICE"),
        price_unit=price_unit if price_unit is not None else Decimal(1),
        lead_time=_lead_time(values.get("LEADTIME", ""), index),
        service=values.get("SERVICE", "").strip().upper() == "X",
        long_text=long_text.strip(),
        extra=extra,
        **strings,
    )


def parse_new_item_form(fields: FormFields) -> list[OciItem]:
    """The items of an OCI `NEW_ITEM-<FIELD>[n]` form, ordered by index. An empty form gives no items.

    Pass pairs rather than a dict when a field may repeat (LONGTEXT lines), e.g. from Django
    `[(key, value) for key, values in request.POST.lists() for value in values]`. A repeated
    non-LONGTEXT field keeps its first value. Raises `OciError` naming the item and field for a
    malformed number, a field without an index, or an OCI XML (`~xmlDocument`) post.
    """
    values: dict[int, dict[str, str]] = {}
    long_texts: dict[int, list[str]] = {}
    for raw_name, value in _pairs(fields):
        name = raw_name.strip()
        if name.casefold() == "~xmldocument":
            # Never drop a cart silently: the XML variant (ESAPO/XML_TYPE) is a different protocol.
            raise OciError("the OCI XML variant (~xmlDocument) is not supported; the catalog must send NEW_ITEM fields")
        if not name.upper().startswith(_PREFIX):
            continue
        field = name[len(_PREFIX) :].upper()
        if field.startswith("LONGTEXT"):
            index = _longtext_index(field)
            if index is None:
                raise OciError(f"{name!r} does not say which item its text belongs to", field="LONGTEXT")
            long_texts.setdefault(index, []).append(value)
            continue
        match = _ITEM_FIELD.fullmatch(field)
        if match is None:
            raise OciError(f"{name!r} has no item index such as [1]", field=field)
        values.setdefault(int(match.group(2)), {}).setdefault(match.group(1), value)
    indices = sorted(set(values) | set(long_texts))
    return [_item(index, values.get(index, {}), "".join(long_texts.get(index, ()))) for index in indices]


# ---------------------------------------------------------------------------------------- raw bodies


def decode_text(data: bytes, charset: str | None = None) -> str:
    """Bytes as text in the given charset (UTF-8 when none), falling back to ISO-8859-1 when they do not fit."""
    try:
        return data.decode(charset or "utf-8")
    except (LookupError, UnicodeDecodeError):
        pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("iso-8859-1")


# A percent sign that does not start one of the escapes a base64 value needs (%2B "+", %2F "/", %3D "=").
_NOT_BASE64_ESCAPE = re.compile(rb"%(?!2[BbFf]|3[Dd])")
_BASE64_ESCAPES = ((b"%2B", b"+"), (b"%2F", b"/"), (b"%3D", b"="), (b"%2b", b"+"), (b"%2f", b"/"), (b"%3d", b"="))


def _unquote_plus_to_bytes(value: bytes) -> bytes:
    """`unquote_to_bytes` of a form value with "+" read as a space. A value whose only escapes are those of base64
    (a cXML-base64 field: megabytes of them in a large cart) is decoded by replacing them, in C, which gives the
    same bytes as the general decoder in a fraction of its time: no other "%" is left, so no replacement can
    create or break an escape."""
    value = value.replace(b"+", b" ")
    if b"%" not in value:
        return value
    if _NOT_BASE64_ESCAPE.search(value) is None:
        for escape, character in _BASE64_ESCAPES:
            value = value.replace(escape, character)
            if b"%" not in value:  # escapes in capitals (what browsers send) need no look for lower-case ones
                break
        return value
    return unquote_to_bytes(value)


def decode_form_body(body: bytes, charset: str | None = None) -> list[tuple[str, str]]:
    """An `application/x-www-form-urlencoded` body as ordered pairs.

    Percent escapes are decoded to bytes first, then all names and values are read in `charset`
    (UTF-8 when none); if any of them is not valid in it, the whole body is read as ISO-8859-1,
    which is what an HTML form on a Latin-1 page sends.
    """
    raw: list[tuple[bytes, bytes]] = []
    for part in body.split(b"&"):
        if not part:
            continue
        name, _, value = part.partition(b"=")
        raw.append((_unquote_plus_to_bytes(name), _unquote_plus_to_bytes(value)))
    for encoding in (charset or "utf-8", "utf-8"):
        try:
            return [(name.decode(encoding), value.decode(encoding)) for name, value in raw]
        except (LookupError, UnicodeDecodeError):
            continue
    return [(name.decode("iso-8859-1"), value.decode("iso-8859-1")) for name, value in raw]


_HTML_PARSER = lxml.html.HTMLParser(no_network=True, remove_comments=True, remove_pis=True)
_NOT_SENT = frozenset({"submit", "button", "image", "reset", "file"})


def fields_from_html(
    html: bytes | str, *, charset: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[tuple[str, str]]:
    """The fields an HTML page's forms would post, in document order (hidden and text inputs, textareas).

    Useful to read a catalog's OCI return page, e.g. a FUNCTION=BACKGROUND_SEARCH answer or a test sample.
    """
    if len(html) > max_bytes:
        raise OciError(f"the page is {len(html)} bytes; the limit is {max_bytes} bytes")
    text = decode_text(html, charset) if isinstance(html, bytes) else html
    if not text.strip():
        return []
    root = lxml.html.document_fromstring(text, parser=_HTML_PARSER)
    found: list[tuple[str, str]] = []
    for element in root.iter("input", "textarea"):
        name = element.get("name")
        if not name:
            continue
        if element.tag == "textarea":
            found.append((name, element.text or ""))
            continue
        kind = (element.get("type") or "text").lower()
        if kind in _NOT_SENT or (kind in ("checkbox", "radio") and element.get("checked") is None):
            continue
        found.append((name, element.get("value") or ""))
    return found


# --------------------------------------------------------------------------------------------- units

# SAP's internal (often German) unit codes and old ISO codes to the UN/CEFACT codes our catalog uses.
# Note ST: SAP's "Stück" (piece) is EA here, although UN/CEFACT ST means "sheet".
DEFAULT_UNIT_MAP: dict[str, str] = {
    "ST": "EA",
    "STK": "EA",
    "STCK": "EA",
    "PCE": "EA",
    "PC": "EA",
    "PCS": "EA",
    "EA": "EA",
    "KAR": "CT",
    "KART": "CT",
    "CAR": "CT",
    "PAK": "PK",
    "PAC": "PK",
    "PAA": "PR",
    "PAR": "PR",
    "KI": "CR",
    "ROL": "RO",
    "FL": "BO",
    "DOS": "CA",
    "SAT": "SET",
    "H": "HUR",
    "STD": "HUR",
    "TAG": "DAY",
    "G": "GRM",
    "KG": "KGM",
    "L": "LTR",
    "ML": "MLT",
    "M": "MTR",
    "CM": "CMT",
    "MM": "MMT",
    "KM": "KMT",
    "M2": "MTK",
    "M3": "MTQ",
}


def unit_mapper(mapping: Mapping[str, str] | None = None) -> Callable[[str], str]:
    """`map_unit` with `mapping` read once: for the thousands of lines of one cart."""
    table: dict[str, str] = {}
    for source in (mapping or {}, DEFAULT_UNIT_MAP):
        for candidate, target in source.items():
            table.setdefault(candidate.strip().upper(), target)  # the first match wins, the supplier's first

    def mapped(code: str) -> str:
        key = code.strip().upper()
        return table.get(key, key)

    return mapped


def map_unit(code: str, mapping: Mapping[str, str] | None = None) -> str:
    """The UN/CEFACT unit for a catalog's unit code: `mapping` (per supplier) first, then `DEFAULT_UNIT_MAP`.

    Codes are compared case-insensitively; an unknown code comes back stripped and upper-cased.
    """
    return unit_mapper(mapping)(code)
