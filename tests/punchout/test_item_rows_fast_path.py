"""The cart reader's fast paths for plain lines (`read_item_rows`: plain lines read from the document's own text or
from the tree's serialization, else from their elements; `parse_punchout_order_cart`: plain lines cut out of the
text before the rest is parsed) give exactly what the general reader (`read_item_row` on each ItemIn of the whole
document's tree) gives: the same rows, value for value and type for type, or the same error."""

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from punchout.cxml import (
    Classification,
    Credential,
    CXMLError,
    Header,
    InvalidDocument,
    ItemIn,
    MalformedDocument,
    Money,
    PunchOutOrderMessage,
    build_punchout_order_message,
    extract_cxml_from_form,
    parse_punchout_order_cart,
)
from punchout.cxml.cart_rows import (
    _CUT_ITEM,
    _CUT_ITEM_WITHOUT_ESCAPES,
    _SOURCE_ITEM,
    _SOURCE_ITEM_WITHOUT_ESCAPES,
    CutLines,
    _plain_item_row,
    _plain_rows,
    _raw_text,
    _read_rows,
    _scan,
    cut_plain_lines,
    read_item_rows,
)
from punchout.cxml.envelope import parse_expected
from punchout.cxml.line_items import read_item_row
from punchout.cxml.punchout import _read_cart
from punchout.oci import fields_from_html
from punchout.xmlsafe import DEFAULT_MAX_BYTES, has_internal_subset

from .support import CXML_SAMPLES

POOM_SAMPLES = sorted(
    path.name for path in CXML_SAMPLES.iterdir() if path.name.startswith(("PunchOutOrderMessage", "POOM_"))
)


def document_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".txt":
        return extract_cxml_from_form(parse_qsl(data.decode("ascii")))
    if path.suffix == ".html":
        return extract_cxml_from_form(fields_from_html(data))
    return data


def outcome(read: Callable[[], object]) -> object:
    try:
        return read()
    except InvalidDocument as error:
        return ("refused", type(error), str(error))


def general_rows(data: bytes) -> object:
    _, body, _ = parse_expected(data, 10**8, "PunchOutOrderMessage")
    return outcome(
        lambda: tuple(
            read_item_row(element, position, "ItemIn")
            for position, element in enumerate(body.iterchildren("ItemIn"), 1)
        )
    )


def fast_rows(data: bytes, *, source: bool = True) -> object:
    """The rows as the cart reader reads them (`source` False: plain lines from the tree's serialization, never from
    the document's own text)."""
    _, body, _ = parse_expected(data, 10**8, "PunchOutOrderMessage")
    if source:
        return outcome(lambda: read_item_rows(body, "ItemIn", data))
    return outcome(lambda: _read_rows(body, "ItemIn", _plain_rows(body, data, source=False)))


def cart_outcome(read: Callable[[], object]) -> object:
    try:
        return read()
    except CXMLError as error:
        return ("refused", type(error), str(error), error.status_code)


def general_cart(data: bytes) -> object:
    """The cart as the whole document's tree reads with the general reader on every line, or its refusal."""

    def read() -> object:
        root, body, message = parse_expected(data, DEFAULT_MAX_BYTES, "PunchOutOrderMessage")
        return _read_cart(
            root,
            body,
            message,
            lambda: tuple(
                read_item_row(element, position, "ItemIn")
                for position, element in enumerate(body.iterchildren("ItemIn"), 1)
            ),
        )

    return cart_outcome(read)


def cut_count(data: bytes) -> int:
    """How many lines `parse_punchout_order_cart` cuts out of the text and reads from it: 0 when the whole document
    is parsed (nothing to cut, or the skeleton does not fit or is refused)."""
    lines = cut_plain_lines(data, DEFAULT_MAX_BYTES)
    if lines is None:
        return 0
    try:
        root, body, _ = parse_expected(lines.skeleton, DEFAULT_MAX_BYTES, "PunchOutOrderMessage")
    except CXMLError:
        return 0
    return lines.cut if lines.fits(root, body) else 0


def assert_same_cart(data: bytes) -> object:
    """The cart read with plain lines cut out of the text (`parse_punchout_order_cart`) is the whole tree's with
    the general reader: every field, the rows' value types, or the same refusal (message and status)."""
    expected = general_cart(data)
    got = cart_outcome(lambda: parse_punchout_order_cart(data))
    assert got == expected
    if not isinstance(expected, tuple):
        for got_row, expected_row in zip(got.rows, expected.rows, strict=True):
            assert type(got_row) is type(expected_row)
            assert [type(value) for value in got_row] == [type(value) for value in expected_row]
    return got


def assert_same(data: bytes) -> object:
    """Both fast paths (plain lines from the document's text or the tree's serialization), the tree alone (no
    document given) and the cart with its plain lines cut out read what the general reader reads."""
    assert_same_cart(data)
    expected = general_rows(data)
    _, body, _ = parse_expected(data, 10**8, "PunchOutOrderMessage")
    for got in (fast_rows(data), fast_rows(data, source=False), outcome(lambda: read_item_rows(body, "ItemIn"))):
        assert got == expected
        if isinstance(expected, tuple) and expected[:1] != ("refused",):
            for fast_row, general_row in zip(got, expected, strict=True):  # type: ignore[call-overload]
                assert [type(value) for value in fast_row] == [type(value) for value in general_row]
                assert type(fast_row) is type(general_row)
    return fast_rows(data)


