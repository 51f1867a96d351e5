"""The provider's claims come from the test's world file, read again at each sign-in (a test changes a person's
department between two sign-ins). Three clients misbehave on purpose, by name: "expired" issues ID tokens that
expired an hour ago, "audience" tokens for another audience, "signature" tokens signed with a key that is not in
the JWKS (under the published key's id)."""

import base64
import hmac
import json
import os
import time
from pathlib import Path
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from jwcrypto import jwk, jwt
from oauth2_provider.oauth2_validators import OAuth2Validator

_FORGER = jwk.JWK.generate(kty="RSA", size=2048)


def world() -> dict[str, Any]:
    return json.loads(Path(os.environ["PROVIDER_WORLD"]).read_text())


class ClaimsValidator(OAuth2Validator):
    oidc_claim_scope = None  # every claim of the world file, whatever the scopes

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        return dict(world()["users"][request.user.username]["claims"])

    def get_id_token_dictionary(self, token: Any, token_handler: Any, request: Any) -> Any:
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        if request.client.name == "expired":
            now = int(time.time())
            claims.update(exp=now - 3600, iat=now - 7200, auth_time=now - 7200)
        return claims, expiration

    def finalize_id_token(self, id_token: Any, token: Any, token_handler: Any, request: Any) -> str:
        if request.client.name == "audience":
            id_token["aud"] = "another-application"
        signed = super().finalize_id_token(id_token, token, token_handler, request)
        if request.client.name != "signature":
            return signed
        header_b64, payload_b64, _signature = signed.split(".")
        header = base64.urlsafe_b64decode(header_b64 + "=" * (-len(header_b64) % 4)).decode()
        payload = base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4)).decode()
        forged = jwt.JWT(header=header, claims=payload)
        forged.make_signed_token(_FORGER)
        return forged.serialize()


class WorldBackend(ModelBackend):
    """People sign in with the user names and passwords of the world file (their user row made on first use)."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        person = world()["users"].get(username or "")
        if person is None or password is None or not hmac.compare_digest(person["password"], password):
            return None
        user, _created = User.objects.get_or_create(username=username)
        return user
