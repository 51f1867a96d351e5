"""Hostile XML never reads a file, never fetches a URL, never blows up memory: it is refused with a Status."""

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from lxml import etree

from punchout import xmlsafe
from punchout.cxml import (
    CXMLError,
    DocumentTooLarge,
    EntityNotAllowed,
    error_response,
    parse_document,
    parse_punchout_order_message,
    parse_punchout_setup_request,
    parse_response,
)
from punchout.xmlsafe import XmlEntityDeclared, XmlMalformed, XmlTooLarge, parse_xml

from .support import dtd_errors

PASSWD = Path("/etc/passwd")
PASSWD_HEAD = PASSWD.read_text().splitlines()[0] if PASSWD.exists() else "root:x:0:0"

SETUP_BODY = (
    "<Header><From><Credential domain='DUNS'><Identity>1</Identity></Credential></From>"
    "<To><Credential domain='DUNS'><Identity>2</Identity></Credential></To>"
    "<Sender><Credential domain='DUNS'><Identity>1</Identity></Credential><UserAgent>x</UserAgent></Sender>"
    "</Header><Request><PunchOutSetupRequest operation='create'><BuyerCookie>{cookie}</BuyerCookie>"
    "</PunchOutSetupRequest></Request>"
)


def cxml_with_subset(subset: str, cookie: str) -> bytes:
    body = SETUP_BODY.format(cookie=cookie)
    prolog = f'<?xml version="1.0"?>\n<!DOCTYPE cXML [{subset}]>\n'
    return f'{prolog}<cXML payloadID="p" timestamp="t">{body}</cXML>'.encode()


SENTINEL = b"sentinel: the last connection of the test"


@contextmanager
def listening_server() -> Iterator[tuple[int, list[bytes]]]:
    """A loopback TCP server that records every connection made to it.

    On leaving, the test connects once itself and waits until that connection is accepted: connections are
    accepted in the order they were made, so any (wrong) fetch made during the test is recorded by then.
    """
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.05)
    hits: list[bytes] = []
    sentinel_seen = threading.Event()

    def accept() -> None:
        while not sentinel_seen.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.settimeout(5)
            try:
                received = connection.recv(1024)
            except OSError:
                received = b""
            connection.close()
            if received == SENTINEL:
                sentinel_seen.set()
            else:
                hits.append(received)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = server.getsockname()[1]
    try:
        yield port, hits
    finally:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as last:
            last.sendall(SENTINEL)
        arrived = sentinel_seen.wait(timeout=10)
        thread.join(timeout=10)
        server.close()
    assert arrived, "the test's own last connection never reached the server"


def assert_refused(data: bytes, status_code: int) -> CXMLError:
    with pytest.raises(CXMLError) as caught:
        parse_document(data)
    assert caught.value.status_code == status_code
    assert PASSWD_HEAD not in caught.value.message
    answer = error_response(caught.value)
    assert dtd_errors(answer) == []
    assert parse_response(answer).status.code == status_code
    return caught.value


def test_a_file_entity_is_refused_and_the_file_is_never_read():
    # given a setup request whose BuyerCookie is an external entity pointing at /etc/passwd
    data = cxml_with_subset('<!ENTITY x SYSTEM "file:///etc/passwd">', "&x;")

    # when it is parsed, then it is refused as a 400 that names entities
    error = assert_refused(data, 400)
    assert isinstance(error, EntityNotAllowed)
    assert "entities are not allowed" in error.message


def test_the_parser_configuration_alone_would_not_read_the_file_either():
    # given the same document, fed past the entity check straight into the hardened lxml parser
    data = cxml_with_subset('<!ENTITY x SYSTEM "file:///etc/passwd">', "&x;")

    # when parsed, then the entity stays an unresolved reference: nothing of the file appears
    root = etree.fromstring(data, xmlsafe._PARSER)
    assert PASSWD_HEAD not in etree.tostring(root).decode()


def test_a_network_entity_is_refused_and_nothing_is_fetched():
    # libxml2 2.14 has no HTTP client at all; the server still catches a build that has one.
    with listening_server() as (port, hits):
        data = cxml_with_subset(f'<!ENTITY x SYSTEM "http://127.0.0.1:{port}/x">', "&x;")
        assert_refused(data, 400)
        with pytest.raises(XmlEntityDeclared):
            parse_xml(data)
        # even the raw parser under the check never connects
        etree.fromstring(data, xmlsafe._PARSER)
    assert hits == []


def test_the_well_known_discard_port_entity_from_the_brief_is_refused():
    data = cxml_with_subset('<!ENTITY x SYSTEM "http://127.0.0.1:9/x">', "&x;")
    assert isinstance(assert_refused(data, 400), EntityNotAllowed)


def test_an_external_dtd_is_never_loaded():
    # given an otherwise harmless document whose DOCTYPE names a DTD on a server we watch
    with listening_server() as (port, hits):
        body = SETUP_BODY.format(cookie="c1")
        data = (
            f'<?xml version="1.0"?><!DOCTYPE cXML SYSTEM "http://127.0.0.1:{port}/cXML.dtd">'
            f'<cXML payloadID="p" timestamp="t">{body}</cXML>'
        ).encode()
        # when parsed, then it is read without the DTD being fetched
        assert parse_punchout_setup_request(data).buyer_cookie == "c1"
    assert hits == []


