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

Better still, the plain lines are cut out of the document before it is parsed (`cut_plain_lines`), so that libxml2
never builds their elements: in the document's bytes (no DOCTYPE internal subset) each plain ItemIn that is
well-formed by itself as `_CUT_ITEM` reads it (values in strict UTF-8, characters of XML 1.0 only, "&" only as a
predefined entity or a character reference, decoded as libxml2 decodes them, no "]]>" in a text, each value far
below libxml2's limits) is replaced by an empty `<ItemIn/>`, and this skeleton, with the document's own prolog and
size limit, is parsed by the same safe parser (entities, DTDs and the network off). Its rows are
taken (`CutLines.fits`) only when the skeleton is UTF-8 XML 1.0 and each "<ItemIn" of the text is an ItemIn child
of the message's PunchOutOrderMessage, the cut ones empty: a line cut from a comment, a CDATA section, a processing
instruction, an attribute value or from anywhere but the message's lines is not one, and the counts differ. A
placeholder parsed as an element in content is where its line's element was (the text before it parses the same),
and the line, well-formed by itself, leaves the parser as the placeholder does; so the document is well-formed
exactly when the skeleton is, and its tree is the skeleton's with the cut lines in the placeholders' places. Lines
not cut are read from their elements in the skeleton. Otherwise the whole document is parsed and read as above.
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

__all__ = ["CutLines", "cut_plain_lines", "read_item_rows"]


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


def _each[K, T](function: Callable[[K], T], column: tuple[K, ...] | list[K]) -> Iterator[T]:
    """`function` of each value of a column that repeats few values (quantities, prices, codes, units), computed once
    per distinct value: the lines share the one value made for each."""
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


# ------------------------------------------------------------------------- plain lines cut out before the parse

# A plain line as `_PLAIN_ITEM` reads it, in the document's bytes (UTF-8), written so that it is well-formed XML by
# itself: between elements only spaces, tabs and line ends; in a text no "<", no C0 control but tab and newline (no
# carriage return either, which libxml2 makes a newline) and "&" only in a predefined entity or a character
# reference (checked and decoded by `_unescape`); in an attribute value neither '"', "<" nor a tab or line end
# (libxml2 makes them spaces). Each value is decoded as strict UTF-8 and refused with U+FFFE or U+FFFF (not XML
# characters), a text with "]]>" (`_decoded`, `_rows_from_columns`). Groups as in `_PLAIN_ITEM`, an absent
# lineNumber, SupplierPartAuxiliaryID, xml:lang or domain None (`re.split`). Every repeat is possessive ("*+",
# "{m,n}+"): what follows it never starts with a character it takes (a value ends at "<" or '"', spaces at "<",
# digits at ".", "<" or '"'), so giving characters back could never lead to a match, and the engine keeps nothing to
# give back (the same matches, faster).
_CUT_SPACE = r"[ \t\n\r]*+"
_CUT_TEXT_CHARACTER = r"[^<&\x00-\x08\x0b-\x1f]"
_CUT_ATTRIBUTE_CHARACTER = r'[^"<&\x00-\x1f]'
_REFERENCE = r"&(?:amp|lt|gt|quot|apos|#[0-9]{1,10}|#x[0-9a-fA-F]{1,8});"


def _cut_item_pattern(*, escapes: bool) -> re.Pattern[bytes]:
    def value(character: str) -> str:
        # Characters, then each reference followed by characters: one way only to match a value (no backtracking
        # into it when what follows fails).
        return f"({character}*+(?:{_REFERENCE}{character}*+)*+)" if escapes else f"({character}*+)"

    def optional(part: str) -> str:
        # "(?:part|)" matches what "(?:part)?" matches, trying the part first, but the engine runs it as a branch
        # rather than as a repeat that saves its groups at each try: a third faster over a cart's lines.
        return f"(?:{part}|)"

    text, attribute, space = value(_CUT_TEXT_CHARACTER), value(_CUT_ATTRIBUTE_CHARACTER), _CUT_SPACE
    quantity = rf"[0-9]{{1,{QUANTITY_INTEGER_DIGITS}}}+" + optional(rf"\.[0-9]{{0,{QUANTITY_DECIMAL_PLACES}}}+")
    amount = rf"[0-9]{{1,{AMOUNT_MAX_INTEGER_DIGITS}}}+" + optional(rf"\.[0-9]{{0,{AMOUNT_MAX_DECIMAL_PLACES}}}+")
    line_number = optional(rf' lineNumber="([0-9]{{1,{_SHORT_WHOLE}}}+)"')
    auxiliary = optional(rf"<SupplierPartAuxiliaryID>{text}</SupplierPartAuxiliaryID>{space}")
    lang, domain = optional(f' xml:lang="{attribute}"'), optional(f' domain="{attribute}"')
    return re.compile(
        (
            rf'<ItemIn quantity="({quantity})"{line_number}>{space}'
            rf"<ItemID>{space}<SupplierPartID>{text}</SupplierPartID>{space}{auxiliary}</ItemID>{space}"
            rf'<ItemDetail>{space}<UnitPrice>{space}<Money currency="([A-Z]{{3}})">({amount})</Money>{space}'
            rf"</UnitPrice>{space}"
            rf"<Description{lang}>{text}</Description>{space}"
            rf"<UnitOfMeasure>{text}</UnitOfMeasure>{space}"
            rf"<Classification{domain}>{text}</Classification>{space}"
            rf"</ItemDetail>{space}</ItemIn>"
        ).encode("ascii")
    )


_CUT_ITEM = _cut_item_pattern(escapes=True)
_CUT_ITEM_WITHOUT_ESCAPES = _cut_item_pattern(escapes=False)  # for a document without any "&": faster
_CUT_FIELDS = _CUT_ITEM.groups + 1  # what `re.split` gives per line: the text before it, then its groups
_PLACEHOLDER = b"<ItemIn/>"
_ITEM_IN_BYTES = b"<ItemIn"
# No value cut out may come near libxml2's limits without XML_PARSE_HUGE (10,000,000 bytes for a text or a start
# tag), which would refuse the document: none can in a document of up to `_SHORT_DOCUMENT` bytes; in a longer one a
# value longer than `_LONGEST_VALUE` bytes leaves the document to the whole parse.
_SHORT_DOCUMENT = 8_000_000
_LONGEST_VALUE = 1_000_000
_CDATA_END = b"]]>"
_SEPARATOR = b"\x00"  # in no value
_PREDEFINED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_REFERENCE_PARTS = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));")
# Whether an ItemIn child has anything in it (a child node, text or an attribute): one union, where a predicate on
# each ItemIn costs ten times as much over a cart's thousands of lines.
_ITEM_IN_CONTENT = etree.XPath("boolean(ItemIn/node() | ItemIn/@*)")


