"""Reading and writing the values inside any cXML element: text, plain decimals bounded by our columns,
Money, timestamps, Address, Contact, Extrinsic and Comments, enumerated attributes. No Django here.

Readers are lenient where real systems are sloppy and the meaning is clear (whitespace, CDATA, timestamps
in any shape, kept as None when unreadable) and strict where meaning would be guessed: a number that is
not a plain decimal, or one beyond what our columns hold (`limits`), is refused with a 400
`InvalidDocument` naming the field. Writers drop the characters XML 1.0 cannot carry and write Decimals
without exponent. Every module of the codec builds its elements with `write_element`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import get_args

from lxml import etree
from lxml.etree import _Element as Element

from .elements import Address, Contact, Money
from .errors import InvalidDocument
from .limits import (
    AMOUNT_MAX_DECIMAL_PLACES,
    AMOUNT_MAX_INTEGER_DIGITS,
    QUANTITY_DECIMAL_PLACES,
    QUANTITY_MAX_DIGITS,
    bounded_decimal,
)

__all__ = [
    "PLAIN_NUMBER",
    "QUANTITY_INTEGER_DIGITS",
    "XML_LANG",
    "article",
    "bounded",
    "bounded_amount",
    "bounded_int",
    "bounded_quantity",
    "choices_of",
    "clean_text",
    "format_decimal",
    "format_timestamp",
    "parse_timestamp",
    "read_address",
    "read_attribute",
    "read_choice",
    "read_comments",
    "read_contact",
    "read_decimal",
    "read_extrinsics",
    "read_lang",
    "read_money",
    "read_number",
    "read_optional_money",
    "read_optional_text",
    "read_text",
    "write_address",
    "write_contact",
    "write_element",
    "write_extrinsics",
    "write_money",
]

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# ---------------------------------------------------------------------------------------------- text


def article(word: str) -> str:
    return "an" if word[:1] in "AEIOU" else "a"


def read_text(element: Element | None) -> str:
    """All text inside an element (CDATA included, markup ignored), stripped."""
    if element is None:
        return ""
    if not len(element):  # the common leaf case, without the cost of itertext
        return (element.text or "").strip()
    return "".join(element.itertext()).strip()


def read_optional_text(element: Element | None) -> str | None:
    return None if element is None else read_text(element)


def read_lang(element: Element | None, default: str = "en-US") -> str:
    if element is None:
        return default
    return (element.get(XML_LANG) or "").strip() or default


def read_attribute(element: Element, name: str) -> str | None:
    return (element.get(name) or "").strip() or None


def read_choice[T: str](value: str | None, choices: Mapping[str, T], default: T | None, what: str) -> T:
    """An enumerated attribute, compared case-insensitively; `default` when absent (or refused when None)."""
    text = (value or "").strip()
    if not text:
        if default is None:
            raise InvalidDocument(f"{what} is missing")
        return default
    found = choices.get(text.casefold())
    if found is None:
        allowed = ", ".join(choices.values())
        raise InvalidDocument(f"{what} {text!r} is not one of {allowed}")
    return found


def choices_of[T: str](literal: object) -> dict[str, T]:
    return {value.casefold(): value for value in get_args(literal)}


def read_comments(elements: Iterable[Element]) -> str:
    """The text of Comments elements, without their Attachment URLs; several are joined by line breaks."""
    found = []
    for element in elements:
        parts = [element.text or ""]
        parts.extend(child.tail or "" for child in element)
        text = "".join(parts).strip()
        if text:
            found.append(text)
    return "\n".join(found)


def read_extrinsics(elements: Iterable[Element]) -> dict[str, str]:
    found: dict[str, str] = {}
    for element in elements:
        name = (element.get("name") or "").strip()
        if name and name not in found:
            found[name] = read_text(element)
    return found


# ------------------------------------------------------------------------------------------- numbers

# Plain decimals only: no exponent (1E+26), NaN, Infinity or thousands separator; "1,5" is not a number.
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")

QUANTITY_INTEGER_DIGITS = QUANTITY_MAX_DIGITS - QUANTITY_DECIMAL_PLACES


def read_number(value: str | None) -> Decimal | None:
    """A plain decimal number (no exponent, NaN or thousands separator), or None when it is not one."""
    if value is None:
        return None
    text = value.strip()
    return Decimal(text) if PLAIN_NUMBER.fullmatch(text) else None


def read_decimal(value: str | None, what: str) -> Decimal:
    text = (value or "").strip()
    if not text:
        raise InvalidDocument(f"{what} is empty")
    if not PLAIN_NUMBER.fullmatch(text):
        raise InvalidDocument(f"{what} is not a number: {text[:40]!r}")
    return Decimal(text)


def bounded(value: Decimal, what: str, integer_digits: int, decimal_places: int) -> Decimal:
    """`value` within the limits our columns hold (see `limits`), else a 400 naming the field and the limit."""
    checked = bounded_decimal(value, integer_digits=integer_digits, decimal_places=decimal_places)
    if isinstance(checked, str):
        raise InvalidDocument(f"{what} {checked}: it cannot be stored")
    return checked


def bounded_amount(value: Decimal, what: str) -> Decimal:
    return bounded(value, what, AMOUNT_MAX_INTEGER_DIGITS, AMOUNT_MAX_DECIMAL_PLACES)


def bounded_quantity(value: Decimal, what: str) -> Decimal:
    return bounded(value, what, QUANTITY_INTEGER_DIGITS, QUANTITY_DECIMAL_PLACES)


def _int_or_none(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def bounded_int(value: str | None, what: str, largest: int, unit: str = "") -> int | None:
    """A whole number up to `largest` (None when it is not a whole number: read leniently), else a 400."""
    text = (value or "").strip().lstrip("0") or "0"
    number = _int_or_none(text) if len(text) <= len(str(largest)) else None
    if number is None and text.isascii() and text.isdigit():
        number = largest + 1  # too many digits to convert (Python refuses past 4,300)
    if number is not None and number > largest:
        raise InvalidDocument(f"{what} is larger than {largest}{unit}: it cannot be stored")
    return number


def read_money(element: Element | None, what: str) -> Money:
    if element is None:
        raise InvalidDocument(f"{what} has no Money")
    currency = (element.get("currency") or "").strip().upper()
    if not currency:
        raise InvalidDocument(f"{what} has no currency")
    return Money(amount=bounded_amount(read_decimal(element.text, what), what), currency=currency)


def read_optional_money(parent: Element | None, what: str) -> Money | None:
    if parent is None:
        return None
    return read_money(parent.find("Money"), what)


# ---------------------------------------------------------------------------------------- timestamps


def parse_timestamp(value: str | None) -> datetime | None:
    """A cXML timestamp as a datetime, or None when it cannot be read (never an error).

    Reads ISO 8601 with or without a colon in the offset (`-0500`), with `Z`, or without an offset
    (then the datetime is naive), and the RFC 2822 / Ruby shapes some systems send
    (`Mon May 19 18:29:48 +0000 2008`).
    """
    text = (value or "").strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for shape in ("%a %b %d %H:%M:%S %z %Y", "%a %b %d %H:%M:%S %Y"):
        try:
            return datetime.strptime(text, shape)
        except ValueError:
            continue
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def format_timestamp(moment: datetime | None = None) -> str:
    """ISO 8601 with offset, to the second (now when not given; a naive datetime is taken as UTC)."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds")


