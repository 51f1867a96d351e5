"""Shared by the punchout protocol tests: where the fixtures are, and the cXML DTD check."""

from functools import cache
from pathlib import Path

from lxml import etree

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CXML_SAMPLES = FIXTURES / "cxml" / "samples"
OCI_SAMPLES = FIXTURES / "oci" / "samples"
CXML_DTD = FIXTURES / "cxml" / "dtd" / "1.2.069" / "cXML.dtd"


@cache
def _dtd() -> etree.DTD:
    return etree.DTD(str(CXML_DTD))


def dtd_errors(document: bytes) -> list[str]:
    """What the official cXML 1.2.069 DTD finds wrong with a document we built (empty when valid)."""
    dtd = _dtd()
    # Our own output, parsed without the network; the DTD comes from the fixtures on disk.
    root = etree.fromstring(document, etree.XMLParser(no_network=True, resolve_entities=False))
    if dtd.validate(root):
        return []
    return [str(error) for error in dtd.error_log.filter_from_errors()]


def sample(name: str) -> bytes:
    return (CXML_SAMPLES / name).read_bytes()