def test_a_billion_laughs_bomb_is_refused_unexpanded():
    laughs = ['<!ENTITY lol "lol">']
    for level in range(1, 10):
        laughs.append(f'<!ENTITY lol{level} "{("&lol" + (str(level - 1) if level > 1 else "") + ";") * 10}">')
    data = cxml_with_subset("".join(laughs), "&lol9;")

    # when parsed, then it is refused before any parser sees it, as a 400 that names entities
    error = assert_refused(data, 400)
    assert isinstance(error, EntityNotAllowed)
    assert error.message == "entities are not allowed: the document's DOCTYPE declares an entity"
    # and even the hardened parser under the check builds no expanded tree: it stops at the amplification limit
    with pytest.raises(etree.XMLSyntaxError, match="amplification"):
        etree.fromstring(data, xmlsafe._PARSER)


def test_a_bomb_in_an_attribute_is_refused():
    # libxml2 expands internal entities in attribute values even with resolve_entities=False
    data = (
        b'<?xml version="1.0"?><!DOCTYPE cXML [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        b'<cXML payloadID="&b;" timestamp="t"/>'
    )
    with pytest.raises(XmlEntityDeclared):
        parse_xml(data)


def test_a_parameter_entity_is_refused():
    data = cxml_with_subset('<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;', "c")
    assert isinstance(assert_refused(data, 400), EntityNotAllowed)


def test_an_entity_in_a_utf16_document_is_refused():
    text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY x SYSTEM "file:///etc/passwd">]><x>&x;</x>'
    with pytest.raises(XmlEntityDeclared):
        parse_xml(text.encode("utf-16"))


def test_a_50_megabyte_body_is_refused_before_parsing():
    # given a 50 MB body
    data = b"<cXML>" + b" " * (50 * 1024 * 1024) + b"</cXML>"

    # when parsed, then it is refused as too large with a 413 Status
    with pytest.raises(XmlTooLarge) as caught:
        parse_xml(data)
    assert caught.value.status_code == 413
    error = assert_refused(data, 413)
    assert isinstance(error, DocumentTooLarge)
    assert "limit" in error.message


def test_the_size_limit_can_be_lowered_per_call():
    with pytest.raises(DocumentTooLarge):
        parse_punchout_order_message(b"<cXML/>" + b" " * 2000, max_bytes=1000)


def test_xinclude_is_not_processed():
    data = b'<x xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/></x>'
    root = parse_xml(data)
    assert PASSWD_HEAD not in etree.tostring(root).decode()


@pytest.mark.parametrize(
    "data",
    [b"", b"   ", b"not xml", b"<cXML>", b"<?xml version='1.0'?>", b"\x00\x01\x02", b"<a></b>"],
    ids=["empty", "blank", "text", "unclosed", "declaration-only", "binary", "mismatched"],
)
def test_unparsable_bodies_are_a_400_never_a_crash(data: bytes):
    with pytest.raises(XmlMalformed):
        parse_xml(data)
    assert_refused(data, 400)


def test_parse_xml_takes_bytes_only():
    with pytest.raises(TypeError):
        parse_xml("<cXML/>")


# ------------------------------------------------------------------ error messages never quote a secret

SECRET = "Zq7Wv9Kp2X"
SECRET_PIECES = {SECRET[start : start + 4] for start in range(len(SECRET) - 3)}


def secret_documents() -> Iterator[tuple[str, bytes]]:
    """Every sample that carries a SharedSecret, with SECRET as its secret."""
    from .support import CXML_SAMPLES

    for path in sorted(CXML_SAMPLES.glob("*.xml")):
        data = path.read_bytes()
        if b"<SharedSecret>" in data:
            start = data.index(b"<SharedSecret>") + len(b"<SharedSecret>")
            yield path.name, data[:start] + SECRET.encode() + data[data.index(b"</SharedSecret>", start) :]


def test_no_malformed_secret_is_quoted_in_an_error_message():
    # Given every sample with a secret, broken in and around its SharedSecret in the ways sloppy senders break
    # it (a character XML needs escaped, a lost '>', a cut), e.g. "<SharedSecret Zq7…" once quoted as an
    # attribute name
    quoted = []
    for name, data in secret_documents():
        start = data.index(SECRET.encode())
        for at in range(start - 3, start + len(SECRET) + 3):
            for insert in (b" ", b"&", b"<", b":", b"\xff"):
                for broken in (data[:at] + insert + data[at:], data[:at] + insert + data[at + 1 :], data[:at]):
                    # When it is read
                    try:
                        parse_document(broken)
                    except CXMLError as error:
                        # Then no refusal quotes any four characters of the secret
                        if any(piece in error.message for piece in SECRET_PIECES):
                            quoted.append((name, at, insert, error.message))
    assert quoted == []
