"""The SAML protocol steps, through pysaml2 (see the package's docstring): the AuthnRequest, the Response checked
and spent, single logout both ways."""

import datetime
import logging
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, SAMLError
from saml2.s_utils import UnsupportedBinding
from saml2.saml import NAMEID_FORMAT_TRANSIENT, NameID
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from ..models import IdentityProvider, SamlRequest
from ..oidc import SignInFailed
from .keys import acs_url, ensure_sp_keys, idp_metadata, sls_url, sp_entity_id

if TYPE_CHECKING:
    from saml2.client import Saml2Client
    from saml2.config import SPConfig

# pysaml2's client, configuration, response and signature modules load XML schemas (about a second): they are
# imported where a SAML provider is used, not when the application starts.

logger = logging.getLogger(__name__)

CLOCK_SKEW_SECONDS = 120  # how far the IdP's clock may be from ours (NotBefore, NotOnOrAfter)
REQUEST_MAX_AGE = datetime.timedelta(minutes=10)  # an AuthnRequest not answered by then is forgotten
ASSERTION_MEMORY = datetime.timedelta(days=1)  # an IdP-initiated assertion's ID is remembered that long (replays)
MAX_MESSAGE = 512_000  # characters of a base64 SAML message we read at all
RELAY_STATE_MAX = 80  # bytes: SAML bindings 3.4.3


@dataclass
class Answer:
    """A checked Response: the attributes as claims (`sub` from the NameID) and what single logout needs."""

    request_id: str | None
    claims: dict[str, Any]
    name_id: str
    name_id_format: str
    session_index: str
    assertion_id: str


def _config(provider: IdentityProvider, folder: Path, xmlsec: str) -> "SPConfig":
    from saml2.config import SPConfig

    key_file, cert_file = folder / "sp.key", folder / "sp.crt"
    key_file.write_text(provider.saml_sp_private_key)
    key_file.chmod(0o600)
    cert_file.write_text(provider.saml_sp_certificate)
    config = SPConfig()
    config.load(
        {
            "entityid": sp_entity_id(provider),
            "xmlsec_binary": xmlsec,
            "key_file": str(key_file),
            "cert_file": str(cert_file),
            "encryption_keypairs": [{"key_file": str(key_file), "cert_file": str(cert_file)}],
            "metadata": {"inline": [idp_metadata(provider)]},
            "accepted_time_diff": CLOCK_SKEW_SECONDS,
            "allow_unknown_attributes": True,
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
            "service": {
                "sp": {
                    "name": provider.name,
                    "endpoints": {
                        "assertion_consumer_service": [(acs_url(provider), BINDING_HTTP_POST)],
                        "single_logout_service": [
                            (sls_url(provider), BINDING_HTTP_REDIRECT),
                            (sls_url(provider), BINDING_HTTP_POST),
                        ],
                    },
                    "name_id_format": [provider.saml_name_id_format],
                    "authn_requests_signed": True,
                    "logout_requests_signed": True,
                    "logout_responses_signed": True,
                    "want_response_signed": False,
                    "want_assertions_signed": False,
                    "want_assertions_or_response_signed": True,
                    "allow_unsolicited": provider.saml_allow_idp_initiated,
                }
            },
        }
    )
    return config


def unavailable() -> SignInFailed:
    return SignInFailed(
        "saml_unavailable",
        _("SAML sign-in is not available on this server (the xmlsec1 program is missing): tell your administrator."),
        503,
    )


@contextmanager
def client_for(provider: IdentityProvider) -> Iterator["Saml2Client"]:
    """pysaml2's service provider for this IdP; its key and certificate live in a private temporary folder (xmlsec1
    reads files) only while it is used."""
    from saml2.client import Saml2Client

    xmlsec = shutil.which("xmlsec1")
    if xmlsec is None:
        raise unavailable()
    ensure_sp_keys(provider)
    with tempfile.TemporaryDirectory(prefix="saml-sp-") as folder:
        try:
            config = _config(provider, Path(folder), xmlsec)
            client = Saml2Client(config=config)
        except (SAMLError, ValueError, SyntaxError, KeyError) as error:
            logger.warning("SAML provider %s: bad configuration: %s", provider.slug, type(error).__name__)
            raise SignInFailed(
                "saml_configuration",
                _("The SAML configuration of %(provider)s cannot be read: an administrator must check it.")
                % {"provider": provider.name},
                502,
            ) from None
        yield client