def plain_count(data: bytes) -> int:
    _, body, _ = parse_expected(data, 10**8, "PunchOutOrderMessage")
    return sum(_plain_item_row(element) is not None for element in body.iterchildren("ItemIn"))


def serialized_count(data: bytes) -> int:
    """How many lines are read from the serialization (`_plain_rows`) rather than from their elements."""
    _, body, _ = parse_expected(data, 10**8, "PunchOutOrderMessage")
    rows = _plain_rows(body, data, source=False)
    return 0 if rows is None else sum(row is not None for row in rows)


def source_count(data: bytes) -> int:
    """How many lines are read from the document's own text: all of them or none (then the serialization is)."""
    _, body, _ = parse_expected(data, 10**8, "PunchOutOrderMessage")
    text = None if has_internal_subset(data) else _raw_text(body, data)
    count = len(body.findall("ItemIn"))
    rows = None if text is None else _scan(text, count, _SOURCE_ITEM, _SOURCE_ITEM_WITHOUT_ESCAPES)
    if rows is None or None in rows:
        return 0
    assert _plain_rows(body, data) == rows
    return len(rows)


def test_the_samples_are_all_there():
    assert len(POOM_SAMPLES) == 16


@pytest.mark.parametrize("name", POOM_SAMPLES)
def test_every_punchout_order_message_sample_reads_the_same_on_both_paths(name: str):
    data = document_bytes(CXML_SAMPLES / name)
    assert_same(data)
    try:
        cart = parse_punchout_order_cart(data)
    except CXMLError:  # refused for what is around the lines (a SharedSecret in the browser)
        return
    assert cart.rows == general_rows(data)


def plain_cart(lines: int) -> bytes:
    credential = Credential(domain="DUNS", identity="shop")
    items = tuple(
        ItemIn(
            quantity=Decimal(n % 7 + 1),
            supplier_part_id=f"PART-{n:05d}",
            supplier_part_auxiliary_id=f"AUX-{n}" if n % 2 else None,
            unit_price=Money(amount=Decimal(n % 500) + Decimal("0.99"), currency="EUR"),
            unit_of_measure="EA",
            description=f"Item {n}",
            classifications=(Classification(domain="UNSPSC", value="31161500"),),
            line_number=n + 1,
        )
        for n in range(lines)
    )
    header = Header(from_=credential, to=credential, sender=credential)
    return build_punchout_order_message(PunchOutOrderMessage(header=header, buyer_cookie="c", items=items))


def test_plain_lines_take_the_fast_path_and_read_the_same():
    data = plain_cart(40)
    assert plain_count(data) == 40
    assert serialized_count(data) == 40
    assert source_count(data) == 40
    rows = assert_same(data)
    assert rows[1].supplier_part_auxiliary_id == "AUX-1"  # type: ignore[index]
    assert rows[0].supplier_part_auxiliary_id is None  # type: ignore[index]


ONE_LINE = plain_cart(1)

# Edits of a plain line: each is either still plain (and must read the same) or not plain (and is read by the
# general reader); either way both paths agree, errors included.
SINGLE_EDITS = [
    ("<SupplierPartID>PART-00000</SupplierPartID>", "<SupplierPartID>PART<b>x</b>tail</SupplierPartID>"),
    ("<SupplierPartID>PART-00000</SupplierPartID>", "<SupplierPartID/>"),
    ("<SupplierPartID>PART-00000</SupplierPartID>", ""),
    ("<SupplierPartID>PART-00000</SupplierPartID>", "<SupplierPartID> P </SupplierPartID><BuyerPartID>B</BuyerPartID>"),
    ('quantity="1"', 'quantity=" 1"'),
    ('quantity="1"', 'quantity="-1"'),
    ('quantity="1"', 'quantity="1e3"'),
    ('quantity="1"', 'quantity="12345678901234567890"'),
    ('quantity="1"', ""),
    ('lineNumber="1"', 'lineNumber="0001"'),
    ('lineNumber="1"', 'lineNumber="99999999999"'),
    ('lineNumber="1"', 'lineNumber="x"'),
    ('lineNumber="1"', ""),
    ('currency="EUR"', 'currency=" eur "'),
    ('currency="EUR"', 'currency=""'),
    ('currency="EUR"', ""),
    (">0.99</Money>", "> 0.99 </Money>"),
    (">0.99</Money>", ">1,5</Money>"),
    (">0.99</Money>", "></Money>"),
    (">0.99</Money>", ">123456789012345678901234567890</Money>"),
    (">0.99</Money>", ">0.99<b/></Money>"),
    ('<Money currency="EUR">0.99</Money>', '<Other/><Money currency="EUR">0.99</Money>'),
    ('<Money currency="EUR">0.99</Money>', ""),
    ("</UnitPrice>", "</UnitPrice><UnitPrice><Money currency='USD'>5</Money></UnitPrice>"),
    (">Item 0</Description>", "><ShortName>Short</ShortName>Item 0</Description>"),
    (">Item 0</Description>", "><![CDATA[Item & 0]]></Description>"),
    (">Item 0</Description>", "/>"),
    ('xml:lang="en"', 'xml:lang=" "'),
    ('xml:lang="en"', 'xml:lang="fr-FR"'),
    ('xml:lang="en"', ""),
    ("<UnitOfMeasure>EA</UnitOfMeasure>", "<UnitOfMeasure/>"),
    ("<UnitOfMeasure>EA</UnitOfMeasure>", ""),
    ("<UnitOfMeasure>EA</UnitOfMeasure>", "<UnitOfMeasure>EA</UnitOfMeasure><URL>https://x</URL>"),
    (">31161500</Classification>", "/>"),
    (">31161500</Classification>", " code=' 42 '/>"),
    ('domain="UNSPSC"', ""),
    ("</Classification>", "</Classification><Classification domain='eCl@ss'>1</Classification>"),
    ("</ItemDetail>", "<Extrinsic name='a'>b</Extrinsic></ItemDetail>"),
    ("</ItemDetail>", "<LeadTime>3</LeadTime></ItemDetail>"),
    ("</ItemDetail>", "</ItemDetail><Tax><Money currency='EUR'>1</Money><Description>t</Description></Tax>"),
    ("</ItemDetail>", "</ItemDetail><Shipping/>"),
    ("</ItemID>", "<SupplierPartAuxiliaryID><x/>a</SupplierPartAuxiliaryID></ItemID>"),
    ("</ItemID>", "<SupplierPartAuxiliaryID> a </SupplierPartAuxiliaryID></ItemID>"),
    ("</ItemID>", "<BuyerPartID>b</BuyerPartID></ItemID>"),
    ("<ItemIn ", "<ItemIn xmlns='urn:x' "),
]
EDITS: list[tuple[tuple[str, str], ...]] = [((old, new),) for old, new in SINGLE_EDITS] + [
    # The same tags in the same document order, nested differently: the child counts tell them apart.
    (
        ("PART-00000</SupplierPartID></ItemID>", "PART-00000</SupplierPartID>"),
        ("</ItemDetail>", "</ItemDetail></ItemID>"),
    ),
    (
        ("PART-00000</SupplierPartID></ItemID>", "PART-00000"),
        ("</ItemDetail>", "</ItemDetail></SupplierPartID></ItemID>"),
    ),
    (("0.99</Money></UnitPrice>", "0.99</Money>"), ("</Classification>", "</Classification></UnitPrice>")),
    (("0.99</Money></UnitPrice>", "0.99"), ("</Description>", "</Description></Money></UnitPrice>")),
    (("</Description>", ""), ("</UnitOfMeasure>", "</UnitOfMeasure></Description>")),
    (("</UnitOfMeasure>", ""), ("</Classification>", "</Classification></UnitOfMeasure>")),
    (("<ItemDetail>", "<ItemDetail><ItemDetail/>"),),
]


