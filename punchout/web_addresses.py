"""Web addresses we hand to a browser or call ourselves, read the way a browser reads them (WHATWG URL standard).

Python's `urlsplit` and a browser can disagree about the host of the same text: `http://evil.example\\@127.0.0.1/`
is 127.0.0.1 to Python and evil.example to a browser. So every URL that crosses a trust boundary (an ERP's
HOOK_URL or BrowserFormPost, a supplier's StartPage, a connection's URL) is parsed here with ada, a WHATWG
parser, and refused when it has anything a browser would read differently from a person: user-info,
backslashes, control characters or whitespace, or a scheme other than http and https. Hosts are compared
after WHATWG host parsing: lower case, IDNA (punycode), IPv4 in any notation (2130706433, 0x7f.1), no
trailing dot.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ada_url import URL
from django.utils.translation import gettext as _

__all__ = [
    "HostNotListed",
    "WebAddress",
    "WebAddressRefused",
    "allow_list_entry_clean",
    "host_allowed_by",
    "web_address_allowed",
    "web_address_parse",
]

MAX_LENGTH = 2048
_SCHEMES = ("http:", "https:")


class WebAddressRefused(ValueError):
    """The text is not a web address we accept; `message` says why in words an administrator understands."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class HostNotListed(WebAddressRefused):
    """A well-formed address whose host is not on the allow-list."""

    def __init__(self, host: str) -> None:
        super().__init__(_("The host %(host)s is not on the allow-list.") % {"host": host})
        self.host = host


@dataclass(frozen=True)
class WebAddress:
    href: str  # as the browser will use it: normalised, hand this one on (not the text we were given)
    scheme: str  # "http" or "https"
    host: str  # WHATWG host: lower case, punycode, IPv4 dotted, IPv6 in brackets, no trailing dot


def web_address_parse(text: str) -> WebAddress:
    """An absolute http(s) URL as a browser reads it, or WebAddressRefused."""
    if not isinstance(text, str) or not text:
        raise WebAddressRefused(_("The address is empty."))
    if len(text) > MAX_LENGTH:
        raise WebAddressRefused(_("The address is longer than %(max_length)s characters.") % {"max_length": MAX_LENGTH})
    # Browsers drop tabs and newlines anywhere and spaces and controls at the ends: refuse them rather than guess.
    # A space inside the path or query is only encoded (%20) by a browser, as in the address we pass on.
    scheme_and_authority = re.split(r"[/?#]", text.split("//", 1)[1], maxsplit=1)[0] if "//" in text else text
    if (
        any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in text)
        or text != text.strip(" ")
        or " " in text.split("//", 1)[0]
        or " " in scheme_and_authority
    ):
        raise WebAddressRefused(_("The address contains spaces or control characters."))
    if "\\" in text:
        raise WebAddressRefused(_("The address contains a backslash."))
    try:
        url = URL(text)
    except ValueError as exc:
        raise WebAddressRefused(_("The address is not a valid absolute URL.")) from exc
    if url.protocol not in _SCHEMES:
        raise WebAddressRefused(
            _("Only http and https addresses are accepted, not %(protocol)s.") % {"protocol": repr(url.protocol[:20])}
        )
    authority = text.split("//", 1)[1] if "//" in text else ""
    for end in "/?#":
        authority = authority.split(end, 1)[0]
    if url.username or url.password or "@" in authority:
        raise WebAddressRefused(_("The address contains a user name or password (user@host): not accepted."))
    host = url.hostname.rstrip(".")
    if not host:
        raise WebAddressRefused(_("The address has no host."))
    return WebAddress(href=url.href, scheme=url.protocol[:-1], host=host)


def _host_of(pattern: str) -> str:
    """An allow-list entry (`shop.example`, `.example.com`, `127.0.0.1`, `::1`) as a WHATWG host."""
    name = pattern.strip().lstrip(".")
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"
    try:
        return str(URL(f"http://{name}/").hostname).rstrip(".")
    except ValueError:
        return ""


def allow_list_entry_clean(entry: str) -> str:
    """An allow-list entry as we keep it: a host (`erp.example`, `127.0.0.1`, `::1`) or `.domain` for its
    subdomains too, in WHATWG form; WebAddressRefused for anything else (a URL, user@host, a port, a path)."""
    text = str(entry).strip()
    bare = text.lstrip(".")
    is_ipv6 = bare.count(":") >= 2
    if not bare or any(ch in bare for ch in "/\\@?#*% ") or (":" in bare and not is_ipv6):
        raise WebAddressRefused(
            _("%(text)s is not a host name: give a host like erp.example or .example.com.") % {"text": repr(text[:80])}
        )
    host = _host_of(text)
    if not host:
        raise WebAddressRefused(_("%(text)s is not a host name.") % {"text": repr(text[:80])})
    return ("." if text.startswith(".") and not is_ipv6 else "") + host


def host_allowed_by(host: str, allowed: Iterable[str]) -> bool:
    """`host` (a WebAddress.host) is one of `allowed`; an entry starting with "." allows its subdomains too."""
    for entry in allowed:
        entry = str(entry).strip()
        wanted = _host_of(entry)
        if not wanted:
            continue
        if host == wanted or (entry.startswith(".") and host.endswith("." + wanted)):
            return True
    return False


def web_address_allowed(text: str, allowed: Iterable[str]) -> WebAddress:
    """The address parsed, if its host is on the allow-list; WebAddressRefused otherwise."""
    address = web_address_parse(text)
    if not host_allowed_by(address.host, allowed):
        raise HostNotListed(address.host)
    return address