def idp_entity_id(client: "Saml2Client", provider: IdentityProvider) -> str:
    found = client.metadata.identity_providers()
    if len(found) != 1:
        raise SignInFailed(
            "saml_configuration",
            _("The SAML configuration of %(provider)s cannot be read: an administrator must check it.")
            % {"provider": provider.name},
            502,
        )
    return str(found[0])


def sp_metadata(provider: IdentityProvider) -> str:
    """Our metadata for this IdP (entity ID, ACS, logout address, signing certificate), to give to the IdP."""
    from saml2.metadata import entity_descriptor

    xmlsec = shutil.which("xmlsec1") or "xmlsec1"  # not run for an unsigned metadata document
    ensure_sp_keys(provider)
    with tempfile.TemporaryDirectory(prefix="saml-sp-") as folder:
        config = _config(provider, Path(folder), xmlsec)
        config.metadata = None  # our own document does not need the IdP's
        return str(entity_descriptor(config))


def relay_state_for(next_url: str) -> str:
    return next_url if len(next_url.encode()) <= RELAY_STATE_MAX else ""


def authn_redirect(provider: IdentityProvider, next_url: str) -> tuple[str, str]:
    """The address of the IdP's sign-in with our signed AuthnRequest, and that request's ID (kept, to be answered
    once)."""
    now = timezone.now()
    SamlRequest.objects.filter(created_at__lt=now - REQUEST_MAX_AGE).exclude(
        request_id__startswith="assertion:"
    ).delete()
    SamlRequest.objects.filter(created_at__lt=now - ASSERTION_MEMORY, request_id__startswith="assertion:").delete()
    with client_for(provider) as client:
        request_id, info = client.prepare_for_authenticate(
            entityid=idp_entity_id(client, provider),
            relay_state=relay_state_for(next_url),
            binding=BINDING_HTTP_REDIRECT,
            nameid_format=provider.saml_name_id_format,
            sign=True,
            sigalg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
    SamlRequest.objects.create(provider=provider, request_id=request_id, next_url=next_url[:2000])
    return str(dict(info["headers"])["Location"]), str(request_id)


class _Outstanding(Mapping[str, str]):
    """Our unanswered, unexpired requests to this IdP, as pysaml2 asks about the Response's InResponseTo."""

    def __init__(self, provider: IdentityProvider) -> None:
        self.rows = SamlRequest.objects.filter(
            provider=provider, answered_at__isnull=True, created_at__gte=timezone.now() - REQUEST_MAX_AGE
        )

    def __getitem__(self, key: str) -> str:
        row = self.rows.filter(request_id=str(key)[:100]).first()
        if row is None:
            raise KeyError(key)
        return row.next_url

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.rows.filter(request_id=key[:100]).exists()

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows.values_list("request_id", flat=True)[:20])

    def __len__(self) -> int:
        return int(self.rows.count())


def _refused(provider: IdentityProvider, error: Exception) -> SignInFailed:
    from saml2.response import StatusError, UnsolicitedResponse
    from saml2.sigver import SignatureError
    from saml2.validate import ResponseLifetimeExceed, ToEarly

    name = {"provider": provider.name}
    text = str(error)
    if isinstance(error, UnsolicitedResponse) or "don't recall" in text or text == "Came from":
        return SignInFailed(
            "saml_unsolicited",
            _(
                "This sign-in answer from %(provider)s answers no sign-in started here, or was already used. "
                "Start again from the login page."
            )
            % name,
        )
    if isinstance(error, ResponseLifetimeExceed | ToEarly) or text == "Condition not OK":
        return SignInFailed(
            "saml_expired", _("The sign-in answer from %(provider)s has expired or is not valid yet.") % name
        )
    if "AudienceRestrictions" in text:
        return SignInFailed(
            "saml_audience", _("The sign-in answer from %(provider)s was not issued for this application.") % name
        )
    if isinstance(error, StatusError):
        return SignInFailed(
            "saml_status",
            _("%(provider)s refused the sign-in (%(error)s).") % {**name, "error": type(error).__name__[:80]},
        )
    if isinstance(error, SignatureError) or "sign" in text.lower() or type(error).__name__ == "IncorrectlySigned":
        return SignInFailed(
            "saml_signature",
            _("The sign-in answer from %(provider)s is not signed by it, or was altered.") % name,
        )
    if "recipient" in text or "destination" in text:
        return SignInFailed(
            "saml_recipient", _("The sign-in answer from %(provider)s was sent to another address.") % name
        )
    return SignInFailed("saml_invalid", _("The sign-in answer from %(provider)s cannot be accepted.") % name)


