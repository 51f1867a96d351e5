"""SCIM tests: requests replayed as Entra ID and Okta send them (tests/identity/scim_fixtures/), through the whole
Django stack, against a SCIM client made as the admin makes one."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client

from identity.models import ScimClient
from identity.scim.auth import token_issue

FIXTURES = Path(__file__).resolve().parent.parent / "scim_fixtures"
MEDIA_TYPE = "application/scim+json"


@pytest.fixture(autouse=True)
def _fresh_browsers():
    """No OpenID provider here: the SCIM tests do not sign in (this replaces tests/identity's fixture)."""


def scim_client(entity, *, name="Entra ID provisioning", provider=None) -> tuple[ScimClient, str]:
    client = ScimClient(name=name, legal_entity=entity, identity_provider=provider)
    token = token_issue(client)
    client.save()
    return client, token


@dataclass
class Scim:
    """Sends SCIM requests with a client's token; `replay` sends a provider's documented request with its sample
    ids swapped for ours."""

    token: str
    provider: str = "entra"
    ids: dict[str, str] = field(default_factory=dict)
    http: Client = field(default_factory=Client)

    def request(self, method: str, path: str, body: Any = None, *, token: str | None = None, raw: bytes | None = None):
        target, _, query = path.partition("?")
        url = "/scim/v2" + target + ("?" + quote(query, safe="=&%") if query else "")
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        response = self.http.generic(
            method,
            url,
            data=data,
            content_type=MEDIA_TYPE,
            headers={"Authorization": f"Bearer {token if token is not None else self.token}"},
        )
        response.data = json.loads(response.content) if response.content else None
        return response

    def replay(self, name: str, ids: dict[str, str] | None = None):
        fixture = json.loads((FIXTURES / f"{self.provider}.json").read_text())["requests"][name]
        text = json.dumps(fixture)
        for sample, ours in {**self.ids, **(ids or {})}.items():
            text = text.replace(sample, ours)
        fixture = json.loads(text)
        return self.request(fixture["method"], fixture["path"], fixture.get("body"))
