"""Write OCI: the call-up that sends a user to a catalog, and the NEW_ITEM form we post back to an SAP HOOK_URL."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from punchout.redact import redact_form_fields, redact_url

from .fields import FIELD_LENGTHS, LONGTEXT_LINE_LENGTH, NUMBER_DECIMALS
from .items import STRING_ATTRIBUTES, OciError, OciItem

__all__ = ["OCI_FUNCTIONS", "Callup", "build_callup", "build_new_item_fields", "format_number"]

OCI_FUNCTIONS = frozenset({"DETAIL", "VALIDATE", "SOURCING", "BACKGROUND_SEARCH"})
# Text fields that may be cut to length; every other over-long value is refused rather than corrupted.
_TRUNCATABLE = frozenset({"DESCRIPTION", "ATTACHMENT_TITLE", "EXT_CATEGORY"})
_MAX_PRICE_UNIT = Decimal(10) ** FIELD_LENGTHS["PRICEUNIT"] - 1


class Callup(NamedTuple):
    """How to send the browser to an OCI catalog: an auto-submitting form (or redirect for GET)."""

    method: str
    url: str
    fields: list[tuple[str, str]]

    def __repr__(self) -> str:  # a logged call-up must not show the catalog password
        return (
            f"Callup(method={self.method!r}, url={redact_url(self.url)!r}, fields={redact_form_fields(self.fields)!r})"
        )


def _checked_url(url: str, what: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise OciError(f"the {what} must be an absolute http(s) URL, not {url!r}")
    return url.strip()


def build_callup(
    url: str,
    method: str,
    login_fields: Mapping[str, str],
    extra_params: Mapping[str, str],
    hook_url: str,
    function: str | None = None,
    *,
    product_id: str | None = None,
    quantity: Decimal | None = None,
    search_string: str | None = None,
    oci_version: str = "4.0",
) -> Callup:
    """The OCI catalog call-up: USERNAME/PASSWORD (`login_fields`), configured parameters, HOOK_URL,
    `~OkCode=ADDI`, `~TARGET=_top`, `~CALLER=CTLG`, OCI_VERSION and `returntarget=_top`.

    `extra_params` may override any of the defaults. `function` asks for DETAIL or VALIDATE (with
    `product_id`, VALIDATE also `quantity`) or SOURCING / BACKGROUND_SEARCH (with `search_string`).
    For POST, render an auto-submitting form to `url` with `fields`. For GET, `url` already carries
    the catalog URL's own query and all fields (so a redirect works); prefer POST, since GET puts the
    password into logs and browser history.
    """
    verb = method.strip().upper()
    if verb not in ("GET", "POST"):
        raise OciError(f"the call-up method must be GET or POST, not {method!r}")
    url = _checked_url(url, "catalog URL")
    hook_url = _checked_url(hook_url, "HOOK_URL")

    fields: list[tuple[str, str]] = [*login_fields.items(), *extra_params.items()]
    given = {name.upper() for name, _ in fields}
    defaults = [
        ("HOOK_URL", hook_url),
        ("~OkCode", "ADDI"),
        ("~TARGET", "_top"),
        ("~CALLER", "CTLG"),
        ("OCI_VERSION", oci_version),
        ("returntarget", "_top"),
    ]
    fields += [(name, value) for name, value in defaults if name.upper() not in given]

    if function is not None:
        name = function.strip().upper()
        if name not in OCI_FUNCTIONS:
            raise OciError(f"unknown OCI FUNCTION {function!r}; use one of {', '.join(sorted(OCI_FUNCTIONS))}")
        fields.append(("FUNCTION", name))
        if name in ("DETAIL", "VALIDATE"):
            if not product_id:
                raise OciError(f"FUNCTION={name} needs a product id")
            fields.append(("PRODUCTID", product_id))
        if name == "VALIDATE":
            if quantity is None:
                raise OciError("FUNCTION=VALIDATE needs a quantity")
            fields.append(("QUANTITY", format_number(quantity, field="QUANTITY")))
        if name in ("SOURCING", "BACKGROUND_SEARCH"):
            if not search_string:
                raise OciError(f"FUNCTION={name} needs a search string")
            fields.append(("SEARCHSTRING", search_string))

    if verb == "GET":
        parts = urlsplit(url)
        fields = [*parse_qsl(parts.query, keep_blank_values=True), *fields]
        url = urlunsplit(parts._replace(query=urlencode(fields)))
    return Callup(method=verb, url=url, fields=fields)


def format_number(value: Decimal, *, field: str, index: int | None = None) -> str:
    """A non-negative Decimal with a decimal point, at most 3 decimals and 15 characters."""
    if not value.is_finite() or value < 0:
        raise OciError(f"{field} must be a non-negative number, not {value}", index=index, field=field)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -NUMBER_DECIMALS:
        rounded = value.quantize(Decimal(1).scaleb(-NUMBER_DECIMALS))
        if rounded != value:
            raise OciError(f"{field} {value} has more than {NUMBER_DECIMALS} decimals", index=index, field=field)
        value = rounded
    text = format(value, "f")
    if len(text) > FIELD_LENGTHS[field]:
        raise OciError(f"{field} {text} is longer than {FIELD_LENGTHS[field]} characters", index=index, field=field)
    return text


def _price_fields(item: OciItem, index: int) -> tuple[str, str]:
    """PRICE and PRICEUNIT; a price with more than 3 decimals is quoted per 10, 100 … units instead."""
    assert item.price is not None
    price, unit = item.price, item.price_unit
    while True:
        exponent = price.as_tuple().exponent
        if not isinstance(exponent, int) or exponent >= -NUMBER_DECIMALS or price == price.quantize(Decimal("0.001")):
            break
        if unit * 10 > _MAX_PRICE_UNIT:
            raise OciError(f"PRICE {item.price} cannot be written with {NUMBER_DECIMALS} decimals", index=index)
        price, unit = price * 10, unit * 10
    return format_number(price, field="PRICE", index=index), format_number(unit.normalize(), field="PRICEUNIT")


def _text_field(name: str, value: str, index: int) -> str:
    limit = FIELD_LENGTHS[name]
    if len(value) <= limit:
        return value
    if name in _TRUNCATABLE:
        return value[:limit]
    raise OciError(f"{name} is {len(value)} characters; OCI allows {limit}", index=index, field=name)


def build_new_item_fields(items: Iterable[OciItem]) -> list[tuple[str, str]]:
    """The `NEW_ITEM-*` fields for a cart we post to an SAP HOOK_URL, numbered from 1 in the given order.

    DESCRIPTION is cut to 40 characters; the full text then goes into `NEW_ITEM-LONGTEXT_n:132[]` lines
    of 132 characters (or `long_text` when the item has one). Units are written as given: our units are
    already UN/CEFACT (ISO) codes. Other fields longer than OCI allows are refused with an `OciError`.
    """
    fields: list[tuple[str, str]] = []
    for index, item in enumerate(items, 1):

        def put(name: str, value: str, index: int = index) -> None:
            fields.append((f"NEW_ITEM-{name}[{index}]", value))

        put("DESCRIPTION", _text_field("DESCRIPTION", item.description, index))
        if item.quantity is not None:
            put("QUANTITY", format_number(item.quantity, field="QUANTITY", index=index))
        if item.unit:
            put("UNIT", _text_field("UNIT", item.unit, index))
        if item.price is not None:
            price, price_unit = _price_fields(item, index)
            put("PRICE", price)
            put("PRICEUNIT", price_unit)
        if item.currency:
            put("CURRENCY", _text_field("CURRENCY", item.currency, index))
        if item.lead_time is not None:
            put("LEADTIME", _text_field("LEADTIME", str(item.lead_time), index))
        if item.service:
            put("SERVICE", "X")
        for name, attribute in STRING_ATTRIBUTES.items():
            if name in ("DESCRIPTION", "UNIT", "CURRENCY"):
                continue
            value = getattr(item, attribute)
            if value:
                put(name, _text_field(name, value, index))
        for name, value in item.extra.items():
            put(name.upper(), value)
        long_text = item.long_text or (item.description if len(item.description) > FIELD_LENGTHS["DESCRIPTION"] else "")
        for start in range(0, len(long_text), LONGTEXT_LINE_LENGTH):
            fields.append((f"NEW_ITEM-LONGTEXT_{index}:132[]", long_text[start : start + LONGTEXT_LINE_LENGTH]))
    return fields