@pytest.mark.parametrize("edits", EDITS)
def test_an_edited_line_reads_the_same_on_both_paths(edits: tuple[tuple[str, str], ...]):
    text = ONE_LINE.decode()
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    data = text.encode()
    parse_expected(data, 10**8, "PunchOutOrderMessage")  # still well-formed
    assert_same(data)


@pytest.mark.parametrize("edits", EDITS)
def test_an_edited_line_among_plain_ones_reads_the_same_on_both_paths(edits: tuple[tuple[str, str], ...]):
    """The first of three lines edited: the two plain ones are still read from the serialization, in their place."""
    text = THREE_LINES.decode()
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    data = text.encode()
    parse_expected(data, 10**8, "PunchOutOrderMessage")
    assert_same(data)
    if "xmlns" not in text:
        assert serialized_count(data) >= 2


THREE_LINES = plain_cart(3)
INDENTED = etree.tostring(etree.fromstring(plain_cart(6)), pretty_print=True, xml_declaration=True, encoding="UTF-8")

NON_ASCII = THREE_LINES.replace(b">Item 1<", "> Écrou — 螺母 ✓ <".encode())
NO_LINE_NUMBERS = re.sub(rb' lineNumber="[0-9]+"', b"", THREE_LINES)


def declared(data: bytes, declaration: str, encoding: str) -> bytes:
    """`data` with another XML declaration, written in `encoding`."""
    text = data.decode()
    return (declaration + text[text.index("?>") + 2 :]).encode(encoding)


