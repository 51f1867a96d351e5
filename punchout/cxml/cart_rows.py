"""The lines of a cart (the ItemIn of a PunchOutOrderMessage) as `ItemRow` tuples, read fast: a cart may have
thousands of lines. The same rows, value for value and type for type, and the same errors as the general reader
(`line_items.read_item_row`) on each ItemIn, which reads every line that is not plain. No Django here.

Plain lines (the shape nearly every cart line has, `_PLAIN`) whose numbers are plainly within our columns are read
with one C regular-expression scan for the whole cart (`_PLAIN_ITEM`), then column by column, instead of a Python
object per element. What is scanned is the document's own text when the caller gives it and it can be read as the
tree was (`_raw_text`), else libxml2's serialization of the parsed tree. The tree is the one the safe parser built
(entities, DTDs and the network off). lxml's output for it has a fixed form: double-quoted attributes in document
order, `&` `<` `>` escaped in text, `&` `<` `"` and control characters escaped in attributes. The pattern admits
only values without any markup or escape, so each value captured is the tree's text or attribute value character
for character; a line it does not take (an escape, an element written empty, another attribute or attribute order,
text between elements, a namespace, a number that needs the general checks) is read from its element, as before.

The document's own text gives the tree's values where the pattern takes a line, provided that: it is UTF-8 XML 1.0
(decoded as libxml2 decodes it), it has no carriage return (libxml2 turns CR LF and CR into LF in text and
attributes), and the captured attribute values hold no tab or newline (libxml2 turns them into spaces; the
pattern for the source text refuses them). Comments and CDATA sections hold a "<" the pattern refuses, and every
"<ItemIn" of the text must be the start tag of one of the lines, in order (the count is checked), so each match is
one line's element and nothing else. The source is scanned only when every line is taken from it; otherwise the
serialization is. Neither text is read when the DOCTYPE has an internal subset: libxml2 gives the elements the
default values of its ATTLIST declarations (even with DTDs off), which neither the source nor the serialization
shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import partial
from itertools import repeat
from operator import attrgetter

from lxml import etree
from lxml.etree import _Element as Element

from punchout.xmlsafe import has_internal_subset

from .limits import AMOUNT_MAX_DECIMAL_PLACES, AMOUNT_MAX_INTEGER_DIGITS, QUANTITY_DECIMAL_PLACES
from .line_items import _PLAIN_AMOUNT, _PLAIN_QUANTITY, _SHORT_WHOLE, ItemRow, read_item_row
from .values import QUANTITY_INTEGER_DIGITS, XML_LANG

__all__ = ["read_item_rows"]


# The plain line, the shape nearly every cart line has: ItemID with a SupplierPartID (and perhaps a
# SupplierPartAuxiliaryID), ItemDetail with UnitPrice/Money, one Description without ShortName, UnitOfMeasure and
# one Classification; no extrinsics, tax, price basis or other elements at any depth. The tags of an item's
# elements in document order (`iter()`, pre-order) with the child counts of ItemIn (2), ItemID (1 or 2), ItemDetail
# (4) and UnitPrice (1) admit exactly this tree (any other nesting of the same sequence of tags contradicts one of
# these counts), so its values sit at fixed positions of `iter()`.
_PLAIN_DETAIL = ("ItemDetail", "UnitPrice", "Money", "Description", "UnitOfMeasure", "Classification")
_PLAIN = ("ItemIn", "ItemID", "SupplierPartID", *_PLAIN_DETAIL)
_PLAIN_WITH_AUXILIARY = ("ItemIn", "ItemID", "SupplierPartID", "SupplierPartAuxiliaryID", *_PLAIN_DETAIL)
_TAG = attrgetter("tag")
_new_row = tuple.__new__  # ItemRow's own __new__ is a Python function taking every field as an argument


def _plain_item_row(element: Element) -> ItemRow | None:
    """The `ItemRow` of a plain ItemIn (see `_PLAIN`) whose numbers are plainly within our columns, read
    without the general reader's walk over the children; None for any other item (the caller then reads it with
    `read_item_row`, which gives the same row or the precise error)."""
    elements = list(element.iter())
    tags = tuple(map(_TAG, elements))
    auxiliary_id: str | None
    if tags == _PLAIN:
        _, item_id, part, detail, unit_price, money, description, unit, classification = elements
        auxiliary_id = None
        id_parts = 1
    elif tags == _PLAIN_WITH_AUXILIARY:
        _, item_id, part, auxiliary, detail, unit_price, money, description, unit, classification = elements
        auxiliary_id = (auxiliary.text or "").strip()
        id_parts = 2
    else:
        return None
    if len(element) != 2 or len(detail) != 4 or len(unit_price) != 1 or len(item_id) != id_parts:
        return None
    raw_quantity = element.get("quantity")
    amount_text = money.text
    currency = (money.get("currency") or "").strip().upper()
    raw_line_number = element.get("lineNumber")
    if (
        raw_quantity is None
        or not _PLAIN_QUANTITY.fullmatch(raw_quantity)
        or amount_text is None
        or not currency
        or not _PLAIN_AMOUNT.fullmatch(amount_text)
    ):
        return None
    if raw_line_number is None:
        line_number = None
    elif len(raw_line_number) <= _SHORT_WHOLE and raw_line_number.isascii() and raw_line_number.isdigit():
        line_number = int(raw_line_number)
    else:
        return None
    value = (classification.text or "").strip() or (classification.get("code") or "").strip()
    return _new_row(
        ItemRow,
        (
            Decimal(raw_quantity),
            (part.text or "").strip(),
            Decimal(amount_text),
            currency,
            (unit.text or "").strip(),
            (description.text or "").strip(),
            (description.get(XML_LANG) or "").strip() or "en",
            "",
            auxiliary_id,
            None,
            (((classification.get("domain") or "").strip(), value),) if value else (),
            None,
            None,
            None,
            None,
            None,
            {},
            line_number,
            None,
        ),
    )


# A plain ItemIn as lxml writes it, its numbers plainly within our columns (digits 0-9 only: a line with other
# digits is read from its element). Groups: quantity, lineNumber, SupplierPartID, SupplierPartAuxiliaryID, Money's
# currency, Money, Description's xml:lang, Description, UnitOfMeasure, Classification's domain, Classification;
# an absent lineNumber or SupplierPartAuxiliaryID is "" (a present one is never empty here), an absent xml:lang or
# domain reads as an empty one does.
_TEXT = r"([^<&]*)"
_ATTRIBUTE = r'([^"<&]*)'
# In the document's own text an attribute's tab or newline is a space in the tree: such a value is not taken.
_SOURCE_ATTRIBUTE = r'([^"<&\t\n]*)'


def _plain_item_pattern(text: str, attribute: str) -> re.Pattern[str]:
    return re.compile(
        rf'<ItemIn quantity="([0-9]{{1,{QUANTITY_INTEGER_DIGITS}}}(?:\.[0-9]{{0,{QUANTITY_DECIMAL_PLACES}}})?)"'
        rf'(?: lineNumber="([0-9]{{1,{_SHORT_WHOLE}}})")?>\s*'
        rf"<ItemID>\s*<SupplierPartID>{text}</SupplierPartID>\s*"
        r"(?:<SupplierPartAuxiliaryID>([^<&]+)</SupplierPartAuxiliaryID>\s*)?</ItemID>\s*"
        r'<ItemDetail>\s*<UnitPrice>\s*<Money currency="([A-Z]{3})">'
        rf"([0-9]{{1,{AMOUNT_MAX_INTEGER_DIGITS}}}(?:\.[0-9]{{0,{AMOUNT_MAX_DECIMAL_PLACES}}})?)</Money>\s*</UnitPrice>\s*"
        rf'<Description(?: xml:lang="{attribute}")?>{text}</Description>\s*'
        rf"<UnitOfMeasure>{text}</UnitOfMeasure>\s*"
        rf'<Classification(?: domain="{attribute}")?>{text}</Classification>\s*'
        r"</ItemDetail>\s*</ItemIn>"
    )


def _without_escapes(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The same where the text has no "&" at all, so no value has an escape: a value is anything up to the next "<"
    (text) or '"' (attribute), which the regular-expression engine scans faster than a set of two characters."""
    return re.compile(pattern.pattern.replace("[^<&]", "[^<]").replace('[^"<&', '[^"'))