def _attributes(response: Any) -> dict[str, Any]:
    """The assertion's attributes by their Name (and FriendlyName): one value as text, several as a list."""
    claims: dict[str, Any] = {}
    for statement in response.assertion.attribute_statement or []:
        for attribute in statement.attribute or []:
            values = [str(value.text).strip() for value in attribute.attribute_value or [] if value.text is not None]
            value: Any = values[0] if len(values) == 1 else values
            for name in (attribute.name, attribute.friendly_name):
                if name and name not in claims:
                    claims[str(name)] = value
    return claims


def _replayed() -> SignInFailed:
    return SignInFailed("saml_replayed", _("This sign-in answer was already used. Start again from the login page."))


def _answered_before(provider: IdentityProvider, error: Exception) -> bool:
    """Whether a Response pysaml2 found unsolicited answers a request of ours that was answered already."""
    from saml2.response import UnsolicitedResponse

    found = re.match(r"Unsolicited response: (\S{1,100})$", str(error))
    return bool(
        isinstance(error, UnsolicitedResponse)
        and found
        and SamlRequest.objects.filter(provider=provider, request_id=found.group(1), answered_at__isnull=False).exists()
    )


def check_response(provider: IdentityProvider, saml_response: str) -> Answer:
    """The IdP's Response (base64, as posted), checked as the module says, or SignInFailed. Spends nothing: the
    caller spends the request (`spend`)."""
    if not saml_response or len(saml_response) > MAX_MESSAGE:
        raise SignInFailed("saml_invalid", _("The sign-in answer is missing or too large."))
    with client_for(provider) as client:
        try:
            response = client.parse_authn_request_response(
                saml_response, BINDING_HTTP_POST, outstanding=_Outstanding(provider)
            )
        except Exception as error:  # pysaml2 raises bare Exceptions for some of its checks
            logger.info("SAML provider %s: response refused: %s: %s", provider.slug, type(error).__name__, error)
            if _answered_before(provider, error):
                raise _replayed() from None
            raise _refused(provider, error) from None
    if response is None or response.assertion is None or response.name_id is None:
        raise SignInFailed(
            "saml_invalid", _("The sign-in answer from %(provider)s cannot be accepted.") % {"provider": provider.name}
        )
    claims = _attributes(response)
    name_id = str(response.name_id.text or "").strip()
    name_id_format = str(response.name_id.format or "")
    subject = name_id
    if name_id_format == NAMEID_FORMAT_TRANSIENT or not subject:
        subject = str(claims.get(provider.email_claim) or "").lower()
    claims["sub"] = subject
    session_index = ""
    for statement in response.assertion.authn_statement or []:
        session_index = str(statement.session_index or "")[:500]
    return Answer(
        request_id=str(response.in_response_to) if response.in_response_to else None,
        claims=claims,
        name_id=name_id[:500],
        name_id_format=name_id_format[:100],
        session_index=session_index,
        assertion_id=str(response.assertion.id or "")[:90],
    )


def spend(provider: IdentityProvider, answer: Answer) -> SamlRequest:
    """The answered request, spent for this answer: a Response plays once. An unsolicited Response (allowed) is
    remembered by its assertion ID instead."""
    now = timezone.now()
    stored = {
        "claims": answer.claims,
        "name_id": answer.name_id,
        "name_id_format": answer.name_id_format,
        "session_index": answer.session_index,
    }
    replayed = _replayed()
    if answer.request_id is None:
        if not answer.assertion_id:
            raise replayed
        try:
            with transaction.atomic():
                return SamlRequest.objects.create(
                    provider=provider, request_id=f"assertion:{answer.assertion_id}", answered_at=now, answer=stored
                )
        except IntegrityError:
            raise replayed from None
    spent = SamlRequest.objects.filter(
        provider=provider,
        request_id=answer.request_id,
        answered_at__isnull=True,
        created_at__gte=now - REQUEST_MAX_AGE,
    ).update(answered_at=now, answer=stored)
    if spent != 1:
        raise replayed
    return SamlRequest.objects.get(provider=provider, request_id=answer.request_id)


