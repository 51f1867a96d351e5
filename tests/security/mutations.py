"""Deterministic mutations of protocol documents for the fuzzing test: cXML trees, raw bytes and form fields.

Pure: no Django, no database. Every function takes a `random.Random` and gives the same mutants for the
same seed, so a failing case can be produced again from its case id. A mutant says what was done
(`family` and `detail`) and carries the exact request to send (body, content type, method).
"""

from __future__ import annotations

import base64
import json
import random
import re
from collections.abc import Callable, Sequence
from copy import deepcopy
from dataclasses import dataclass
from urllib.parse import quote_from_bytes, urlencode

from lxml import etree

# Numbers no column and no protocol field should take without a clear refusal.
HUGE_NUMBERS: tuple[str, ...] = (
    "1E+26",
    "99999999999",
    "-1",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e-30",
    "0.0000001",
    "1,5",
    "123456789012345678901234",
    "9" * 40,
    "1E+400",
    "0",
    "-0",
    "0.123456789012345678901",
    "1.000,50",
    "1 000",
    "+5",
    "1_000",
    "0x1F",
    "\u0661\u0662",  # Arabic-Indic digits: Decimal() reads them
    "\u00bd",
    "",
    " ",
)
# Put into every numeric field of every document: the shapes of "too large for any column".
SWEEP_NUMBERS: tuple[str, ...] = ("1E+26", "99999999999", "123456789012345678901234")
# Put into every currency of every document: too long for a currency column, and unknown.
SWEEP_CURRENCIES: tuple[str, ...] = ("EURO", "XXX")
# Put into every other text: longer than any column we have but a URL's, and not ASCII.
SWEEP_TEXT = "\u00dc" * 2_500
UNKNOWN_CURRENCIES: tuple[str, ...] = ("XXX", "ZZZ", "", "EURO", "eur", "\u20ac", "US$", "123", "JPY", "BHD", "CLF")
LONG_STRINGS: tuple[str, ...] = (
    "A" * 100_000,
    "\u00e9" * 40_000,
    "\U0001f600" * 20_000,
    "<b>&amp;</b>'\"" * 5_000,
    "x" * 256,
    "y" * 1_001,
)
# Values of a text or attribute that are numbers (amounts, quantities, line numbers, lead times).
NUMBER = re.compile(r"^\s*[-+]?[\d.,]*\d[\d.,]*\s*$")
NUMERIC_ATTRIBUTES = frozenset({"quantity", "lineNumber", "parentLineNumber", "leadtime", "leadTime"})
NUMERIC_TAGS = frozenset({"Money", "LeadTime", "Quantity"})
# Never turned into numbers: they identify, not count.
IDENTIFYING_TAGS = frozenset({"Identity", "SharedSecret", "BuyerCookie", "SupplierPartID", "SupplierPartAuxiliaryID"})
IDENTIFYING_ATTRIBUTES = frozenset({"payloadID", "timestamp"})


@dataclass(frozen=True)
class Mutant:
    """One request to send: what was changed, and the exact bytes."""

    family: str
    detail: str
    body: bytes
    content_type: str
    method: str = "POST"

    @property
    def label(self) -> str:
        return f"{self.family}: {self.detail}"[:200]


# ------------------------------------------------------------------------------------------------ bytes