# ------------------------------------------------------------------------------------------- parties


def _phone(element: Element | None) -> str | None:
    if element is None:
        return None
    number = element.find("TelephoneNumber")
    if number is None:
        return read_text(element) or None
    country = read_text(number.find("CountryCode"))
    parts = [
        f"+{country}" if country else "",
        read_text(number.find("AreaOrCityCode")),
        read_text(number.find("Number")),
    ]
    extension = read_text(number.find("Extension"))
    formatted = " ".join(part for part in parts if part)
    return f"{formatted} ext. {extension}" if extension else formatted or None


def read_address(element: Element | None) -> Address | None:
    if element is None:
        return None
    name = element.find("Name")
    postal = element.find("PostalAddress")
    country = None if postal is None else postal.find("Country")
    email = element.find("Email")
    return Address(
        name=read_text(name),
        address_id=(element.get("addressID") or "").strip() or None,
        deliver_to=() if postal is None else tuple(read_text(e) for e in postal.iterfind("DeliverTo")),
        street=() if postal is None else tuple(read_text(e) for e in postal.iterfind("Street")),
        city=read_text(None if postal is None else postal.find("City")),
        state=read_optional_text(None if postal is None else postal.find("State")),
        postal_code=read_optional_text(None if postal is None else postal.find("PostalCode")),
        country=read_text(country),
        country_code=((country.get("isoCountryCode") if country is not None else None) or "").strip().upper()
        or (element.get("isoCountryCode") or "").strip().upper(),
        email=read_optional_text(email),
        phone=_phone(element.find("Phone")),
        lang=read_lang(name, "en"),
    )