# Documents where the serialization or the source text differs from the tree or could be misread: each must read
# the same on every path, `serialized` lines come from the serialization and `source` from the document's own text
# (all its lines or none).
SERIALIZATION_CASES: list[tuple[str, bytes, int, int]] = [
    ("indented", INDENTED, 6, 6),
    ("windows line ends", INDENTED.replace(b"\n", b"\r\n"), 6, 0),
    ("a carriage return between elements", THREE_LINES.replace(b"</ItemID>", b"</ItemID>\r", 1), 3, 0),
    ("escaped text", THREE_LINES.replace(b">Item 1<", b">Nuts &amp; bolts &lt;M8&gt; &#233;&#x20AC; 1<"), 2, 0),
    ("an escape outside the lines", THREE_LINES.replace(b">c</BuyerCookie>", b">&#99;</BuyerCookie>"), 3, 3),
    ("escaped attribute", THREE_LINES.replace(b'domain="UNSPSC"', b'domain="a&amp;b&quot;c&#9;d&#10;"', 1), 2, 0),
    ("character reference digits", THREE_LINES.replace(b'quantity="2"', b'quantity="&#x661;"'), 2, 0),
    ("carriage return in text", THREE_LINES.replace(b">Item 1<", b">Item&#13;1<"), 2, 0),
    ("non-ASCII", NON_ASCII, 3, 3),
    ("a byte order mark", b"\xef\xbb\xbf" + NON_ASCII, 3, 3),
    ("UTF-16", declared(NON_ASCII, '<?xml version="1.0" encoding="UTF-16"?>', "utf-16"), 3, 0),
    (
        "ISO-8859-1",
        declared(
            NON_ASCII.replace(" — 螺母 ✓".encode(), b""), "<?xml version='1.0' encoding='ISO-8859-1'?>", "latin-1"
        ),
        3,
        0,
    ),
    ("lower-case utf-8", declared(NON_ASCII, "<?xml version='1.0' encoding='utf-8'?>", "utf-8"), 3, 3),
    ("XML 1.1", declared(NON_ASCII, '<?xml version="1.1" encoding="UTF-8"?>', "utf-8"), 3, 0),
    ("tab and newline in attribute", THREE_LINES.replace(b'xml:lang="en"', b'xml:lang="\ten\n"', 1), 3, 0),
    ("a newline in a text", THREE_LINES.replace(b">Item 1<", b">Item\n\t1<"), 3, 3),
    ("single quotes", THREE_LINES.replace(b'<Money currency="EUR">0.99', b"<Money currency='EUR'>0.99", 1), 3, 0),
    ("a space before the end of a tag", THREE_LINES.replace(b"<ItemID>", b"<ItemID >", 1), 3, 0),
    (
        "attribute defaults in the DOCTYPE's internal subset: the tree has them, neither text does",
        NO_LINE_NUMBERS.replace(
            b'cXML.dtd">',
            b'cXML.dtd" [<!ATTLIST ItemIn lineNumber CDATA "7"><!ATTLIST Description xml:lang CDATA "de">'
            b'<!ATTLIST Classification domain CDATA "X">]>',
        )
        .replace(b' xml:lang="en"', b"", 1)
        .replace(b' domain="UNSPSC"', b"", 1),
        0,
        0,
    ),
    ("an internal subset", THREE_LINES.replace(b'cXML.dtd">', b'cXML.dtd" [<!ELEMENT Foo EMPTY>]>'), 0, 0),
    ("text between elements", THREE_LINES.replace(b"</ItemID>", b"</ItemID>tail", 1), 2, 0),
    (
        "attributes the other way round",
        THREE_LINES.replace(b'quantity="1" lineNumber="1"', b'lineNumber="1" quantity="1"'),
        2,
        0,
    ),
    (
        "another attribute",
        THREE_LINES.replace(b'<ItemIn quantity="1"', b'<ItemIn itemType="item" quantity="1"'),
        2,
        0,
    ),
    (
        "a nested ItemIn",
        THREE_LINES.replace(
            b"</ItemDetail>", b"<Extrinsic name='x'><ItemIn quantity='1'/></Extrinsic></ItemDetail>", 1
        ),
        0,
        0,
    ),
    ("an ItemInfo element", THREE_LINES.replace(b"<BuyerCookie>", b"<ItemInfo/><BuyerCookie>"), 0, 0),
    ("a CDATA section", THREE_LINES.replace(b">Item 1<", b'><![CDATA[<ItemIn quantity="1">]]><'), 2, 0),
    ("a comment", THREE_LINES.replace(b">Item 1<", b'><!-- <ItemIn quantity="1"> -->Item 1<'), 3, 0),
    ("a comment outside the lines", THREE_LINES.replace(b"<BuyerCookie>", b"<!-- <ItemIn> --><BuyerCookie>"), 3, 0),
    ("a processing instruction", THREE_LINES.replace(b"<ItemID>", b"<ItemID><?pi <ItemIn?>", 1), 3, 0),
    (
        "an entity reference the tree keeps (the document names an external DTD)",
        THREE_LINES.replace(b">Item 1<", b">Item &x; 1<"),
        2,
        0,
    ),
    ("a default namespace", THREE_LINES.replace(b"<cXML ", b"<cXML xmlns='urn:x' "), 0, 0),
    ("a long line number", THREE_LINES.replace(b'lineNumber="2"', b'lineNumber="123456789"'), 3, 3),
    ("a longer line number", THREE_LINES.replace(b'lineNumber="2"', b'lineNumber="1234567890"'), 2, 0),
    ("no line numbers", NO_LINE_NUMBERS, 3, 3),
    ("one line number", re.sub(rb' lineNumber="[23]"', b"", THREE_LINES), 3, 3),
]


@pytest.mark.parametrize(
    ("name", "data", "serialized", "source"), SERIALIZATION_CASES, ids=[case[0] for case in SERIALIZATION_CASES]
)
def test_the_text_is_read_only_where_it_gives_the_tree_values(name: str, data: bytes, serialized: int, source: int):
    parse_expected(data, 10**8, "PunchOutOrderMessage")  # well-formed, and the safe parser takes it
    assert_same(data)
    assert serialized_count(data) == serialized
    assert source_count(data) == source


def test_a_tree_with_comments_and_cdata_is_read_from_its_elements():
    """A tree parsed without the safe parser's options (comments, CDATA kept) still reads the same."""
    text = THREE_LINES.replace(b">Item 1<", b'><![CDATA[<ItemIn quantity="1">x]]><').replace(
        b"</ItemIn>", b"<!-- <ItemIn quantity='1'> --></ItemIn>", 1
    )
    root = etree.fromstring(text, etree.XMLParser(strip_cdata=False, resolve_entities=False))
    body = root.find("Message/PunchOutOrderMessage")
    assert _plain_rows(body, text) is None
    assert read_item_rows(body, "ItemIn", text) == tuple(
        read_item_row(element, position, "ItemIn") for position, element in enumerate(body.iterchildren("ItemIn"), 1)
    )


def test_the_plain_shape_is_recognised_only_when_every_element_is_where_it_should_be():
    assert plain_count(ONE_LINE) == 1
    assert plain_count(ONE_LINE.replace(b"</ItemDetail>", b"<URL>u</URL></ItemDetail>")) == 0
    nested = re.sub(rb"PART-00000</SupplierPartID></ItemID>", b"PART-00000</SupplierPartID>", ONE_LINE)
    nested = nested.replace(b"</ItemDetail>", b"</ItemDetail></ItemID>")
    assert plain_count(nested) == 0