def flip_bytes(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    if not data:
        return b"\xff", "flipped an empty body into 0xff"
    flips = rng.choice((1, 2, 4, 8, 32))
    mutable = bytearray(data)
    positions = sorted(rng.randrange(len(mutable)) for _ in range(flips))
    for position in positions:
        mutable[position] ^= rng.randrange(1, 256)
    return bytes(mutable), f"{flips} byte(s) flipped at {positions[:8]}"


def truncate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    cut = rng.randrange(len(data)) if data else 0
    return data[:cut], f"cut at byte {cut} of {len(data)}"


# -------------------------------------------------------------------------------------------------- XML

_TREE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_tree(data: bytes) -> etree._ElementTree:
    """A corpus document as a tree we can change (DOCTYPE kept, never loaded)."""
    return etree.ElementTree(etree.fromstring(data, _TREE_PARSER))


def serialise(tree: etree._ElementTree, encoding: str = "UTF-8") -> bytes:
    return etree.tostring(tree, xml_declaration=True, encoding=encoding)


def _elements(tree: etree._ElementTree, *, outside_header: bool) -> list[etree._Element]:
    root = tree.getroot()
    found = []
    for element in root.iter():
        if not isinstance(element.tag, str) or element is root:
            continue
        if outside_header and (element.tag == "Header" or any(a.tag == "Header" for a in element.iterancestors())):
            continue
        found.append(element)
    return found


def _where(tree: etree._ElementTree, element: etree._Element) -> str:
    return tree.getpath(element).removeprefix("/cXML")


def _pick_element(tree: etree._ElementTree, rng: random.Random) -> etree._Element | None:
    # Mostly the body: the header's credentials are what get the document past authentication.
    candidates = _elements(tree, outside_header=rng.random() < 0.85) or _elements(tree, outside_header=False)
    return rng.choice(candidates) if candidates else None


def number_spots(tree: etree._ElementTree) -> list[tuple[etree._Element, str | None]]:
    """Every numeric text and attribute outside the header: (element, attribute name or None for the text)."""
    spots: list[tuple[etree._Element, str | None]] = []
    for element in _elements(tree, outside_header=True):
        if element.tag in IDENTIFYING_TAGS:
            continue
        for name, value in element.attrib.items():
            if name in IDENTIFYING_ATTRIBUTES:
                continue
            if name in NUMERIC_ATTRIBUTES or NUMBER.match(value):
                spots.append((element, name))
        if len(element) == 0 and (element.tag in NUMERIC_TAGS or NUMBER.match(element.text or "")):
            spots.append((element, None))
    return spots


def _set(element: etree._Element, attribute: str | None, value: str) -> None:
    if attribute is None:
        element.text = value
    else:
        element.set(attribute, value)


def _spot_name(tree: etree._ElementTree, element: etree._Element, attribute: str | None) -> str:
    return _where(tree, element) + (f"@{attribute}" if attribute else "")


def _number(tree: etree._ElementTree, rng: random.Random) -> str:
    spots = number_spots(tree)
    value = rng.choice(HUGE_NUMBERS)
    if not spots:
        return "no numeric field to change"
    if rng.random() < 0.25:
        for element, attribute in spots:
            _set(element, attribute, value)
        return f"every number ({len(spots)}) = {value!r}"
    element, attribute = rng.choice(spots)
    _set(element, attribute, value)
    return f"{_spot_name(tree, element, attribute)} = {value!r}"


def _currency(tree: etree._ElementTree, rng: random.Random) -> str:
    value = rng.choice(UNKNOWN_CURRENCIES)
    spots = [e for e in tree.getroot().iter() if isinstance(e.tag, str) and "currency" in e.attrib]
    if not spots:
        return "no currency to change"
    if rng.random() < 0.5:
        for element in spots:
            element.set("currency", value)
        return f"every currency ({len(spots)}) = {value!r}"
    element = rng.choice(spots)
    element.set("currency", value)
    return f"{_where(tree, element)}@currency = {value!r}"


def _long_text(tree: etree._ElementTree, rng: random.Random) -> str:
    element = _pick_element(tree, rng)
    if element is None:
        return "nothing to lengthen"
    text = rng.choice(LONG_STRINGS)
    if element.attrib and rng.random() < 0.4:
        attribute = rng.choice(sorted(element.attrib.keys()))
        element.set(attribute, text)
        return f"{_where(tree, element)}@{attribute} = {len(text)} chars"
    if len(element) == 0 or rng.random() < 0.3:
        element.text = text
    else:
        element[-1].tail = text
    return f"{_where(tree, element)} text = {len(text)} chars"


def _delete(tree: etree._ElementTree, rng: random.Random) -> str:
    element = _pick_element(tree, rng)
    if element is None:
        return "nothing to delete"
    where = _where(tree, element)
    parent = element.getparent()
    assert parent is not None
    parent.remove(element)
    return f"deleted {where}"


def _duplicate(tree: etree._ElementTree, rng: random.Random) -> str:
    element = _pick_element(tree, rng)
    if element is None:
        return "nothing to duplicate"
    copies = rng.choice((1, 1, 1, 5, 200))
    where = _where(tree, element)
    for _ in range(copies):
        element.addnext(deepcopy(element))
    return f"duplicated {where} x{copies}"


def _nesting(tree: etree._ElementTree, rng: random.Random) -> str:
    element = _pick_element(tree, rng)
    if element is None:
        return "nothing to nest"
    depth = rng.choice((300, 3000))
    inner = element
    for _ in range(depth):
        wrapper = etree.Element("Nested")
        inner.addnext(wrapper)
        wrapper.append(inner)
        inner = wrapper
    return f"{_where(tree, element)} wrapped {depth} deep"


def _payload_id(tree: etree._ElementTree, rng: random.Random, baseline_payload_id: str) -> str:
    root = tree.getroot()
    choice = rng.choice(("empty", "missing", "blank", "long", "repeat"))
    if choice == "empty":
        root.set("payloadID", "")
    elif choice == "missing":
        root.attrib.pop("payloadID", None)
    elif choice == "blank":
        root.set("payloadID", "   ")
    elif choice == "long":
        root.set("payloadID", "p" * 10_000 + "@fuzz")
    else:
        # The baseline's payloadID again, with different content: must be refused, never a stale answer.
        root.set("payloadID", baseline_payload_id)
        return f"payloadID of the baseline repeated, content changed: {_number(tree, rng)}"
    return f"payloadID {choice}"


_NON_ASCII = "Gr\u00f6\u00dfe \u2013 na\u00efve \u00bd \u20ac"


def _encoding(tree: etree._ElementTree, rng: random.Random) -> tuple[bytes, str, str]:
    """A wrong or unusual encoding: (body, content type, what)."""
    texts = [e for e in _elements(tree, outside_header=True) if len(e) == 0]
    if texts:
        rng.choice(texts).text = _NON_ASCII
    choice = rng.choice(
        (
            "latin1_declared_utf8",
            "cp1252_declared_utf8",
            "utf16_bom",
            "utf16_declared_utf8",
            "utf16le_no_bom",
            "utf32",
            "utf8_bom",
            "double_bom",
            "declared_latin1_utf8_bytes",
            "declared_unknown",
            "nul_byte",
            "control_character",
            "surrogate_reference",
            "header_says_utf16",
        )
    )
    utf8 = serialise(tree)
    xml = "text/xml"
    if choice == "latin1_declared_utf8":
        body = _redeclare(serialise(tree, "ISO-8859-1"), b"UTF-8")
    elif choice == "cp1252_declared_utf8":
        body = utf8.replace(_NON_ASCII.encode(), "\u201cquoted\u201d \u20ac".encode("cp1252"))
    elif choice == "utf16_bom":
        body = serialise(tree, "UTF-16")
    elif choice == "utf16_declared_utf8":
        body = utf8.decode().encode("utf-16")
    elif choice == "utf16le_no_bom":
        body = _redeclare(utf8, b"UTF-16").decode().encode("utf-16-le")
    elif choice == "utf32":
        body = _redeclare(utf8, b"UTF-32").decode().encode("utf-32")
    elif choice == "utf8_bom":
        body = b"\xef\xbb\xbf" + utf8
    elif choice == "double_bom":
        body = b"\xef\xbb\xbf\xef\xbb\xbf" + utf8
    elif choice == "declared_latin1_utf8_bytes":
        body = _redeclare(utf8, b"ISO-8859-1")
    elif choice == "declared_unknown":
        body = _redeclare(utf8, b"x-klingon")
    elif choice == "nul_byte":
        position = rng.randrange(len(utf8))
        body = utf8[:position] + b"\x00" + utf8[position:]
    elif choice == "control_character":
        body = utf8.replace(_NON_ASCII.encode(), b"bell\x07 escape\x1b")
    elif choice == "surrogate_reference":
        body = utf8.replace(_NON_ASCII.encode(), b"&#xD800;&#x1;")
    else:
        body, xml = utf8, "text/xml; charset=utf-16"
    return body, xml, choice


def _redeclare(data: bytes, encoding: bytes) -> bytes:
    declared = re.sub(rb"encoding=['\"][^'\"]*['\"]", b'encoding="' + encoding + b'"', data, count=1)
    if declared == data and not data.startswith(b"<?xml"):
        declared = b'<?xml version="1.0" encoding="' + encoding + b'"?>\n' + data
    return declared


XML_FAMILIES: tuple[str, ...] = (
    "number",
    "byte_flip",
    "number",
    "truncate",
    "delete",
    "number",
    "duplicate",
    "encoding",
    "currency",
    "long_text",
    "payload_id",
    "number",
    "nesting",
)


def xml_mutants(
    base: bytes,
    rng: random.Random,
    count: int,
    *,
    fresh_payload_id: Callable[[], str],
    baseline_payload_id: str,
    content_type: str = "text/xml; charset=utf-8",
) -> list[Mutant]:
    """`count` mutants of a cXML document, each family in turn. Each gets a fresh payloadID first, so a
    mutant reaches the logic instead of the answer stored for an earlier one (unless that is the point)."""
    try:
        parse_tree(base)
    except etree.XMLSyntaxError:  # not well-formed to begin with: only its bytes can be changed
        return [
            Mutant("byte_flip", *flip_bytes(base, rng), content_type)
            if number % 2 == 0
            else Mutant("truncate", *truncate(base, rng), content_type)
            for number in range(count)
        ]
    mutants = []
    for number in range(count):
        family = XML_FAMILIES[number % len(XML_FAMILIES)]
        tree = parse_tree(base)
        tree.getroot().set("payloadID", fresh_payload_id())
        kind = content_type
        if family == "byte_flip":
            body, detail = flip_bytes(serialise(tree), rng)
        elif family == "truncate":
            body, detail = truncate(serialise(tree), rng)
        elif family == "encoding":
            body, kind, detail = _encoding(tree, rng)
        elif family == "payload_id":
            detail = _payload_id(tree, rng, baseline_payload_id)
            body = serialise(tree)
        else:
            change: Callable[[etree._ElementTree, random.Random], str] = {
                "number": _number,
                "delete": _delete,
                "duplicate": _duplicate,
                "currency": _currency,
                "long_text": _long_text,
                "nesting": _nesting,
            }[family]
            detail = change(tree, rng)
            body = serialise(tree)
        mutants.append(Mutant(family, detail, body, kind))
    return mutants


def _currency_spots(tree: etree._ElementTree) -> list[etree._Element]:
    return [e for e in tree.getroot().iter() if isinstance(e.tag, str) and "currency" in e.attrib]


def _text_spots(tree: etree._ElementTree) -> list[etree._Element]:
    """Every text outside the header that is not a number."""
    numbers = [element for element, attribute in number_spots(tree) if attribute is None]
    return [
        e
        for e in _elements(tree, outside_header=True)
        if len(e) == 0 and (e.text or "").strip() and not any(e is number for number in numbers)
    ]


def _sweep_numbers(rng: random.Random) -> Callable[[int], tuple[str, ...]]:
    """The numbers for the n-th numeric field: both sweep numbers, and the other odd numbers in turn."""
    others = [n for n in HUGE_NUMBERS if n not in SWEEP_NUMBERS]
    offset = rng.randrange(len(others))
    return lambda position: (*SWEEP_NUMBERS, others[(offset + position) % len(others)])


def xml_sweep(
    base: bytes,
    rng: random.Random,
    *,
    fresh_payload_id: Callable[[], str],
    content_type: str = "text/xml; charset=utf-8",
) -> list[Mutant]:
    """Every numeric text and attribute, every currency and every other text of the document, one at a time,
    with each sweep value (the families of `xml_mutants` try the odd values at random spots too)."""
    numbers_for = _sweep_numbers(rng)
    mutants = []

    def variant(change: Callable[[etree._ElementTree], str], family: str) -> None:
        tree = parse_tree(base)
        tree.getroot().set("payloadID", fresh_payload_id())
        detail = change(tree)
        mutants.append(Mutant(family, detail, serialise(tree), content_type))

    def number(position: int, value: str) -> Callable[[etree._ElementTree], str]:
        def change(tree: etree._ElementTree) -> str:
            element, attribute = number_spots(tree)[position]
            _set(element, attribute, value)
            return f"{_spot_name(tree, element, attribute)} = {value!r}"

        return change

    def currency(position: int, value: str) -> Callable[[etree._ElementTree], str]:
        def change(tree: etree._ElementTree) -> str:
            element = _currency_spots(tree)[position]
            element.set("currency", value)
            return f"{_where(tree, element)}@currency = {value!r}"

        return change

    def text(position: int) -> Callable[[etree._ElementTree], str]:
        def change(tree: etree._ElementTree) -> str:
            element = _text_spots(tree)[position]
            element.text = SWEEP_TEXT
            return f"{_where(tree, element)} text = {len(SWEEP_TEXT)} chars"

        return change

    tree = parse_tree(base)
    for position in range(len(number_spots(tree))):
        for value in numbers_for(position):
            variant(number(position, value), "number")
    for position in range(len(_currency_spots(tree))):
        for value in SWEEP_CURRENCIES:
            variant(currency(position, value), "currency")
    for position in range(len(_text_spots(tree))):
        variant(text(position), "long_text")
    return mutants


# ------------------------------------------------------------------------------------------------ forms

Fields = Sequence[tuple[str, str]]
FORM = "application/x-www-form-urlencoded"


def encode_form(fields: Fields, encoding: str = "utf-8") -> bytes:
    return urlencode(list(fields), encoding=encoding, errors="replace").encode("ascii")


def encode_multipart(fields: Fields, boundary: str = "fuzz-boundary-7d1c") -> tuple[bytes, str]:
    parts = []
    for name, value in fields:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value.encode() + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def form_sweep(
    base: Fields,
    rng: random.Random,
    *,
    numeric: re.Pattern[str],
    currency: re.Pattern[str] = re.compile(r"CURRENCY", re.IGNORECASE),
    text: re.Pattern[str] = re.compile(r""),
    every_number: bool = False,
) -> list[Mutant]:
    """Every field of the form (of its first item), one at a time, with each sweep value of its kind: numbers
    (all odd numbers with `every_number`), currencies, and a long text in every field `text` matches."""
    numbers_for = _sweep_numbers(rng)
    mutants = []
    for position, (name, _) in enumerate(base):
        index = re.search(r"\[(\d+)\]", name)
        if index and int(index.group(1)) > 1:
            continue  # the first item shows what every item's field does
        if numeric.search(name):
            family, values = "number", HUGE_NUMBERS if every_number else numbers_for(position)
        elif currency.search(name):
            family, values = "currency", SWEEP_CURRENCIES
        elif text.search(name):
            family, values = "long_text", (SWEEP_TEXT,)
        else:
            continue
        for value in values:
            fields = list(base)
            fields[position] = (name, value)
            detail = f"{name} = {value!r}" if family != "long_text" else f"{name} = {len(value)} chars"
            mutants.append(Mutant(family, detail, encode_form(fields), FORM))
    return mutants


def _field_number(
    fields: list[tuple[str, str]], rng: random.Random, numeric: re.Pattern[str], add: Sequence[str]
) -> str:
    value = rng.choice(HUGE_NUMBERS)
    present = [n for n, (name, _) in enumerate(fields) if numeric.search(name)]
    if present and (rng.random() < 0.8 or not add):
        if rng.random() < 0.2:
            for position in present:
                fields[position] = (fields[position][0], value)
            return f"every numeric field ({len(present)}) = {value!r}"
        position = rng.choice(present)
        fields[position] = (fields[position][0], value)
        return f"{fields[position][0]} = {value!r}"
    if not add:
        return "no numeric field to change"
    name = rng.choice(list(add))
    fields[:] = [(n, v) for n, v in fields if n != name] + [(name, value)]
    return f"{name} (set) = {value!r}"


def _field_currency(fields: list[tuple[str, str]], rng: random.Random, currency: re.Pattern[str]) -> str:
    value = rng.choice(UNKNOWN_CURRENCIES)
    present = [n for n, (name, _) in enumerate(fields) if currency.search(name)]
    if not present:
        fields.append(("NEW_ITEM-CURRENCY[1]", value))
        return f"NEW_ITEM-CURRENCY[1] (added) = {value!r}"
    for position in present:
        fields[position] = (fields[position][0], value)
    return f"every currency field ({len(present)}) = {value!r}"


def _field_index(fields: list[tuple[str, str]], rng: random.Random) -> str:
    """An item index nobody expects: huge, negative, empty, not a number."""
    index = rng.choice(("99999999999999999999999", "-1", "", "abc", "1.5", "0", "1e5", " 1"))
    items = [n for n, (name, _) in enumerate(fields) if re.search(r"\[\d+\]", name)]
    if not items:
        fields.append((f"NEW_ITEM-QUANTITY[{index}]", "1"))
        return f"NEW_ITEM-QUANTITY[{index!r}] added"
    position = rng.choice(items)
    name, value = fields[position]
    fields[position] = (re.sub(r"\[\d+\]", f"[{index}]", name, count=1), value)
    return f"{name} index -> [{index!r}]"


def _many_fields(fields: list[tuple[str, str]], rng: random.Random, item_prefix: str | None) -> str:
    choice = rng.choice(("cruft", "same_name", "items") if item_prefix else ("cruft", "same_name"))
    if choice == "cruft":
        count = rng.choice((1_001, 3_000))
        fields.extend((f"FUZZ-FIELD-{n}", "x") for n in range(count))
    elif choice == "same_name":
        count = rng.choice((1_001, 3_000))
        name = rng.choice(fields)[0] if fields else "FUZZ"
        fields.extend((name, str(n)) for n in range(count))
    else:
        count = 300
        for index in range(2, count + 2):
            fields.extend(
                [
                    (f"{item_prefix}DESCRIPTION[{index}]", f"Fuzz item {index}"),
                    (f"{item_prefix}QUANTITY[{index}]", "1"),
                    (f"{item_prefix}PRICE[{index}]", "1.00"),
                    (f"{item_prefix}CURRENCY[{index}]", "EUR"),
                ]
            )
        return f"{count} more items ({4 * count} fields)"
    return f"{count} more fields ({choice})"


FORM_FAMILIES: tuple[str, ...] = (
    "number",
    "byte_flip",
    "number",
    "duplicate_field",
    "missing_field",
    "number",
    "truncate",
    "long_text",
    "encoding",
    "currency",
    "number",
    "index",
    "many_fields",
    "transport",
)


def form_mutants(
    base: Fields,
    rng: random.Random,
    count: int,
    *,
    numeric: re.Pattern[str],
    add_numeric: Sequence[str] = (),
    currency: re.Pattern[str] = re.compile(r"CURRENCY", re.IGNORECASE),
    item_prefix: str | None = None,
    allow_get: bool = False,
) -> list[Mutant]:
    """`count` mutants of a form (OCI call-up, OCI cart or a cXML form post), each family in turn."""
    mutants = []
    for number in range(count):
        family = FORM_FAMILIES[number % len(FORM_FAMILIES)]
        fields = list(base)
        content_type, method = FORM, "POST"
        body: bytes | None = None
        if family == "number":
            detail = _field_number(fields, rng, numeric, add_numeric)
        elif family == "currency":
            detail = _field_currency(fields, rng, currency)
        elif family == "index":
            detail = _field_index(fields, rng)
        elif family == "long_text":
            position = rng.randrange(len(fields)) if fields else None
            text = rng.choice(LONG_STRINGS)
            if position is None:
                fields.append(("FUZZ", text))
                detail = f"FUZZ = {len(text)} chars"
            else:
                fields[position] = (fields[position][0], text)
                detail = f"{fields[position][0]} = {len(text)} chars"
        elif family == "duplicate_field":
            if fields:
                name, value = rng.choice(fields)
                other = rng.choice((rng.choice(HUGE_NUMBERS), value + "x", "", rng.choice(LONG_STRINGS)[:300]))
                fields.insert(rng.randrange(len(fields) + 1), (name, other))
                detail = f"{name} twice (second {other[:30]!r})"
            else:
                detail = "nothing to duplicate"
        elif family == "missing_field":
            if fields:
                name = rng.choice(fields)[0]
                fields = [(n, v) for n, v in fields if n != name]
                detail = f"{name} removed"
            else:
                detail = "nothing to remove"
        elif family == "many_fields":
            detail = _many_fields(fields, rng, item_prefix)
        elif family == "byte_flip":
            body, detail = flip_bytes(encode_form(fields), rng)
        elif family == "truncate":
            body, detail = truncate(encode_form(fields), rng)
        elif family == "encoding":
            body, content_type, detail = _form_encoding(fields, rng)
        else:
            body, content_type, method, detail = _form_transport(fields, rng, allow_get)
        if body is None:
            body = encode_form(fields)
        mutants.append(Mutant(family, detail, body, content_type, method))
    return mutants


def _form_encoding(fields: list[tuple[str, str]], rng: random.Random) -> tuple[bytes, str, str]:
    choice = rng.choice(("latin1_as_utf8", "utf16_body", "bom", "invalid_utf8_escape", "unknown_charset", "no_type"))
    if fields:
        position = rng.randrange(len(fields))
        fields[position] = (fields[position][0], fields[position][1] + _NON_ASCII)
    if choice == "latin1_as_utf8":
        return encode_form(fields, "latin-1"), FORM + "; charset=utf-8", choice
    if choice == "utf16_body":
        return encode_form(fields).decode().encode("utf-16"), FORM + "; charset=utf-16", choice
    if choice == "bom":
        return b"\xef\xbb\xbf" + encode_form(fields), FORM, choice
    if choice == "invalid_utf8_escape":
        bad = quote_from_bytes(b"\xff\xfe\xc3\x28\xed\xa0\x80").encode()
        return encode_form(fields) + b"&" + bad + b"=" + bad, FORM, choice
    if choice == "unknown_charset":
        return encode_form(fields), FORM + "; charset=x-klingon", choice
    return encode_form(fields), "", choice


def _form_transport(fields: list[tuple[str, str]], rng: random.Random, allow_get: bool) -> tuple[bytes, str, str, str]:
    choices = ["multipart", "json", "base64_body", "xml_type"] + (["get"] if allow_get else [])
    choice = rng.choice(choices)
    if choice == "multipart":
        body, content_type = encode_multipart(fields)
        return body, content_type, "POST", choice
    if choice == "json":
        return json.dumps(dict(fields)).encode(), "application/json", "POST", choice
    if choice == "base64_body":
        return base64.b64encode(encode_form(fields)), FORM, "POST", choice
    if choice == "xml_type":
        return encode_form(fields), "text/xml", "POST", choice
    return encode_form(fields), "", "GET", choice
