"""Calling a supplier's shop: our cXML header for a connection, and the POST of a cXML document."""

import httpx

from .. import cxml
from ..models import PunchoutConnection
from ..web_addresses import web_address_parse

USER_AGENT = "Acme Procurement punchout 1.0"


def _credential(domain: str, identity: str, secret: str | None = None) -> cxml.Credential:
    return cxml.Credential(domain=domain or "NetworkID", identity=identity, shared_secret=secret)


def cxml_header(connection: PunchoutConnection) -> cxml.Header:
    """Our From and Sender (with the shared secret) and the shop's To, as the connection names them."""
    return cxml.Header(
        from_=_credential(connection.from_domain, connection.from_identity),
        to=_credential(connection.to_domain, connection.to_identity),
        sender=_credential(connection.sender_domain, connection.sender_identity, connection.shared_secret),
        user_agent=USER_AGENT,
    )


def cxml_post(connection: PunchoutConnection, body: bytes) -> httpx.Response:
    """POST a cXML document to the shop's URL (raises httpx.HTTPError when it does not answer)."""
    return httpx.post(
        web_address_parse(connection.url.strip()).href,  # the rules every URL we use follows
        content=body,
        headers={"Content-Type": "text/xml; charset=utf-8", "User-Agent": USER_AGENT},
        timeout=connection.timeout_seconds,
    )
