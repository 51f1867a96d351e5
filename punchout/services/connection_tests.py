"""Testing a punchout connection from the admin: a cXML ProfileRequest, or an OCI call-up, and what came back."""

from dataclasses import dataclass

import httpx
from django.conf import settings

from .. import cxml, oci
from ..models import PunchoutConnection
from ..redact import MASK, redact_form_fields, redact_text, redact_url
from ..web_addresses import WebAddressRefused, web_address_parse
from .supplier_calls import cxml_header, cxml_post


@dataclass(frozen=True)
class ConnectionTest:
    ok: bool
    summary: str
    sent: str  # with secrets masked
    answer: str
    http_status: int | None = None


def _masked(text: str, *secrets_: str) -> str:
    """Credentials out of a document we show or keep: by their place in cXML/OCI, and the known values anywhere."""
    text = redact_text(text)
    for secret in secrets_:
        if secret:
            text = text.replace(secret, MASK)
    return text


def punchout_connection_test(*, connection: PunchoutConnection, site_url: str = "") -> ConnectionTest:
    """cXML: send a ProfileRequest and read the answer. OCI: call the catalog up and show what it returns.

    `site_url` is where the admin reached us (the request's address); SITE_URL when there is no request."""
    if connection.protocol == PunchoutConnection.Protocol.OCI:
        fields = dict(connection.oci_fields or {})
        login = {key: fields.pop(key) for key in ("USERNAME", "PASSWORD") if key in fields}
        hook = f"{(site_url or settings.SITE_URL).rstrip('/')}/punchout/return/connection-test/"
        try:
            url = web_address_parse(connection.url.strip()).href
            call = oci.build_callup(url, connection.method, login, fields, hook)
        except WebAddressRefused as refused:
            return ConnectionTest(False, f"The connection's URL is not usable: {refused.message}", "", "")
        except oci.OciError as exc:
            return ConnectionTest(False, f"The connection is misconfigured: {exc.message}", "", "")
        password = login.get("PASSWORD", "")
        sent = "\n".join(f"{name}={value}" for name, value in redact_form_fields(list(call.fields)))
        sent = _masked(f"{call.method} {redact_url(call.url)}\n{sent}", password)
        try:
            if call.method == "GET":
                answer = httpx.get(call.url, timeout=connection.timeout_seconds, follow_redirects=True)
            else:
                answer = httpx.post(
                    call.url, data=dict(call.fields), timeout=connection.timeout_seconds, follow_redirects=True
                )
        except httpx.HTTPError as exc:
            return ConnectionTest(False, f"The catalog did not answer: {type(exc).__name__}", sent, "")
        ok = answer.status_code < 400
        summary = f"The catalog answered HTTP {answer.status_code}" + (" (its start page)." if ok else ".")
        return ConnectionTest(ok, summary, sent, _masked(answer.text[:20_000], password), answer.status_code)
    request = cxml.ProfileRequest(
        header=cxml_header(connection),
        deployment_mode=connection.deployment_mode,  # type: ignore[arg-type]
    )
    body = cxml.build_profile_request(request)
    sent = _masked(body.decode("utf-8"), connection.shared_secret)
    try:
        web_address_parse(connection.url.strip())
    except WebAddressRefused as refused:
        return ConnectionTest(False, f"The connection's URL is not usable: {refused.message}", sent, "")
    try:
        answer = cxml_post(connection, body)
    except httpx.HTTPError as exc:
        return ConnectionTest(False, f"The supplier did not answer: {type(exc).__name__}", sent, "")
    text = _masked(answer.content[:50_000].decode("utf-8", errors="replace"), connection.shared_secret)
    try:
        profile = cxml.parse_profile_response(answer.content)
    except cxml.CXMLError:
        try:
            status = cxml.parse_response(answer.content).status
        except cxml.CXMLError as exc:
            return ConnectionTest(
                False, f"HTTP {answer.status_code}, not a cXML answer: {exc.message}", sent, text, answer.status_code
            )
        ok = status.code < 300
        summary = f"cXML status {status.code} {status.text}" + (f": {status.message}" if status.message else "")
        return ConnectionTest(ok, _masked(summary, connection.shared_secret), sent, text, answer.status_code)
    names = ", ".join(t.request_name for t in profile.transactions) or "none listed"
    return ConnectionTest(
        profile.status.code < 300,
        f"cXML status {profile.status.code}; the supplier supports: {names}.",
        sent,
        text,
        answer.status_code,
    )