def logout_redirect(provider: IdentityProvider, name_id: str, name_id_format: str, session_index: str) -> str | None:
    """Where to send a person who logs out so that the IdP ends its session too (a signed LogoutRequest), or None
    when the IdP has no logout address or SAML cannot run here."""
    try:
        with client_for(provider) as client:
            idp = idp_entity_id(client, provider)
            try:
                destination = client.metadata.single_logout_service(idp, BINDING_HTTP_REDIRECT, "idpsso")
            except (SAMLError, KeyError, UnsupportedBinding):
                return None  # the IdP has no single logout (by HTTP-Redirect)
            if not destination:
                return None
            location = destination[0]["location"]
            _request_id, message = client.create_logout_request(
                location,
                idp,
                name_id=NameID(text=name_id, format=name_id_format or None),
                session_indexes=[session_index] if session_index else None,
                sign=False,
            )
            info = client.apply_binding(
                BINDING_HTTP_REDIRECT, str(message), location, relay_state="", sign=True, sigalg=SIG_RSA_SHA256
            )
    except SignInFailed:
        return None
    except Exception as error:  # our session has ended: a logout never fails on the IdP's part
        logger.warning("SAML provider %s: no logout request made: %s", provider.slug, type(error).__name__)
        return None
    return str(dict(info["headers"])["Location"])


def answer_logout_request(
    provider: IdentityProvider,
    binding: str,
    message: str,
    relay_state: str | None,
    sigalg: str | None,
    signature: str | None,
    end_sessions: Any,
) -> str | None:
    """The IdP's LogoutRequest (HTTP-Redirect with the query signed, or POST with the XML signed): checked, the
    sessions it names ended (`end_sessions(name_id, session_indexes)`), and the address of our signed
    LogoutResponse at the IdP (None when it cannot be made). Raises SignInFailed when it is not the IdP's."""
    from saml2.request import LogoutRequest

    if not message or len(message) > MAX_MESSAGE:
        raise SignInFailed("saml_invalid", _("The logout request is missing or too large."))
    with client_for(provider) as client:
        idp = idp_entity_id(client, provider)
        receivers = [sls_url(provider)]
        request = LogoutRequest(client.sec, receivers, client.config.attribute_converters, CLOCK_SKEW_SECONDS)
        try:
            xml = client.unravel(message, binding, LogoutRequest.msgtype)
            request = request.loads(
                xml,
                binding,
                origdoc=message,
                must=True,
                relay_state=relay_state,
                sigalg=sigalg,
                signature=signature,
            )
            request.verify()
        except Exception as error:  # pysaml2 raises bare Exceptions for some of its checks
            logger.info("SAML provider %s: logout request refused: %s", provider.slug, type(error).__name__)
            raise SignInFailed(
                "saml_logout_signature",
                _("This logout request is not signed by %(provider)s.") % {"provider": provider.name},
            ) from None
        if request.issuer.text != idp:
            raise SignInFailed(
                "saml_logout_signature",
                _("This logout request is not signed by %(provider)s.") % {"provider": provider.name},
            )
        name_id = str(request.message.name_id.text or "") if request.message.name_id is not None else ""
        indexes = [str(index.text or "") for index in request.message.session_index or []]
        end_sessions(name_id, indexes)
        try:
            response_info = client.create_logout_response(request.message, [BINDING_HTTP_REDIRECT], sign=False)
            info = client.apply_binding(
                BINDING_HTTP_REDIRECT,
                str(response_info),
                response_info.destination,
                relay_state=relay_state or "",
                response=True,
                sign=True,
                sigalg=SIG_RSA_SHA256,
            )
        except Exception as error:  # the sessions are ended: only the answer to the IdP is missing
            logger.warning("SAML provider %s: no logout response made: %s", provider.slug, type(error).__name__)
            return None
    return str(dict(info["headers"])["Location"])
