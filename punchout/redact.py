"""Credentials out of every protocol document we keep or log: cXML and OCI, ours and theirs. No Django here.

A stored or logged document keeps its shape (so a clerk or an integrator can still read it) but every
credential value is replaced by `MASK`:

- cXML: the content of `SharedSecret`, `CredentialMac` and `DigitalSignature` elements, wherever they
  are and whatever their letter case or namespace prefix; the text is handled as text, so a truncated or
  malformed document is redacted too.
- OCI and HTTP forms: the values of `PASSWORD` (and `~PASSWORD`, `PASS`, `PWD`) fields, in a query
  string or an urlencoded body, and the user-info part of URLs.
"""

import re

__all__ = ["MASK", "redact_cxml", "redact_form_fields", "redact_text", "redact_url"]

MASK = "********"

_SECRET_ELEMENTS = ("SharedSecret", "CredentialMac", "DigitalSignature")
# <SharedSecret ...>anything</SharedSecret>, with an optional namespace prefix, across lines.
_ELEMENT = re.compile(
    r"(<(?:[\w.-]+:)?(" + "|".join(_SECRET_ELEMENTS) + r")\b[^>]*>)(.*?)(</(?:[\w.-]+:)?\2\s*>)",
    re.IGNORECASE | re.DOTALL,
)
# An opening tag whose value was not masked above (truncated or malformed document): mask its text.
_UNCLOSED = re.compile(
    r"(<(?:[\w.-]+:)?(?:" + "|".join(_SECRET_ELEMENTS) + r")\b[^>]*(?<!/)>)(?!\*{8}<)([^<]+)", re.IGNORECASE
)
# Encoded forms too: &lt;SharedSecret&gt;…&lt;/SharedSecret&gt; as it appears inside another document.
_ESCAPED = re.compile(
    r"(&lt;(?:[\w.-]+:)?(" + "|".join(_SECRET_ELEMENTS) + r")\b.*?&gt;)(.*?)(&lt;/(?:[\w.-]+:)?\2\s*&gt;)",
    re.IGNORECASE | re.DOTALL,
)
_PASSWORD_NAMES = ("PASSWORD", "~PASSWORD", "PASS", "PWD")
_FORM_FIELD = re.compile(
    r"((?:^|[?&\s;])(?:" + "|".join(re.escape(n) for n in _PASSWORD_NAMES) + r")=)([^&\s]*)", re.IGNORECASE
)
_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://)([^/?#\s@]*@)", re.IGNORECASE)


def redact_cxml(text: str) -> str:
    """The document with every SharedSecret, CredentialMac and DigitalSignature value masked."""
    text = _ELEMENT.sub(lambda m: m.group(1) + (MASK if m.group(3).strip() else m.group(3)) + m.group(4), text)
    text = _ESCAPED.sub(lambda m: m.group(1) + (MASK if m.group(3).strip() else m.group(3)) + m.group(4), text)
    return _UNCLOSED.sub(lambda m: m.group(1) + MASK, text)


def redact_url(url: str) -> str:
    """A URL without its user-info and with PASSWORD-like query fields masked."""
    return _FORM_FIELD.sub(lambda m: m.group(1) + MASK, _USERINFO.sub(lambda m: m.group(1) + MASK + "@", url))


def redact_form_fields(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Form fields (OCI call-up, NEW_ITEM return) with password values masked."""
    return [(name, MASK if name.strip().upper() in _PASSWORD_NAMES and value else value) for name, value in fields]


def redact_text(text: str) -> str:
    """Anything we may log or store: cXML secrets, password fields and URL user-info masked."""
    return redact_url(redact_cxml(text))
