"""A real SAML 2.0 IdP for the identity tests (pysaml2's Server in tests/identity/saml_idp/app.py), run by gunicorn
as its own process on 127.0.0.1 with a key pair made here, and a person's browser at the IdP walked with a plain
HTTP session (its login form, its auto-posting form to our ACS)."""

import datetime
import html
import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.identity.served import process_stop, wsgi_serve
from tests.waiting import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class SamlIdp:
    base: str
    certificate: str
    world_file: Path
    world: dict[str, Any]
    process: subprocess.Popen[bytes]
    log: Path
    sessions: dict[str, requests.Session] = field(default_factory=dict)

    @property
    def entity_id(self) -> str:
        return f"{self.base}/metadata"

    def _save(self) -> None:
        self.world_file.write_text(json.dumps(self.world))

    def person(self, username: str, password: str, name_id: str, **attributes: Any) -> None:
        self.world["users"][username] = {"password": password, "name_id": name_id, "attributes": attributes}
        self._save()

    def trust(self, sp_metadata: str) -> None:
        """Add a service provider's metadata (the IdP answers only the SPs it knows)."""
        self.world["sp_metadata"].append(sp_metadata)
        self._save()

    def options(self, **options: Any) -> None:
        self.world["options"] = options
        self._save()

    def reset(self) -> None:
        self.world.update(users={}, sp_metadata=[], options={})
        self._save()
        self.sessions.clear()

    def browser(self, name: str = "default") -> requests.Session:
        return self.sessions.setdefault(name, requests.Session())

    def sign_in(
        self, location: str, username: str, password: str, browser: str = "default"
    ) -> tuple[str, dict[str, str]]:
        """Follow our redirect to the IdP as a browser would, signing in on its form when asked; returns the
        auto-posting form's action (our ACS) and fields (SAMLResponse, RelayState)."""
        session = self.browser(browser)
        answer = session.get(location, allow_redirects=False, timeout=10)
        assert answer.status_code == 200, answer.text[:500]
        if "name='username'" in answer.text:
            fields = hidden_fields(answer.text)
            answer = session.post(
                f"{self.base}/login", data={**fields, "username": username, "password": password}, timeout=10
            )
            assert answer.status_code == 200, answer.text[:500]
        return auto_post(answer.text)

    def get(self, path: str, browser: str = "default") -> requests.Response:
        return self.browser(browser).get(f"{self.base}{path}", allow_redirects=False, timeout=10)

    def stop(self) -> None:
        process_stop(self.process)


def hidden_fields(text: str) -> dict[str, str]:
    return {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', text)
    }


def auto_post(text: str) -> tuple[str, dict[str, str]]:
    """The action and fields of pysaml2's auto-posting form (what the browser's script would submit)."""
    action = re.search(r'<form[^>]+action="([^"]+)"', text)
    assert action, text[:500]
    fields = {
        html.unescape(name): html.unescape(value)
        for name, value in re.findall(r'<input\s+type="hidden"\s+name="([^"]+)"\s+value="([^"]*)"', text)
    }
    assert "SAMLResponse" in fields or "SAMLRequest" in fields, text[:500]
    return html.unescape(action.group(1)), fields


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _key_pair(folder: Path) -> tuple[Path, Path, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test IdP")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / "idp.key", folder / "idp.crt"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    cert_file.write_text(pem)
    return key_file, cert_file, pem


def start_idp(folder: Path) -> SamlIdp:
    key_file, cert_file, pem = _key_pair(folder)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    world: dict[str, Any] = {"users": {}, "sp_metadata": [], "options": {}}
    world_file = folder / "idp-world.json"
    world_file.write_text(json.dumps(world))
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "PYTEST_"))},
        "PYTHONPATH": str(ROOT),
        "IDP_BASE": base,
        "IDP_KEY": str(key_file),
        "IDP_CERT": str(cert_file),
        "IDP_WORLD": str(world_file),
    }
    log = folder / "idp.log"
    process = wsgi_serve(
        "tests.identity.saml_idp.app:application",
        port=port,
        env=env,
        log=log,
        ready_url=f"{base}/health",
        what="the SAML IdP",
    )
    return SamlIdp(base=base, certificate=pem, world_file=world_file, world=world, process=process, log=log)