def read_contact(element: Element) -> Contact:
    name = element.find("Name")
    return Contact(
        name=read_text(name),
        email=read_optional_text(element.find("Email")),
        phone=_phone(element.find("Phone")),
        role=(element.get("role") or "").strip() or None,
        lang=read_lang(name, "en"),
    )


# ------------------------------------------------------------------------------------------- writing


def format_decimal(value: Decimal) -> str:
    """A Decimal as plain digits (`1E+2` becomes `100`), keeping its scale (`254.40` stays `254.40`)."""
    if not value.is_finite():
        raise ValueError(f"cannot write {value} as a cXML number")
    text = format(value, "f")
    return "0" if text in ("-0", "+0") else text


def clean_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def write_element(parent: Element, tag: str, content: str | None = None, /, **attributes: str | None) -> Element:
    """A child element with text and attributes (`lang` is xml:lang; None values are left out)."""
    element = etree.SubElement(parent, tag)
    for name, value in attributes.items():
        if value is not None:
            element.set(XML_LANG if name == "lang" else name, clean_text(value))
    if content is not None:
        element.text = clean_text(content)
    return element


def write_money(parent: Element, tag: str, money: Money) -> Element:
    element = write_element(parent, tag)
    write_element(element, "Money", format_decimal(money.amount), currency=money.currency)
    return element


def write_extrinsics(parent: Element, extrinsics: Mapping[str, str]) -> None:
    for name, value in extrinsics.items():
        write_element(parent, "Extrinsic", value, name=name)


def write_address(parent: Element, address: Address) -> None:
    element = write_element(parent, "Address", addressID=address.address_id)
    write_element(element, "Name", address.name, lang=address.lang)
    # PostalAddress needs at least one Street and a Country; without them only the name is sent.
    if address.street and address.country_code:
        postal = write_element(element, "PostalAddress")
        for line in address.deliver_to:
            write_element(postal, "DeliverTo", line)
        for line in address.street:
            write_element(postal, "Street", line)
        write_element(postal, "City", address.city)
        if address.state is not None:
            write_element(postal, "State", address.state)
        if address.postal_code is not None:
            write_element(postal, "PostalCode", address.postal_code)
        write_element(postal, "Country", address.country or address.country_code, isoCountryCode=address.country_code)
    if address.email:
        write_element(element, "Email", address.email)


def write_contact(parent: Element, contact: Contact) -> None:
    element = write_element(parent, "Contact", role=contact.role)
    write_element(element, "Name", contact.name, lang=contact.lang)
    if contact.email:
        write_element(element, "Email", contact.email)
