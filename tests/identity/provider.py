"""A real OpenID Connect provider for the identity tests (django-oauth-toolkit, tests/identity/oidc_provider), run
as its own process on 127.0.0.1 with its own SQLite and an RSA key made here, and a person's browser steps through
it (its login form, its authorize redirect) walked with a plain HTTP session."""

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.identity.served import process_stop, wsgi_serve
from tests.waiting import free_port

ROOT = Path(__file__).resolve().parents[2]
# The application's slugs the provider's clients send people back to (any port on 127.0.0.1 or localhost).
SLUGS = ["acme", "globex", "expired", "audience", "signature"]
CLIENTS = {
    "procurement": "procurement-secret",
    "globex": "globex-secret",
    "expired": "expired-secret",
    "audience": "audience-secret",
    "signature": "signature-secret",
}


@dataclass
class Provider:
    issuer: str
    world_file: Path
    world: dict[str, Any]
    process: subprocess.Popen[bytes]
    log: Path
    key_file: Path  # the provider's RSA signing key (PEM), as published in its JWKS
    sessions: dict[str, requests.Session] = field(default_factory=dict)

    def person(self, username: str, password: str, **claims: Any) -> None:
        """Add or change a person and their claims (read again by the provider at each sign-in)."""
        self.world["users"][username] = {"password": password, "claims": claims}
        self.world_file.write_text(json.dumps(self.world))

    def browser(self, name: str = "default") -> requests.Session:
        return self.sessions.setdefault(name, requests.Session())

    def authorize(self, authorize_url: str, username: str, password: str, browser: str = "default") -> str:
        """Follow the provider's authorize address as a browser would, signing in on its form when asked; returns
        the address the provider sends the browser back to (our callback, with its code and state)."""
        session = self.browser(browser)
        url = authorize_url
        for _hop in range(6):
            answer = session.get(url, allow_redirects=False, timeout=10)
            if answer.status_code in (301, 302, 303):
                location = urljoin(url, answer.headers["Location"])
                if not location.startswith(self.issuer.rsplit("/o", 1)[0]):
                    return location
                url = location
                continue
            if answer.status_code == 200 and "csrfmiddlewaretoken" in answer.text:
                token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', answer.text)
                next_url = re.search(r'name="next" value="([^"]*)"', answer.text)
                assert token and next_url
                answer = session.post(
                    url,
                    data={
                        "csrfmiddlewaretoken": token.group(1),
                        "username": username,
                        "password": password,
                        "next": next_url.group(1).replace("&amp;", "&"),
                    },
                    allow_redirects=False,
                    timeout=10,
                )
                assert answer.status_code == 302, answer.text[:500]
                url = urljoin(url, answer.headers["Location"])
                continue
            raise AssertionError(f"the provider answered {answer.status_code}: {answer.text[:500]}")
        raise AssertionError("too many redirects at the provider")

    def signed_in_at_provider(self, browser: str = "default") -> bool:
        """Whether the browser's provider session is still signed in (its authorize page asks for no login)."""
        answer = self.browser(browser).get(
            f"{self.issuer}/authorize/?response_type=code&client_id=procurement&scope=openid"
            "&redirect_uri=http://127.0.0.1/sso/oidc/acme/callback/&code_challenge=x&code_challenge_method=S256",
            allow_redirects=False,
            timeout=10,
        )
        return "/accounts/login/" not in answer.headers.get("Location", "")

    def stop(self) -> None:
        process_stop(self.process)


def start_provider(folder: Path) -> Provider:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = folder / "provider-key.pem"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    port = free_port()
    issuer = f"http://127.0.0.1:{port}/o"
    redirect_uris = [
        f"http://{host}/sso/oidc/{slug}/callback/" for slug in SLUGS for host in ("127.0.0.1", "localhost")
    ]
    world = {
        "users": {},
        "clients": [
            {
                "name": name,
                "client_id": name,
                "client_secret": secret,
                "redirect_uris": redirect_uris,
                "post_logout_redirect_uris": ["http://127.0.0.1/login/", "http://localhost/login/"],
            }
            for name, secret in CLIENTS.items()
        ],
    }
    world_file = folder / "provider-world.json"
    world_file.write_text(json.dumps(world))
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "PYTEST_"))},
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "tests.identity.oidc_provider.settings",
        "PROVIDER_DB": str(folder / "provider.sqlite3"),
        "PROVIDER_ISSUER": issuer,
        "PROVIDER_KEY_FILE": str(key_file),
        "PROVIDER_WORLD": str(world_file),
    }
    subprocess.run(
        [sys.executable, "-m", "tests.identity.oidc_provider.setup"], env=env, cwd=ROOT, check=True, timeout=120
    )
    log = folder / "provider.log"
    process = wsgi_serve(
        "tests.identity.oidc_provider.wsgi:application",
        port=port,
        env=env,
        log=log,
        ready_url=f"{issuer}/.well-known/openid-configuration",
        what="the OIDC provider",
    )
    return Provider(issuer=issuer, world_file=world_file, world=world, process=process, log=log, key_file=key_file)


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
