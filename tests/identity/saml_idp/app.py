"""A real SAML 2.0 identity provider for the identity tests: pysaml2's `Server` (as in pysaml2's example/idp2),
wrapped in a small WSGI application that gunicorn serves on 127.0.0.1 (tests/identity/saml_support.py starts it).

Its world (people, their attributes, the service providers' metadata, and switches a test may turn) is a JSON file
read again at every request, so a test changes it without restarting the IdP. The IdP signs with its own RSA key
through xmlsec1, checks the signature of every AuthnRequest and LogoutRequest it is sent, and keeps its own sign-in
sessions (a cookie) so that single logout can be seen to end them.

Endpoints: /metadata (its metadata), /sso/redirect (AuthnRequest, HTTP-Redirect: its login form, or the answer at
once for a browser signed in here), /login (the form's POST: the auto-posting form to the SP's ACS), /slo/redirect
(the SP's LogoutRequest or LogoutResponse), /initiate-logout?username= (an IdP-initiated LogoutRequest to every SP
the person signed in to), /unsolicited?username=&sp= (an IdP-initiated Response), /whoami, /health.
"""

import html
import json
import os
import secrets
import shutil
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

BASE = os.environ["IDP_BASE"]
WORLD = os.environ["IDP_WORLD"]
PASSWORD_CLASS = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
SESSIONS: dict[str, dict[str, Any]] = {}  # cookie → {"username", "sps": {sp entity id: session index}}


def world() -> dict[str, Any]:
    with open(WORLD, encoding="utf-8") as handle:
        result: dict[str, Any] = json.load(handle)
    return result


def server(state: dict[str, Any]) -> Server:
    config = IdPConfig()
    config.load(
        {
            "entityid": f"{BASE}/metadata",
            "xmlsec_binary": shutil.which("xmlsec1"),
            "key_file": os.environ["IDP_KEY"],
            "cert_file": os.environ["IDP_CERT"],
            "metadata": {"inline": state["sp_metadata"]} if state["sp_metadata"] else {},
            "accepted_time_diff": 60,
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
            "service": {
                "idp": {
                    "name": "Test IdP",
                    "endpoints": {
                        "single_sign_on_service": [(f"{BASE}/sso/redirect", BINDING_HTTP_REDIRECT)],
                        "single_logout_service": [(f"{BASE}/slo/redirect", BINDING_HTTP_REDIRECT)],
                    },
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": state.get("options", {}).get("lifetime_minutes", 15)},
                            "name_form": NAME_FORMAT_URI,
                        }
                    },
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    "want_authn_requests_signed": True,
                }
            },
        }
    )
    return Server(config=config)


def page(
    start_response: Any, body: str, status: str = "200 OK", headers: list[tuple[str, str]] | None = None
) -> list[bytes]:
    start_response(status, [("Content-Type", "text/html; charset=utf-8"), *(headers or [])])
    return [body.encode()]


def redirect(start_response: Any, location: str, headers: list[tuple[str, str]] | None = None) -> list[bytes]:
    start_response("302 Found", [("Location", location), *(headers or [])])
    return [b""]


def cookie_of(environ: dict[str, Any]) -> str:
    jar = SimpleCookie(environ.get("HTTP_COOKIE", ""))
    return jar["idp_session"].value if "idp_session" in jar else ""


def answer(idp: Server, state: dict[str, Any], request: Any, relay_state: str, username: str, index: str) -> str:
    """The Response for this AuthnRequest, as the auto-posting HTML form to the SP's ACS."""
    person = state["users"][username]
    options = state.get("options", {})
    message = request.message
    sp = message.issuer.text
    destination = (
        message.assertion_consumer_service_url
        or idp.metadata.assertion_consumer_service(sp, BINDING_HTTP_POST)[0]["location"]
    )
    response = idp.create_authn_response(
        identity={name: value if isinstance(value, list) else [value] for name, value in person["attributes"].items()},
        in_response_to=options.get("in_response_to", message.id),
        destination=destination,
        sp_entity_id=options.get("audience") or sp,
        name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=person["name_id"]),
        authn={"class_ref": PASSWORD_CLASS, "authn_auth": BASE},
        sign_response=options.get("sign_response", True),
        sign_assertion=options.get("sign_assertion", True),
        sign_alg=SIG_RSA_SHA256,
        digest_alg=DIGEST_SHA256,
    )
    info = idp.apply_binding(BINDING_HTTP_POST, str(response), destination, relay_state, response=True)
    return str(info["data"])


def login_form(fields: dict[str, str], error: str = "") -> str:
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
        for name, value in fields.items()
    )
    return (
        f"<html><body><h1>Test IdP</h1><p>{html.escape(error)}</p><form method='post' action='{BASE}/login'>{hidden}"
        "<input name='username'><input name='password' type='password'><button>Sign in</button></form></body></html>"
    )


def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    path = environ.get("PATH_INFO", "")
    query = {name: values[0] for name, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
    form: dict[str, str] = {}
    if environ.get("REQUEST_METHOD") == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = {name: values[0] for name, values in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
    state = world()
    if path == "/health":
        return page(start_response, "ok")
    idp = server(state)
    if path == "/metadata":
        start_response("200 OK", [("Content-Type", "application/samlmetadata+xml")])
        return [str(entity_descriptor(idp.config)).encode()]
    if path == "/whoami":
        session = SESSIONS.get(cookie_of(environ))
        return page(start_response, session["username"] if session else "anonymous")
    if path in ("/sso/redirect", "/login"):
        fields = query if path == "/sso/redirect" else form
        saml = {name: fields[name] for name in ("SAMLRequest", "RelayState", "SigAlg", "Signature") if name in fields}
        try:
            request = idp.parse_authn_request(
                saml["SAMLRequest"],
                BINDING_HTTP_REDIRECT,
                saml.get("RelayState"),
                saml.get("SigAlg"),
                saml.get("Signature"),
            )
        except Exception as error:
            return page(start_response, f"refused AuthnRequest: {type(error).__name__} {error}", "400 Bad Request")
        cookie = cookie_of(environ)
        username = SESSIONS.get(cookie, {}).get("username")
        headers: list[tuple[str, str]] = []
        if path == "/login":
            person = state["users"].get(form.get("username", ""))
            if person is None or not secrets.compare_digest(person["password"], form.get("password", "")):
                return page(start_response, login_form(saml, "wrong password"), "401 Unauthorized")
            username = form["username"]
            cookie = secrets.token_urlsafe(16)
            SESSIONS[cookie] = {"username": username, "sps": {}}
            headers = [("Set-Cookie", f"idp_session={cookie}; Path=/; HttpOnly")]
        if not username:
            return page(start_response, login_form(saml))
        SESSIONS[cookie]["sps"][request.message.issuer.text] = True
        return page(
            start_response, answer(idp, state, request, saml.get("RelayState", ""), username, cookie), headers=headers
        )
    if path == "/slo/redirect":
        if "SAMLResponse" in query:
            idp.parse_logout_request_response(query["SAMLResponse"], BINDING_HTTP_REDIRECT)
            return page(start_response, "logged out everywhere")
        try:
            request = idp.parse_logout_request(
                query["SAMLRequest"],
                BINDING_HTTP_REDIRECT,
                query.get("RelayState"),
                query.get("SigAlg"),
                query.get("Signature"),
            )
        except Exception as error:
            return page(start_response, f"refused LogoutRequest: {type(error).__name__} {error}", "400 Bad Request")
        name_id = request.message.name_id.text
        for key, session in list(SESSIONS.items()):
            if state["users"][session["username"]]["name_id"] == name_id:
                del SESSIONS[key]
        response = idp.create_logout_response(request.message, [BINDING_HTTP_REDIRECT], sign=False)
        info = idp.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(response),
            response.destination,
            query.get("RelayState", ""),
            response=True,
            sign=True,
            sigalg=SIG_RSA_SHA256,
        )
        return redirect(start_response, dict(info["headers"])["Location"])
    if path == "/initiate-logout":
        person = state["users"][query["username"]]
        sp = query["sp"]
        destination = idp.metadata.single_logout_service(sp, BINDING_HTTP_REDIRECT, "spsso")[0]["location"]
        sign = state.get("options", {}).get("sign_logout", True)
        if query.get("binding") == "post":  # the XML signed, posted by the browser
            destination = idp.metadata.single_logout_service(sp, BINDING_HTTP_POST, "spsso")[0]["location"]
            _request_id, message = idp.create_logout_request(
                destination,
                sp,
                name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=person["name_id"]),
                sign=sign,
                sign_alg=SIG_RSA_SHA256,
                digest_alg=DIGEST_SHA256,
            )
            info = idp.apply_binding(BINDING_HTTP_POST, str(message), destination, "")
            return page(start_response, str(info["data"]))
        _request_id, message = idp.create_logout_request(
            destination, sp, name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=person["name_id"]), sign=False
        )
        info = idp.apply_binding(BINDING_HTTP_REDIRECT, str(message), destination, "", sign=sign, sigalg=SIG_RSA_SHA256)
        return redirect(start_response, dict(info["headers"])["Location"])
    if path == "/unsolicited":
        person = state["users"][query["username"]]
        sp = query["sp"]
        destination = idp.metadata.assertion_consumer_service(sp, BINDING_HTTP_POST)[0]["location"]
        response = idp.create_authn_response(
            identity={
                name: value if isinstance(value, list) else [value] for name, value in person["attributes"].items()
            },
            in_response_to=None,
            destination=destination,
            sp_entity_id=sp,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=person["name_id"]),
            authn={"class_ref": PASSWORD_CLASS, "authn_auth": BASE},
            sign_response=True,
            sign_assertion=True,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        info = idp.apply_binding(BINDING_HTTP_POST, str(response), destination, query.get("relay", ""), response=True)
        return page(start_response, str(info["data"]))
    return page(start_response, "not found", "404 Not Found")
