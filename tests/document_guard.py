"""The exponent-form guard: no number we write may read `1E+2`, `9E+1 %` or `1e-05`.

Every test runs under it. It reads what the product hands to someone else:
- every HTTP response of the test client and the live server (pages, API JSON, cXML, OCI forms, CSV),
  through `ExponentGuardMiddleware` (installed by procurement.settings.test);
- every XML document the product serialises (OrderRequest, PunchOutOrderMessage, Status answers …), wherever
  it is sent (documents a test writes itself as input are its own business);
- every e-mail in the test outbox.
A finding fails the test that produced it, naming where the number was written. An error message may quote
what a sender wrote ("QUANTITY '1E+26' is too large"): a number in single quotes is their text, not ours.
"""

import re
import sys
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

# A number in exponent form standing on its own: not part of a word, a base64 token or a longer number.
EXPONENT = re.compile(r"(?<![\w.+/=])(?<!\w-)[0-9]+(?:\.[0-9]+)?[eE][+-][0-9]+(?![\w+/=])")
_TEXT_TYPES = ("application/json", "application/xml", "text/")
# Prometheus' text exposition (/metrics) is read by Prometheus, whose format writes floats as Go does (4.6e+08).
_PROMETHEUS_TYPE = "text/plain; version=0.0.4"

findings: list[str] = []
scanned: list[str] = []  # where each scanned text came from, for tests that walk the product


_QUOTES = ("'", "&#x27;", "&#39;", "&apos;")


def _quoted(text: str, start: int, end: int) -> bool:
    """An error message quoting what the sender wrote ("QUANTITY '1E+26' is too large") repeats their text."""
    return any(text.endswith(quote, 0, start) and text.startswith(quote, end) for quote in _QUOTES)


def scan(text: str, where: str) -> None:
    scanned.append(where)
    for match in EXPONENT.finditer(text):
        if _quoted(text, match.start(), match.end()):
            continue
        start, end = max(match.start() - 60, 0), match.end() + 60
        findings.append(f"{where}: {match.group()!r} in …{text[start:end]}…")


def take() -> list[str]:
    found = list(findings)
    findings.clear()
    scanned.clear()
    return found


class ExponentGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if content_type.startswith(_TEXT_TYPES) and not content_type.startswith(_PROMETHEUS_TYPE):
            if getattr(response, "streaming", False):
                # A streamed text (a CSV export) is read whole here and handed on as it was.
                body = b"".join(response.streaming_content)
                response.streaming_content = [body]
            else:
                body = response.content
            scan(body.decode("utf-8", "replace"), f"{request.method} {request.path} answered")
        return response


def guard_xml() -> Callable[[], None]:
    """Scan every document lxml serialises; returns the function that undoes it."""
    from lxml import etree

    original = etree.tostring

    def tostring(*args: Any, **kwargs: Any) -> Any:
        written = original(*args, **kwargs)
        if sys._getframe(1).f_globals.get("__name__", "").startswith("tests."):
            return written  # a test writing the input it sends (a fuzz mutant, say), not the product
        text = written.decode("utf-8", "replace") if isinstance(written, bytes) else str(written)
        scan(text, "an XML document written")
        return written

    etree.tostring = tostring

    def undo() -> None:
        etree.tostring = original

    return undo