class _NotWellFormed(Exception):
    """A line cut out would not read as libxml2 reads it (not UTF-8, a character that XML does not allow, a "]]>"
    in a text, a value too long): the document is parsed whole."""


def _character(reference: re.Match[str]) -> str:
    name, decimal, hexadecimal = reference.groups()
    if name:
        return _PREDEFINED[name]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF:
        return chr(code)
    raise _NotWellFormed  # libxml2: "xmlParseCharRef: invalid xmlChar value"


def _unescape(value: str | None) -> str | None:
    return value if value is None or "&" not in value else _REFERENCE_PARTS.sub(_character, value)


def _unescaped(column: list[str | None]) -> list[str | None]:
    """A column of values as the tree has them: the references of a text or attribute value decoded."""
    return list(map(_unescape, column)) if "&" in "".join(filter(None, column)) else column


def _decoded(column: list[bytes | None]) -> list[str | None]:
    """A column of values (bytes, None where absent) as text: strict UTF-8, all in one decode; refused (raises
    `_NotWellFormed`) with U+FFFE or U+FFFF, which are not characters of XML."""
    values = column if None not in column else [value for value in column if value is not None]
    if not values:
        return column  # type: ignore[return-value]
    try:
        text = _SEPARATOR.join(values).decode()  # type: ignore[arg-type]
    except UnicodeDecodeError:
        raise _NotWellFormed from None
    if "\ufffe" in text or "\uffff" in text:
        raise _NotWellFormed
    decoded: list[str | None] = text.split("\x00")  # type: ignore[assignment]
    if values is column:
        return decoded
    found = iter(decoded)
    return [None if value is None else next(found) for value in column]