# Generated carts: lines of every shape, most of them plain, mixed in one cart.
XML_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=20)


@st.composite
def cart_lines(draw: st.DrawFn, number: int) -> ItemIn:
    plain = draw(st.booleans())
    return ItemIn(
        quantity=draw(st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False)),
        supplier_part_id=draw(XML_TEXT),
        supplier_part_auxiliary_id=draw(st.none() | XML_TEXT),
        buyer_part_id=None if plain else draw(st.none() | XML_TEXT),
        unit_price=Money(
            amount=draw(st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)),
            currency=draw(st.sampled_from(["EUR", "USD", "SEK"])),
        ),
        unit_of_measure=draw(st.sampled_from(["EA", "C62", ""])),
        description=draw(XML_TEXT),
        description_lang=draw(st.sampled_from(["en", "de-DE", "fr"])),
        short_name="" if plain else draw(st.sampled_from(["", "Short"])),
        classifications=tuple(
            Classification(domain=domain, value=value)
            for domain, value in draw(
                st.lists(
                    st.tuples(st.sampled_from(["UNSPSC", "eCl@ss", ""]), st.from_regex(r"\A[0-9]{8}\Z")),
                    min_size=1 if plain else 0,
                    max_size=1 if plain else 2,
                )
            )
        ),
        lead_time=None if plain else draw(st.none() | st.integers(min_value=0, max_value=999)),
        extrinsics={} if plain else draw(st.dictionaries(st.sampled_from(["a", "b"]), XML_TEXT, max_size=2)),
        line_number=draw(st.none() | st.integers(min_value=0, max_value=10**6)) if number % 2 else number,
    )


@st.composite
def generated_carts(draw: st.DrawFn) -> bytes:
    count = draw(st.integers(min_value=1, max_value=12))
    credential = Credential(domain="DUNS", identity="shop")
    message = PunchOutOrderMessage(
        header=Header(from_=credential, to=credential, sender=credential),
        buyer_cookie="cookie",
        total=Money(amount=Decimal("1.00"), currency="EUR"),  # the lines may mix currencies
        items=tuple(draw(cart_lines(number)) for number in range(1, count + 1)),
    )
    return build_punchout_order_message(message)


@settings(max_examples=150, deadline=None)
@given(generated_carts())
def test_generated_carts_read_the_same_on_both_paths(data: bytes):
    assert_same(data)


# ------------------------------------------------------------------------ plain lines cut out before the parse

# How many lines `parse_punchout_order_cart` cuts out of the text in each of the cases above (0: the whole document
# is parsed): an encoding other than UTF-8, XML 1.1, an internal subset, a comment, CDATA section or processing
# instruction that holds "<ItemIn", an ItemIn elsewhere than among the message's lines send it to the whole parse.
CUT_LINES = {
    "indented": 6,
    "windows line ends": 6,
    "a carriage return between elements": 3,
    "escaped text": 3,
    "an escape outside the lines": 3,
    "escaped attribute": 3,
    "character reference digits": 2,
    "carriage return in text": 3,
    "non-ASCII": 3,
    "a byte order mark": 3,
    "UTF-16": 0,
    "ISO-8859-1": 0,
    "lower-case utf-8": 3,
    "XML 1.1": 0,
    "tab and newline in attribute": 2,
    "a newline in a text": 3,
    "single quotes": 2,
    "a space before the end of a tag": 2,
    "attribute defaults in the DOCTYPE's internal subset: the tree has them, neither text does": 0,
    "an internal subset": 0,
    "text between elements": 2,
    "attributes the other way round": 2,
    "another attribute": 2,
    "a nested ItemIn": 0,
    "an ItemInfo element": 0,
    "a CDATA section": 0,
    "a comment": 0,
    "a comment outside the lines": 0,
    "a processing instruction": 0,
    "an entity reference the tree keeps (the document names an external DTD)": 2,
    "a default namespace": 0,
    "a long line number": 3,
    "a longer line number": 2,
    "no line numbers": 3,
    "one line number": 3,
}


@pytest.mark.parametrize(("name", "data"), [case[:2] for case in SERIALIZATION_CASES], ids=CUT_LINES)
def test_lines_are_cut_out_only_where_the_skeleton_fits(name: str, data: bytes):
    assert_same_cart(data)
    assert cut_count(data) == CUT_LINES[name]


def test_a_plain_cart_is_read_from_a_skeleton_without_its_lines():
    data = plain_cart(40)
    lines = cut_plain_lines(data, DEFAULT_MAX_BYTES)
    assert lines is not None
    assert lines.cut == 40
    assert lines.skeleton.count(b"<ItemIn/>") == 40
    assert b"PART-" not in lines.skeleton
    assert len(lines.skeleton) < len(data) / 4
    assert cut_count(data) == 40
    assert parse_punchout_order_cart(data).rows == general_rows(data)
    assert_same(data)


