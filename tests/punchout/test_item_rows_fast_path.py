"""The cart reader's fast paths for plain lines (`read_item_rows`: plain lines read from the document's own text or
from the tree's serialization, else from their elements) give exactly what the general reader (`read_item_row` on
each ItemIn) gives: the same rows, value for value and type for type, or the same error."""

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
    Money,
    PunchOutOrderMessage,
    build_punchout_order_message,
    extract_cxml_from_form,
    parse_punchout_order_cart,
)
from punchout.cxml.cart_rows import (
    _SOURCE_ITEM,
    _SOURCE_ITEM_WITHOUT_ESCAPES,
    _plain_item_row,
    _plain_rows,
    _raw_text,
    _read_rows,
    _scan,
    read_item_rows,
)
from punchout.cxml.envelope import parse_expected
from punchout.cxml.line_items import read_item_row
from punchout.oci import fields_from_html
from punchout.xmlsafe import has_internal_subset

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


def assert_same(data: bytes) -> object:
    """Both fast paths (plain lines from the document's text or the tree's serialization) and the tree alone (no
    document given) read what the general reader reads."""
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