def _text(value: bytes | None, escapes: bool) -> str | None:
    """One value as the tree has it (`_decoded`, then `_unescaped` when the document has an "&")."""
    if value is None:
        return None
    try:
        text = value.decode()
    except UnicodeDecodeError:
        raise _NotWellFormed from None
    if "\ufffe" in text or "\uffff" in text:
        raise _NotWellFormed
    return _unescape(text) if escapes else text


def _ascii_decimal(value: bytes) -> Decimal:
    return Decimal(value.decode("ascii"))


def _optional_strip(value: str | None) -> str | None:
    return None if value is None else value.strip()


def _optional_int(value: str | None) -> int | None:
    return None if value is None else int(value)


def _rows_from_columns(parts: list[bytes | None], *, escapes: bool, long: bool, cdata_end: bool) -> list[ItemRow]:
    """The rows of the plain lines `re.split` found with `_CUT_ITEM` (`parts`: bytes before, then each line's groups
    and the bytes after it), column by column: what `_plain_item_row` gives for the line's element. The columns of
    values that differ from line to line (part ids, descriptions) are decoded in one call each; those that repeat
    few values (unit, language, classification, currency, quantity, price) once per distinct value, and the lines
    share the one value made for each."""
    step = _CUT_FIELDS
    quantities, line_numbers, raw_ids, raw_auxiliaries, currencies, amounts = (
        parts[start::step] for start in range(1, 7)
    )
    raw_langs, raw_descriptions, raw_units, raw_domains, raw_values = (parts[start::step] for start in range(7, 12))
    texts = (raw_ids, raw_auxiliaries, raw_descriptions, raw_units, raw_values)
    if cdata_end and any(_CDATA_END in _SEPARATOR.join(filter(None, column)) for column in texts):
        raise _NotWellFormed  # libxml2: "Sequence ']]>' not allowed in content"
    if long and max(max(map(len, filter(None, column)), default=0) for column in (*texts, raw_langs, raw_domains)) > (
        _LONGEST_VALUE
    ):
        raise _NotWellFormed
    ids, auxiliaries, descriptions = map(_decoded, (raw_ids, raw_auxiliaries, raw_descriptions))
    if escapes:
        ids, auxiliaries, descriptions = map(_unescaped, (ids, auxiliaries, descriptions))

    def unit(value: bytes) -> str:
        return _text(value, escapes).strip()  # type: ignore[union-attr]  # a text group: never None

    def language(value: bytes | None) -> str:
        return (_text(value, escapes) or "").strip() or "en"

    def classification(pair: tuple[bytes | None, bytes | None]) -> tuple[tuple[str, str], ...]:
        value = (_text(pair[1], escapes) or "").strip()
        return (((_text(pair[0], escapes) or "").strip(), value),) if value else ()

    classifications = {pair: classification(pair) for pair in set(zip(raw_domains, raw_values, strict=True))}
    nothing = repeat(None)
    return list(
        map(
            _new_row,
            repeat(ItemRow),
            zip(
                _each(_ascii_decimal, quantities),  # type: ignore[arg-type]
                map(str.strip, ids),  # type: ignore[arg-type]
                _each(_ascii_decimal, amounts),  # type: ignore[arg-type]
                _each(bytes.decode, currencies),  # type: ignore[arg-type]
                _each(unit, raw_units),  # type: ignore[arg-type]
                map(str.strip, descriptions),  # type: ignore[arg-type]
                _each(language, raw_langs),
                repeat(""),
                map(str.strip, auxiliaries) if None not in auxiliaries else map(_optional_strip, auxiliaries),  # type: ignore[arg-type]
                nothing,
                map(classifications.__getitem__, zip(raw_domains, raw_values, strict=True)),
                nothing,
                nothing,
                nothing,
                nothing,
                nothing,
                iter(dict, None),  # a new empty extrinsics mapping per line
                map(int, line_numbers) if None not in line_numbers else map(_optional_int, line_numbers),  # type: ignore[arg-type]
                nothing,
            ),
        )
    )