THREE = THREE_LINES.decode()
FIRST_LINE = re.search(r"<ItemIn .*?</ItemIn>", THREE).group()
assert _CUT_ITEM_WITHOUT_ESCAPES.fullmatch(FIRST_LINE.encode()) and _CUT_ITEM.fullmatch(FIRST_LINE.encode())
NO_DOCTYPE = re.sub(r"<!DOCTYPE[^>]*>", "", THREE)
NOT_PLAIN_LINE = (
    "<ItemIn quantity='2'><ItemID><SupplierPartID>X</SupplierPartID></ItemID><ItemDetail><UnitPrice>"
    "<Money currency='EUR'>1</Money></UnitPrice><Description xml:lang='en'>x</Description>"
    "<UnitOfMeasure>EA</UnitOfMeasure><Classification domain='UNSPSC'>1</Classification><LeadTime>3</LeadTime>"
    "</ItemDetail></ItemIn>"
)
HUGE = 10_000_001  # more than libxml2 takes in a text or a start tag without XML_PARSE_HUGE


def edited(text: str, *edits: tuple[str, str]) -> bytes:
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    return text.encode()


# Documents built to mislead the cut: each must read as the whole document does (the same cart or the same
# refusal, its position included), and cut the lines given (0: the whole document parsed).
ADVERSARIAL_CASES: list[tuple[str, bytes, int]] = [
    ("a line in a comment between lines", edited(THREE, ("</ItemIn>", f"</ItemIn><!-- {FIRST_LINE} -->")), 0),
    ("a line in a comment outside the lines", edited(THREE, ("<BuyerCookie>", f"<!--{FIRST_LINE}--><BuyerCookie>")), 0),
    (
        "a line in a comment and an empty ItemIn: as many ItemIn elements as lines cut",
        edited(THREE, ("</ItemIn>", f"</ItemIn><!-- {FIRST_LINE} -->"), ("<BuyerCookie>", "<ItemIn/><BuyerCookie>")),
        0,
    ),
    ("a line in a CDATA section", edited(THREE, (">c</BuyerCookie>", f">c<![CDATA[{FIRST_LINE}]]></BuyerCookie>")), 0),
    ("a line in a processing instruction", edited(THREE, ("</ItemIn>", f"</ItemIn><?pi {FIRST_LINE}?>")), 0),
    ("a line in an attribute value", edited(THREE, ("<Message ", f"<Message x='{FIRST_LINE}' ")), 0),
    (
        "a line in the DOCTYPE",
        edited(THREE, ('cXML.dtd">', f"cXML.dtd' '{FIRST_LINE}'>".replace("cXML.dtd'", 'cXML.dtd"'))),
        0,
    ),
    ("a line followed by garbage", edited(THREE, ("</ItemIn>", "</ItemIn></Garbage>")), 0),
    ("a line followed by text", edited(THREE, ("</ItemIn>", "</ItemIn>text")), 3),
    ("a line before the root element", edited(THREE, ("<cXML ", f"{FIRST_LINE}<cXML ")), 0),
    ("a line after the root element", edited(THREE, ("</cXML>", f"</cXML>{FIRST_LINE}")), 0),
    ("only the lines well-formed", edited(THREE, ("</PunchOutOrderMessage>", "")), 0),
    ("a start tag left open before the lines", edited(THREE, ("<ItemIn ", "<Open><ItemIn ")), 0),
    ("an ItemIn end tag too many", edited(THREE, ("</ItemIn>", "</ItemIn></ItemIn>")), 0),
    ("a line with \\x01 in its text", edited(THREE, (">Item 1<", ">Item\x01 1<")), 0),
    ("a line with \\x0c in its text", edited(THREE, (">Item 1<", ">Item\x0c 1<")), 0),
    ("a line with \\x1f in its text", edited(THREE, (">PART-00001<", ">PART\x1f00001<")), 0),
    ("a line with U+FFFE in its text", edited(THREE, (">EA<", ">E\ufffeA<")), 0),
    ("a line with U+FFFF in its text", edited(THREE, (">31161500<", ">3116\uffff1500<")), 0),
    ("a line with \\x01 in an attribute", edited(THREE, ('xml:lang="en"', 'xml:lang="e\x01n"')), 0),
    ("a line with \\x0b between its elements", edited(THREE, ("</ItemID>", "</ItemID>\x0b")), 0),
    ("a line with NUL in its text", edited(THREE, (">Item 1<", ">Item\x00 1<")), 0),
    ("C1 controls, U+2028 and a plane-1 noncharacter", edited(THREE, (">Item 1<", ">\x85\x9f\u2028\U0001fffe<")), 3),
    ("a reference to no character", edited(THREE, (">Item 1<", ">Item &#1; 1<")), 0),
    ("a reference to NUL", edited(THREE, (">Item 1<", ">&#0;<")), 0),
    ("a reference to U+FFFE", edited(THREE, (">Item 1<", ">&#xFFFE;<")), 0),
    ("a reference to a surrogate", edited(THREE, (">Item 1<", ">&#xD800;<")), 0),
    ("a reference beyond Unicode", edited(THREE, (">Item 1<", ">&#x110000;<")), 0),
    ("an upper-case X reference", edited(THREE, (">Item 1<", ">&#X41;<")), 0),
    ("a reference to a carriage return", edited(THREE, (">Item 1<", ">Item&#13;&#xD;1<")), 3),
    ("a reference to a tab in an attribute", edited(THREE, ('xml:lang="en"', 'xml:lang="&#9;en&#10;"')), 3),
    (
        "every predefined entity and references",
        edited(THREE, (">Item 1<", ">&amp;&lt;&gt;&quot;&apos; &#x20AC;&#8364;&#00065;&#x0041;&#x10FFFF;<")),
        3,
    ),
    ("predefined entities in attributes", edited(THREE, ('domain="UNSPSC"', 'domain="&lt;&amp;&quot;&gt;"')), 3),
    ("a reference of many digits", edited(THREE, (">Item 1<", ">&#000000000065;<")), 2),
    ("an entity not declared", NO_DOCTYPE.replace(">Item 1<", ">Item &x; 1<").encode(), 0),
    ("an entity not declared in an attribute", NO_DOCTYPE.replace('xml:lang="en"', 'xml:lang="&x;"').encode(), 0),
    ("a bare ampersand", edited(THREE, (">Item 1<", ">Nuts & bolts<")), 0),
    ("]]> in a text", edited(THREE, (">Item 1<", ">Item ]]> 1<")), 0),
    ("]]> in the text outside the lines", edited(THREE, (">c</BuyerCookie>", ">c]]></BuyerCookie>")), 0),
    ("]] and ]> in a text", edited(THREE, (">Item 1<", ">Item ]] ]> 1<")), 3),
    ("]]> escaped in a text", edited(THREE, (">Item 1<", ">Item ]]&gt; 1<")), 3),
    ("]]> in an attribute", edited(THREE, ('xml:lang="en"', 'xml:lang="e]]>n"')), 3),
    ("a CDATA section elsewhere, ]]> in none of the lines", edited(THREE, (">c<", "><![CDATA[c]]><")), 3),
    (
        "a line in the message header",
        edited(THREE, ("</PunchOutOrderMessageHeader>", f"{FIRST_LINE}</PunchOutOrderMessageHeader>")),
        0,
    ),
    (
        "a line in the Message, after the cart",
        edited(THREE, ("</PunchOutOrderMessage>", f"</PunchOutOrderMessage>{FIRST_LINE}")),
        0,
    ),
    (
        "a line in the Message, before the cart",
        edited(THREE, ("<PunchOutOrderMessage>", f"{FIRST_LINE}<PunchOutOrderMessage>")),
        0,
    ),
    ("a line in the root", edited(THREE, ("</cXML>", f"{FIRST_LINE}</cXML>")), 0),
    (
        "a line in another line's extrinsic",
        edited(THREE, ("</ItemDetail>", f"<Extrinsic name='x'>{FIRST_LINE}</Extrinsic></ItemDetail>")),
        0,
    ),
    ("a line in another line's description", edited(THREE, (">Item 1<", f">Item {FIRST_LINE} 1<")), 0),
    (
        "two carts in one message",
        edited(
            THREE,
            (
                "</Message>",
                f"</Message><Message><PunchOutOrderMessage><BuyerCookie>d</BuyerCookie>{FIRST_LINE}</PunchOutOrderMessage></Message>",
            ),
        ),
        0,
    ),
    (
        "two carts in the message",
        edited(
            THREE,
            (
                "</PunchOutOrderMessage>",
                f"</PunchOutOrderMessage><PunchOutOrderMessage>{FIRST_LINE}</PunchOutOrderMessage>",
            ),
        ),
        0,
    ),
    ("a real empty ItemIn among the lines", edited(THREE, ("</ItemIn>", "</ItemIn><ItemIn/>")), 3),
    (
        "a line that is not plain among them",
        edited(THREE, ("</ItemIn>", f"</ItemIn>{NOT_PLAIN_LINE}")),
        3,
    ),
    (
        "a line refused among plain ones",
        edited(
            THREE,
            (
                "</ItemIn>",
                "</ItemIn><ItemIn quantity='-1'><ItemID><SupplierPartID>X</SupplierPartID></ItemID></ItemIn>",
            ),
        ),
        3,
    ),
    ("a byte order mark", b"\xef\xbb\xbf" + THREE_LINES, 3),
    ("two byte order marks", b"\xef\xbb\xbf\xef\xbb\xbf" + THREE_LINES, 0),
    ("no XML declaration", THREE[THREE.index("?>") + 2 :].lstrip().encode(), 3),
    (
        "ISO-8859-1 declared, ASCII only",
        declared(THREE_LINES, "<?xml version='1.0' encoding='ISO-8859-1'?>", "latin-1"),
        0,
    ),
    ("invalid UTF-8 in a line", THREE_LINES.replace(b">Item 1<", b">Item \xff 1<"), 0),
    ("an overlong UTF-8 sequence in a line", THREE_LINES.replace(b">Item 1<", b">Item \xc0\xbc 1<"), 0),
    ("a UTF-8 surrogate in a line", THREE_LINES.replace(b">Item 1<", b">Item \xed\xa0\x80 1<"), 0),
    (
        "a default namespace on the cart",
        edited(THREE, ("<PunchOutOrderMessage>", "<PunchOutOrderMessage xmlns='urn:x'>")),
        0,
    ),
    ("a prefixed ItemIn", edited(THREE, ("<BuyerCookie>", "<x:ItemIn xmlns:x='urn:x'/><BuyerCookie>")), 3),
    (
        "a shared secret in the header",
        edited(
            THREE,
            (
                "</Identity></Credential><UserAgent>",
                "</Identity><SharedSecret>s</SharedSecret></Credential><UserAgent>",
            ),
        ),
        3,
    ),
    ("no BuyerCookie", edited(THREE, ("<BuyerCookie>c</BuyerCookie>", "")), 3),
    (
        "a total that is not a number",
        edited(THREE, ('<Total><Money currency="EUR">', '<Total><Money currency="EUR">x')),
        3,
    ),
    ("a long attribute", edited(THREE, ('xml:lang="en"', f'xml:lang="{"e" * 2_000_000}"')), 3),
    ("a huge attribute", edited(THREE, ('xml:lang="en"', f'xml:lang="{"e" * HUGE}"')), 0),
    ("a huge text", edited(THREE, (">Item 1<", f">{'i' * HUGE}<")), 0),
    (
        "a long text in a long document",
        edited(THREE, (">Item 1<", f">{'i' * 1_000_001}<"), (">Item 2<", f">{'i' * 8_000_000}<")),
        0,
    ),
]


