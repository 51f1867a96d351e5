"""Our service provider's addresses and key pair per identity provider, and the IdP's metadata and certificates as
an administrator gives them (checked)."""

import base64
import datetime
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedET
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from saml2 import BINDING_HTTP_REDIRECT

from ..models import IdentityProvider

SP_KEY_BITS = 3072
SP_CERTIFICATE_DAYS = 3650


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def sp_entity_id(provider: IdentityProvider) -> str:
    """Our entity ID for this IdP: the address of our metadata (give it to the IdP as the audience / identifier)."""
    return _site(reverse("identity:saml-metadata", args=[provider.slug]))


def acs_url(provider: IdentityProvider) -> str:
    return _site(reverse("identity:saml-acs", args=[provider.slug]))


def sls_url(provider: IdentityProvider) -> str:
    return _site(reverse("identity:saml-sls", args=[provider.slug]))


def generate_sp_keys(provider: IdentityProvider) -> None:
    """A new RSA key pair and self-signed certificate for our side of this provider (not saved here)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=SP_KEY_BITS)
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{host} SAML {provider.slug}"[:64])])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=SP_CERTIFICATE_DAYS))
        .sign(key, hashes.SHA256())
    )
    provider.saml_sp_private_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    provider.saml_sp_certificate = certificate.public_bytes(serialization.Encoding.PEM).decode()


def ensure_sp_keys(provider: IdentityProvider) -> None:
    if not provider.saml_sp_private_key or not provider.saml_sp_certificate:
        generate_sp_keys(provider)
        if provider.pk:
            provider.save(update_fields=["saml_sp_private_key", "saml_sp_certificate", "updated_at"])


def certificates(text: str) -> list[str]:
    """The PEM certificates in a text (several may be pasted one after the other), as base64 bodies."""
    bodies: list[str] = []
    current: list[str] = []
    inside = False
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("-----BEGIN CERTIFICATE"):
            inside, current = True, []
        elif line.startswith("-----END CERTIFICATE"):
            if current:
                bodies.append("".join(current))
            inside = False
        elif inside and line:
            current.append(line)
    return bodies


def check_idp_certificates(text: str) -> str:
    """The IdP's certificates as pasted, when each reads as an X.509 certificate (ValidationError otherwise)."""
    bodies = certificates(text)
    if not bodies or len(bodies) > 10:
        raise ValidationError(_("Paste one or more PEM certificates (-----BEGIN CERTIFICATE----- …)."))
    for body in bodies:
        try:
            x509.load_der_x509_certificate(base64.b64decode(body, validate=True))
        except ValueError:
            raise ValidationError(_("A certificate cannot be read: paste it as PEM.")) from None
    return text.strip()


def check_idp_metadata(text: str) -> str:
    """The IdP's metadata as pasted, when it is one IdP's EntityDescriptor (read with entities and network off)."""
    try:
        root = DefusedET.fromstring(text.strip().encode())
    except (DefusedET.ParseError, DefusedXmlException, ValueError):
        raise ValidationError(_("This is not an XML document, or it declares entities.")) from None
    namespace = "{urn:oasis:names:tc:SAML:2.0:metadata}"
    if root.tag != f"{namespace}EntityDescriptor" or root.find(f"{namespace}IDPSSODescriptor") is None:
        raise ValidationError(
            _("This is not the metadata of one identity provider (an EntityDescriptor with an IDPSSODescriptor).")
        )
    return text.strip()


def idp_metadata(provider: IdentityProvider) -> str:
    """The IdP's metadata: the XML given, or one made of its entity ID, addresses and certificates."""
    if provider.saml_metadata_xml.strip():
        return provider.saml_metadata_xml
    keys = "".join(
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        f"{escape(body)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        for body in certificates(provider.saml_idp_certificates)
    )
    logout = ""
    if provider.saml_slo_url:
        logout = (
            f'<md:SingleLogoutService Binding="{BINDING_HTTP_REDIRECT}" Location={quoteattr(provider.saml_slo_url)}/>'
        )
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID={quoteattr(provider.saml_idp_entity_id)}>'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f"{keys}{logout}"
        f'<md:SingleSignOnService Binding="{BINDING_HTTP_REDIRECT}" Location={quoteattr(provider.saml_sso_url)}/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )
