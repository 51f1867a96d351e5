"""The one hardened XML parser for every inbound document (cXML, OCI XML variants).

It never resolves entities, never loads a DTD, never touches the network, refuses documents over a
size limit before parsing, and refuses any DOCTYPE internal subset that declares entities (XXE and
entity bombs). libxml2 still expands internal entities inside attribute values even with
`resolve_entities=False`, which is why declarations are refused outright rather than left unresolved.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from lxml import etree

__all__ = [
    "DEFAULT_MAX_BYTES",
    "XmlEntityDeclared",
    "XmlMalformed",
    "XmlSafetyError",
    "XmlTooLarge",
    "has_internal_subset",
    "iterparse_xml",
    "parse_xml",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


class XmlSafetyError(ValueError):
    """An inbound document was refused before or while parsing. `status_code` is the HTTP/cXML code to answer."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class XmlTooLarge(XmlSafetyError):
    status_code = 413


class XmlEntityDeclared(XmlSafetyError):
    pass


class XmlMalformed(XmlSafetyError):
    pass


# Created once: lxml serialises concurrent use of one parser object internally.
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)

_DOCTYPE = b"<!DOCTYPE"
# Inside a DOCTYPE declaration: quoted literals are skipped, '[' opens the internal subset, '>' ends it.
_DOCTYPE_TOKENS = re.compile(rb"\"[^\"]*\"|'[^']*'|\[|>")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


def _ascii_compatible(data: bytes) -> bytes:
    """The bytes to scan for markup: UTF-16/32 documents are transcoded so the scan sees what libxml2 sees."""
    head = data[:4]
    for bom, codec in (
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\xfe\xff", "utf-16-be"),
        (b"\xff\xfe", "utf-16-le"),
    ):
        if head.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace").encode("utf-8")
    if head == b"\x00\x00\x00<":
        return data.decode("utf-32-be", errors="replace").encode("utf-8")
    if head == b"<\x00\x00\x00":
        return data.decode("utf-32-le", errors="replace").encode("utf-8")
    if head[:2] == b"\x00<":
        return data.decode("utf-16-be", errors="replace").encode("utf-8")
    if head[:2] == b"<\x00":
        return data.decode("utf-16-le", errors="replace").encode("utf-8")
    return data


def _internal_subset(data: bytes) -> tuple[bytes, int] | None:
    """Where the document's DOCTYPE opens an internal subset ("[ … ]"): the ASCII-compatible view of the bytes and
    the offset after the "["; None without one."""
    view = _ascii_compatible(data)
    start = view.find(_DOCTYPE)
    if start < 0:
        return None
    for token in _DOCTYPE_TOKENS.finditer(view, start + len(_DOCTYPE)):
        if token.group() == b">":
            return None
        if token.group() == b"[":
            return view, token.end()
    return None


def _declares_entities(data: bytes) -> bool:
    """True when a DOCTYPE with an internal subset is followed by an entity declaration."""
    subset = _internal_subset(data)
    # Conservative: any <!ENTITY after the subset opens counts, even one in a later CDATA section.
    return subset is not None and _ENTITY_DECLARATION.search(subset[0], subset[1]) is not None


def has_internal_subset(data: bytes) -> bool:
    """True when the document's DOCTYPE has an internal subset ("[ … ]"): its declarations may give the tree
    what the text does not show (libxml2 adds an ATTLIST's default values to the elements even with DTDs off)."""
    return _internal_subset(data) is not None


def _syntax_error(error: etree.XMLSyntaxError) -> str:
    """What is wrong and where, without quoting the document.

    libxml2's own messages quote names and values from the document ("Entity 'x' not defined",
    "Specification mandates value for attribute x"), which can be part of a shared secret; the error
    code's name and the position say enough to find the fault.
    """
    name = etree.ErrorTypes._getName(error.code) or ""
    what = re.sub(r"^(?:XML_)?(?:[A-Z]+_)?ERR_", "", name).replace("_", " ").lower() or "syntax error"
    line, column = error.position
    return f"{what}, line {line}, column {column}"


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse untrusted XML bytes and return the root element, or raise an `XmlSafetyError`.

    Accepts documents with or without DOCTYPE, with a byte order mark, and in any encoding their XML
    declaration names (UTF-8, ISO-8859-1, UTF-16 …). Comments and processing instructions are dropped.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"parse_xml takes bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise XmlTooLarge(f"the document is {len(data)} bytes; the limit is {max_bytes} bytes")
    if not data.strip():
        raise XmlMalformed("the document is empty")
    if _declares_entities(data):
        raise XmlEntityDeclared("entities are not allowed: the document's DOCTYPE declares an entity")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        raise XmlMalformed(f"the document is not well-formed XML: {_syntax_error(error)}") from None
    if root is None:
        raise XmlMalformed("the document has no root element")
    # Belt and braces for encodings the byte scan could not read.
    internal = root.getroottree().docinfo.internalDTD
    if internal is not None and any(True for _ in internal.iterentities()):
        raise XmlEntityDeclared("entities are not allowed: the document's DOCTYPE declares an entity")
    return root


def iterparse_xml(
    data: bytes, *, tag: str | tuple[str, ...] | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[etree._Element]:
    """The elements of untrusted XML bytes as each one ends (`tag`: only these, Clark names), with the parser's
    guards (no entities, no DTD, no network, the size limit, the entity-declaration refusal).

    For documents too large to hold as one tree (a 100,000-item catalog): the caller clears each element once read.
    Refusals are the `XmlSafetyError`s of `parse_xml`, raised before the first element or where the syntax breaks.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"iterparse_xml takes bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise XmlTooLarge(f"the document is {len(data)} bytes; the limit is {max_bytes} bytes")
    if not data.strip():
        raise XmlMalformed("the document is empty")
    if _declares_entities(data):
        raise XmlEntityDeclared("entities are not allowed: the document's DOCTYPE declares an entity")
    events = etree.iterparse(
        io.BytesIO(data),
        events=("end",),
        tag=tag,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        for _event, element in events:
            yield element
    except etree.XMLSyntaxError as error:
        raise XmlMalformed(f"the document is not well-formed XML: {_syntax_error(error)}") from None