@pytest.mark.parametrize(("name", "data", "cut"), ADVERSARIAL_CASES, ids=[case[0] for case in ADVERSARIAL_CASES])
def test_a_document_built_to_mislead_the_cut_reads_as_the_whole_document(name: str, data: bytes, cut: int):
    assert_same_cart(data)
    assert cut_count(data) == cut


def test_a_line_that_is_not_well_formed_is_left_in_the_skeleton():
    """A line with a character XML does not allow is not cut: the skeleton keeps it and is refused, and the whole
    document is refused where it breaks."""
    data = edited(THREE, (">Item 1<", ">Item\x01 1<"))
    lines = cut_plain_lines(data, DEFAULT_MAX_BYTES)
    assert lines is not None
    assert lines.cut == 2
    assert b"\x01" in lines.skeleton
    refused = cart_outcome(lambda: parse_punchout_order_cart(data))
    assert refused == general_cart(data)
    assert refused[:2] == ("refused", MalformedDocument)  # type: ignore[index]


# An ItemIn with something in it where a cut line's placeholder is (comments and processing instructions are not
# in the safe parser's tree).
NOT_EMPTY = [b"<ItemIn a='1'/>", b"<ItemIn>x</ItemIn>", b"<ItemIn> </ItemIn>", b"<ItemIn><x/></ItemIn>"]