_PLAIN_ITEM = _plain_item_pattern(_TEXT, _ATTRIBUTE)
_PLAIN_ITEM_WITHOUT_ESCAPES = _without_escapes(_PLAIN_ITEM)
# The same for the document's own text (`_raw_text`).
_SOURCE_ITEM = _plain_item_pattern(_TEXT, _SOURCE_ATTRIBUTE)
_SOURCE_ITEM_WITHOUT_ESCAPES = _without_escapes(_SOURCE_ITEM)
# The serializer as lxml has it: what is serialized here is a document read, never one written (the test suite
# scans what `etree.tostring` writes for numbers in exponent form; a cart read may well have them).
_serialize = etree.tostring
_ITEM_IN_COUNT = etree.XPath("count(ItemIn)")
_ITEM_IN_START = "<ItemIn"


def _each[T](function: Callable[[str], T], column: tuple[str, ...]) -> Iterator[T]:
    """`function` of each value of a column that repeats few values (quantities, prices, codes), computed once per
    distinct value."""
    table = {value: function(value) for value in set(column)}
    return map(table.__getitem__, column)


def _language(lang: str) -> str:
    return lang.strip() or "en"


def _auxiliary_id(auxiliary: str) -> str | None:
    return auxiliary.strip() if auxiliary else None


def _line_number(line_number: str) -> int | None:
    return int(line_number) if line_number else None