class CutLines:
    """A cart's plain lines cut out of its document (`cut_plain_lines`): the `skeleton` to parse instead of the
    document, and for each "<ItemIn" of the document, in order, the row of the line cut there or None for a line
    left in the skeleton."""

    __slots__ = ("cut", "rows", "skeleton")

    def __init__(self, skeleton: bytes, rows: list[ItemRow | None], cut: int) -> None:
        self.skeleton = skeleton
        self.rows = rows
        self.cut = cut

    def fits(self, root: Element, body: Element) -> bool:
        """Whether the skeleton parsed (`root`, with the PunchOutOrderMessage `body`) is the document's tree with
        the lines cut out: UTF-8 XML 1.0, every "<ItemIn" of the text an ItemIn child of `body` (none in a comment,
        a CDATA section, a processing instruction, elsewhere in the tree), those cut out empty. Never raises."""
        info = root.getroottree().docinfo
        if info.xml_version != "1.0" or (info.encoding or "").casefold() != "utf-8":
            return False
        # Each ItemIn element of the tree has its own "<ItemIn" in the skeleton's text (no entity can make one):
        # as many ItemIn children of `body` as "<ItemIn" in the text are all of them, one for each, in order.
        count = len(self.rows)
        if self.cut == count:
            return _ITEM_IN_COUNT(body) == count and not _ITEM_IN_CONTENT(body)
        return _ITEM_IN_COUNT(body) == count and all(
            not len(element) and not element.attrib and element.text is None
            for element, row in zip(body.iterchildren("ItemIn"), self.rows, strict=True)
            if row is not None
        )

    def read(self, body: Element) -> tuple[ItemRow, ...]:
        """The rows of every line of the skeleton `body` that `fits`: those cut out as read from the text, the others
        from their elements (`_plain_item_row`, else `read_item_row`, which raises the general reader's error)."""
        return _read_rows(body, "ItemIn", self.rows)


def cut_plain_lines(data: bytes, max_bytes: int) -> CutLines | None:
    """The plain ItemIn of a cart's document (`data`, at most `max_bytes`) cut out as rows, each replaced by an
    empty ItemIn in the skeleton to parse; None when the document is too large, has a DOCTYPE internal subset (its
    defaults would change the lines' elements) or no plain line to cut, or a line's value is not what libxml2
    would read (then the whole document is parsed). The rows hold only if the skeleton parsed `fits` (UTF-8)."""
    if type(data) is not bytes or len(data) > max_bytes or has_internal_subset(data):
        return None
    escapes = b"&" in data
    parts: list[bytes | None] = (_CUT_ITEM if escapes else _CUT_ITEM_WITHOUT_ESCAPES).split(data)
    cut = len(parts) // _CUT_FIELDS
    if not cut:
        return None
    try:
        plain = _rows_from_columns(
            parts, escapes=escapes, long=len(data) > _SHORT_DOCUMENT, cdata_end=_CDATA_END in data
        )
    except _NotWellFormed:
        return None
    outside: list[bytes] = parts[::_CUT_FIELDS]  # type: ignore[assignment]
    skeleton = _PLACEHOLDER.join(outside)
    # The skeleton has the document's "<ItemIn" (a cut line has one, at its start; what is left of the text keeps
    # its own): counted there, where it is short.
    rows: list[ItemRow | None]
    if skeleton.count(_ITEM_IN_BYTES) == cut:
        rows = plain  # type: ignore[assignment]
    else:  # lines left in the text: as many "<ItemIn" between two cut ones as the text there holds
        rows = []
        for piece, row in zip(outside, [*plain, None], strict=True):
            rows += repeat(None, piece.count(_ITEM_IN_BYTES))
            if row is not None:
                rows.append(row)
    return CutLines(skeleton, rows, cut)