@pytest.mark.parametrize("placeholder", NOT_EMPTY)
@pytest.mark.parametrize("position", [0, 2])
def test_a_skeleton_fits_only_with_its_placeholders_empty(placeholder: bytes, position: int):
    """The skeleton's rows are taken only when each cut line's ItemIn is empty: no attribute, text, child or other
    node (`CutLines.fits`, whether every line or only some were cut)."""
    for data in (THREE_LINES, edited(THREE, ("</ItemIn>", f"</ItemIn>{NOT_PLAIN_LINE}"))):
        lines = cut_plain_lines(data, DEFAULT_MAX_BYTES)
        assert lines is not None
        assert lines.cut == 3
        root, body, _ = parse_expected(lines.skeleton, DEFAULT_MAX_BYTES, "PunchOutOrderMessage")
        assert lines.fits(root, body)
        pieces = lines.skeleton.split(b"<ItemIn/>")
        skeleton = b"<ItemIn/>".join(pieces[: position + 1]) + placeholder + b"<ItemIn/>".join(pieces[position + 1 :])
        tampered = CutLines(skeleton, lines.rows, lines.cut)
        root, body, _ = parse_expected(tampered.skeleton, DEFAULT_MAX_BYTES, "PunchOutOrderMessage")
        assert not tampered.fits(root, body)


def test_the_skeleton_is_parsed_with_the_safe_parsers_limits():
    """The size limit is the document's, not the skeleton's; an entity declaration is refused as before."""
    data = plain_cart(20)
    limit = len(data) - 1
    assert cut_plain_lines(data, limit) is None
    with pytest.raises(CXMLError) as refused:
        parse_punchout_order_cart(data, max_bytes=limit)
    assert refused.value.status_code == 413
    bomb = data.replace(b'cXML.dtd">', b'cXML.dtd" [<!ENTITY a "aaaa">]>')
    assert cut_plain_lines(bomb, DEFAULT_MAX_BYTES) is None
    assert cart_outcome(lambda: parse_punchout_order_cart(bomb)) == general_cart(bomb)


# Fragments that change what a document means to an XML parser, inserted anywhere in a cart.
FRAGMENTS = [
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "<?pi ",
    "?>",
    "\x01",
    "\x0c",
    "\ufffe",
    "\r",
    "\r\n",
    "\t",
    "\x85",
    "&amp;",
    "&#1;",
    "&#x20AC;",
    "&x;",
    "&",
    "<",
    ">",
    "'",
    '"',
    "<ItemIn/>",
    "</ItemIn>",
    "<ItemIn",
    FIRST_LINE,
    f"<!-- {FIRST_LINE} -->",
    f"<![CDATA[{FIRST_LINE}]]>",
    "<Extrinsic name='x'>",
    "</Extrinsic>",
    " xmlns='urn:x'",
    " a='1'",
    "é",
]


@st.composite
def tampered_carts(draw: st.DrawFn) -> bytes:
    text = draw(generated_carts()).decode()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        position = draw(st.integers(min_value=0, max_value=len(text)))
        if draw(st.booleans()):
            text = text[:position] + draw(st.sampled_from(FRAGMENTS)) + text[position:]
        else:
            text = text[:position] + text[position + draw(st.integers(min_value=1, max_value=12)) :]
    return text.encode()


@settings(max_examples=300, deadline=None)
@given(tampered_carts())
def test_a_tampered_cart_reads_as_the_whole_document(data: bytes):
    assert_same_cart(data)


@settings(max_examples=150, deadline=None)
@given(generated_carts())
def test_a_generated_cart_has_its_plain_lines_cut(data: bytes):
    _, body, _ = parse_expected(data, DEFAULT_MAX_BYTES, "PunchOutOrderMessage")
    plain = sum(_plain_item_row(element) is not None for element in body.iterchildren("ItemIn"))
    assert cut_count(data) == plain
    assert_same_cart(data)