def _rows_from_fields(found: list[tuple[str, ...]]) -> list[ItemRow]:
    """The rows of plain lines from their `_PLAIN_ITEM` groups, column by column (C loops): what `_plain_item_row`
    gives for each."""
    (quantities, line_numbers, parts, auxiliaries, currencies, amounts, langs, descriptions, units, domains, values) = (
        zip(*found, strict=True)
    )
    nothing = repeat(None)
    classifications = {
        pair: (((pair[0].strip(), value),) if (value := pair[1].strip()) else ())
        for pair in set(zip(domains, values, strict=True))
    }
    return list(
        map(
            partial(_new_row, ItemRow),
            zip(
                _each(Decimal, quantities),
                map(str.strip, parts),
                _each(Decimal, amounts),
                currencies,
                _each(str.strip, units),
                map(str.strip, descriptions),
                _each(_language, langs),
                repeat(""),
                map(str.strip, auxiliaries) if "" not in auxiliaries else map(_auxiliary_id, auxiliaries),
                nothing,
                map(classifications.__getitem__, zip(domains, values, strict=True)),
                nothing,
                nothing,
                nothing,
                nothing,
                nothing,
                iter(dict, None),  # a new empty extrinsics mapping per line
                map(int, line_numbers) if "" not in line_numbers else map(_line_number, line_numbers),
                nothing,
            ),
        )
    )


def _raw_text(parent: Element, document: bytes) -> str | None:
    """The text of `document` (the bytes `parent`'s tree was parsed from) when a plain line's values read from it
    are the tree's (see the module's docstring): UTF-8 XML 1.0 without a carriage return; else None."""
    info = parent.getroottree().docinfo
    if info.xml_version != "1.0" or (info.encoding or "").casefold() != "utf-8":
        return None
    try:
        text = document.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return None if "\r" in text else text


def _scan(
    text: str, count: int, pattern: re.Pattern[str], without_escapes: re.Pattern[str]
) -> list[ItemRow | None] | None:
    """For each of the `count` ItemIn lines, in order: its row when `text` has it as the pattern reads it, else None;
    None when the text's "<ItemIn" are not the lines' start tags, one each."""
    # Every "<ItemIn" in the text must be the start tag of one of the lines, in order. Each line writes one;
    # anything else that does (a descendant, an "ItemInfo", a comment or CDATA section) makes one more.
    if text.count(_ITEM_IN_START) != count:
        return None
    pattern = pattern if "&" in text else without_escapes
    found = pattern.findall(text)
    if len(found) == count:  # each match starts at one of the count start tags: every line, in order
        return _rows_from_fields(found)  # type: ignore[return-value]
    rows: list[ItemRow | None] = [None] * count
    if found:
        index = {match.start(): position for position, match in enumerate(re.finditer(_ITEM_IN_START, text))}
        matches = list(pattern.finditer(text))
        for match, row in zip(matches, _rows_from_fields([match.groups("") for match in matches]), strict=True):
            rows[index[match.start()]] = row
    return rows


def _plain_rows(parent: Element, document: bytes, *, source: bool = True) -> list[ItemRow | None] | None:
    """For each ItemIn child of `parent`, in order: its row when it is plain as `_PLAIN_ITEM` reads it, else None;
    None when the text cannot be lined up with the children. Read from `document` (the bytes the tree was parsed
    from) when it gives every line (`_raw_text`; `source` False: never), else from the tree's serialization. None
    when the document has a DOCTYPE internal subset: libxml2 gives the elements the default values of its ATTLISTs,
    which neither text shows."""
    count = int(_ITEM_IN_COUNT(parent))
    if not count:
        return []
    if has_internal_subset(document):
        return None
    text = _raw_text(parent, document) if source else None
    if text is not None:
        rows = _scan(text, count, _SOURCE_ITEM, _SOURCE_ITEM_WITHOUT_ESCAPES)
        if rows is not None and None not in rows:
            return rows
    return _scan(
        _serialize(parent, encoding="unicode", with_tail=False), count, _PLAIN_ITEM, _PLAIN_ITEM_WITHOUT_ESCAPES
    )


def read_item_rows(parent: Element, tag: str, document: bytes | None = None) -> tuple[ItemRow, ...]:
    """The `ItemRow` of every `tag` child of `parent` (the ItemIn of a cart), in order; the same rows and errors as
    `read_item_row` on each. With `document`, the bytes the tree was parsed from, plain ItemIn are read from the
    text (`_plain_rows`: the document's own when usable, else the tree's serialization); every other line from
    its element (`_plain_item_row`, else `read_item_row`), in order, so the first error is the first line's."""
    return _read_rows(parent, tag, _plain_rows(parent, document) if tag == "ItemIn" and document is not None else None)


def _read_rows(parent: Element, tag: str, plain: list[ItemRow | None] | None) -> tuple[ItemRow, ...]:
    """`read_item_rows` given the rows read from the text (`_plain_rows`)."""
    if plain is not None and None not in plain:
        return tuple(plain)  # type: ignore[arg-type]
    rows: list[ItemRow] = []
    for position, element in enumerate(parent.iterchildren(tag), 1):
        row = plain[position - 1] if plain is not None else None
        if row is None:
            row = _plain_item_row(element) or read_item_row(element, position, tag)
        rows.append(row)
    return tuple(rows)
