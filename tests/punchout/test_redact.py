"""Credentials are masked in every document we keep or log, whatever shape the document is in."""

import pytest

from punchout.redact import MASK, redact_cxml, redact_form_fields, redact_text, redact_url

HEADER = """<?xml version="1.0"?><cXML payloadID="1@x" timestamp="2026-01-01T00:00:00Z"><Header>
<From><Credential domain="NetworkID"><Identity>AN01</Identity></Credential></From>
<Sender><Credential domain="NetworkID"><Identity>AN01</Identity><SharedSecret>s3cr&amp;t-42</SharedSecret>
</Credential><UserAgent>x</UserAgent></Sender></Header></cXML>"""


def test_a_shared_secret_is_masked_and_the_rest_kept() -> None:
    redacted = redact_cxml(HEADER)
    assert "s3cr" not in redacted
    assert f"<SharedSecret>{MASK}</SharedSecret>" in redacted
    assert redacted.replace(MASK, "s3cr&amp;t-42") == HEADER


@pytest.mark.parametrize(
    "document",
    [
        "<sharedsecret>topsecret</sharedsecret>",
        '<cx:SharedSecret xmlns:cx="urn:x">topsecret</cx:SharedSecret >',
        "<SharedSecret>\n  topsecret\n</SharedSecret>",
        "<Credential><SharedSecret>topsecret",  # truncated
        "<SharedSecret>topsecret</Credential>",  # malformed
        "<CredentialMac type='FromSenderCredentials'>topsecret</CredentialMac>",
        "<DigitalSignature>topsecret</DigitalSignature>",
        "&lt;SharedSecret&gt;topsecret&lt;/SharedSecret&gt;",  # quoted inside another document
    ],
)
def test_every_shape_of_secret_is_masked(document: str) -> None:
    assert "topsecret" not in redact_cxml(document)


def test_an_empty_secret_stays_empty() -> None:
    assert redact_cxml("<SharedSecret></SharedSecret><SharedSecret/>") == "<SharedSecret></SharedSecret><SharedSecret/>"


def test_passwords_in_urls_and_forms_are_masked() -> None:
    url = "https://shop.example/oci?USERNAME=acme&PASSWORD=hunter2&HOOK_URL=x"
    assert redact_url(url) == f"https://shop.example/oci?USERNAME=acme&PASSWORD={MASK}&HOOK_URL=x"
    assert redact_url("https://user:pw@shop.example/") == f"https://{MASK}@shop.example/"
    assert redact_form_fields([("USERNAME", "acme"), ("password", "hunter2"), ("X", "1")]) == [
        ("USERNAME", "acme"),
        ("password", MASK),
        ("X", "1"),
    ]
    assert "hunter2" not in redact_text(f"GET {url}\n<SharedSecret>hunter2</SharedSecret>")
