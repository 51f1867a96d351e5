"""The SAML 2.0 service provider, through pysaml2: one service provider (its entity ID, ACS, key pair) per identity
provider.

- Sign-in is SP-initiated: a signed AuthnRequest (HTTP-Redirect), kept as a `SamlRequest` row; the IdP's Response
  comes back as a cross-site POST to the ACS, which must be signed (the Response or its Assertion) by one of the
  IdP's certificates, name our entity ID as its audience and our ACS as its destination and recipient, be within
  its validity (a bounded clock skew), and answer an unanswered request of ours (InResponseTo): that request is
  then spent, so the same Response cannot be played twice. An unsolicited (IdP-initiated) Response is refused
  unless the provider allows it; its assertion ID is then remembered for the same purpose.
- Single logout both ways: our logout sends a signed LogoutRequest to the IdP; the IdP's signed LogoutRequest ends
  every session of that person (NameID, session index) signed in through it, found in `SamlSession`.

pysaml2 signs and verifies with the xmlsec1 program (Debian package xmlsec1). It is looked for only when a SAML
provider is used: the application runs without it as long as no SAML provider is configured. XML is parsed by
pysaml2 with defusedxml (no entities, no network).

No database transaction is open while xmlsec1 runs; nothing here talks to the IdP over the network.
"""

from .keys import (
    acs_url,
    certificates,
    check_idp_certificates,
    check_idp_metadata,
    ensure_sp_keys,
    generate_sp_keys,
    idp_metadata,
    sls_url,
    sp_entity_id,
)
from .service import (
    CLOCK_SKEW_SECONDS,
    REQUEST_MAX_AGE,
    Answer,
    answer_logout_request,
    authn_redirect,
    check_response,
    client_for,
    logout_redirect,
    sp_metadata,
    spend,
)

__all__ = [
    "CLOCK_SKEW_SECONDS",
    "REQUEST_MAX_AGE",
    "Answer",
    "acs_url",
    "answer_logout_request",
    "authn_redirect",
    "certificates",
    "check_idp_certificates",
    "check_idp_metadata",
    "check_response",
    "client_for",
    "ensure_sp_keys",
    "generate_sp_keys",
    "idp_metadata",
    "logout_redirect",
    "sls_url",
    "sp_entity_id",
    "sp_metadata",
    "spend",
]
