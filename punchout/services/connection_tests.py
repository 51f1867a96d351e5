"""Testing a punchout connection from the admin: a cXML ProfileRequest, or an OCI call-up, and what came back."""

from dataclasses import dataclass

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

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
            return ConnectionTest(
                False, _("The connection's URL is not usable: %(message)s") % {"message": refused.message}, "", ""
            )
        except oci.OciError as exc:
            return ConnectionTest(
                False, _("The connection is misconfigured: %(message)s") % {"message": exc.message}, "", ""
            )
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
            return ConnectionTest(
                False, _("The catalog did not answer: %(name)s") % {"name": type(exc).__name__}, sent, ""
            )
        ok = answer.status_code < 400
        summary = (
            _("The catalog answered HTTP %(status_code)s (its start page).")
            if ok
            else _("The catalog answered HTTP %(status_code)s.")
        ) % {"status_code": answer.status_code}
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
        return ConnectionTest(
            False, _("The connection's URL is not usable: %(message)s") % {"message": refused.message}, sent, ""
        )
    try:
        answer = cxml_post(connection, body)
    except httpx.HTTPError as exc:
        return ConnectionTest(
            False, _("The supplier did not answer: %(name)s") % {"name": type(exc).__name__}, sent, ""
        )
    text = _masked(answer.content[:50_000].decode("utf-8", errors="replace"), connection.shared_secret)
    try:
        profile = cxml.parse_profile_response(answer.content)
    except cxml.CXMLError:
        try:
            status = cxml.parse_response(answer.content).status
        except cxml.CXMLError as exc:
            return ConnectionTest(
                False,
                _("HTTP %(status_code)s, not a cXML answer: %(message)s")
                % {"status_code": answer.status_code, "message": exc.message},
                sent,
                text,
                answer.status_code,
            )
        ok = status.code < 300
        summary = (_("cXML status %(code)s %(text)s") % {"code": status.code, "text": status.text}) + (
            f": {status.message}" if status.message else ""
        )
        return ConnectionTest(ok, _masked(summary, connection.shared_secret), sent, text, answer.status_code)
    names = ", ".join(t.request_name for t in profile.transactions) or _("none listed")
    return ConnectionTest(
        profile.status.code < 300,
        _("cXML status %(code)s; the supplier supports: %(names)s.") % {"code": profile.status.code, "names": names},
        sent,
        text,
        answer.status_code,
    )
