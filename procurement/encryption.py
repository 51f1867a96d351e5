"""Secrets at rest: shared secrets and OCI passwords are stored encrypted, Python code sees them in clear.

`settings.SECRETS_ENCRYPTION_KEYS` lists Fernet keys (cryptography's AES-128-CBC + HMAC-SHA256 tokens),
newest first: the first encrypts, every one decrypts. That list is the overlap window of a rotation: put
the new key first, deploy, run `manage.py rotate_secrets` (every stored secret re-encrypted under the new
key), then remove the old key.

A stored value reads `encrypted:fernet:<token>`; a value without that prefix is a legacy plain value
(written before encryption) and is read as it is until a migration or `rotate_secrets` encrypts it. The
columns cannot be searched: nothing may filter on a secret (callers compare with secrets.compare_digest).
"""

import functools
from collections.abc import Callable, Iterable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.fields.json import KeyTransform
from django.utils.functional import cached_property

PREFIX = "encrypted:fernet:"
KEYS_SETTING = "SECRETS_ENCRYPTION_KEYS"
GENERATE_HINT = (
    'generate one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


class SecretDecryptionError(Exception):
    """A stored secret that none of the configured keys opens (a key removed too early, or an altered value)."""


class _Keys:
    """The configured keys: one MultiFernet that decrypts with any, and the newest alone."""

    def __init__(self, keys: tuple[str, ...]) -> None:
        if not keys:
            raise ImproperlyConfigured(f"{KEYS_SETTING} is empty: give at least one Fernet key ({GENERATE_HINT}).")
        fernets = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key))
            except (ValueError, TypeError):
                # The message names the position, never the key.
                raise ImproperlyConfigured(
                    f"{KEYS_SETTING}: key {position} of {len(keys)} is not a Fernet key "
                    f"(32 url-safe base64-encoded bytes); {GENERATE_HINT}."
                ) from None
        self.newest = fernets[0]
        self.any = MultiFernet(fernets)


@functools.lru_cache(maxsize=4)
def _keys_for(keys: tuple[str, ...]) -> _Keys:
    return _Keys(keys)


def configured_keys() -> tuple[str, ...]:
    """The keys from settings, newest first (a comma-separated string is accepted too)."""
    raw = getattr(settings, KEYS_SETTING, ())
    if isinstance(raw, str):
        raw = raw.split(",")
    return tuple(key.strip() for key in raw if key and key.strip())


def _keys() -> _Keys:
    return _keys_for(configured_keys())


def secret_encrypt(plaintext: str) -> str:
    """The stored form of a secret: encrypted under the newest key, with the recognisable prefix."""
    return PREFIX + _keys().newest.encrypt(plaintext.encode("utf-8")).decode("ascii")


def secret_is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def secret_decrypt(stored: str, *, where: str = "a stored secret") -> str:
    """The plaintext of a stored value; a legacy plain value comes back unchanged.

    Raises SecretDecryptionError, naming `where` but never the value, when no configured key opens it.
    """
    if not secret_is_encrypted(stored):
        return stored
    try:
        plain = _keys().any.decrypt(stored[len(PREFIX) :].encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        raise SecretDecryptionError(
            f"Cannot decrypt {where}: none of the keys in {KEYS_SETTING} opens it (was a key removed before "
            "`manage.py rotate_secrets` re-encrypted everything under the newest key, or was the value altered?)."
        ) from None
    return plain.decode("utf-8")


def secret_is_current(stored: str) -> bool:
    """Whether a stored value is encrypted under the newest key (nothing for `rotate_secrets` to do)."""
    if not secret_is_encrypted(stored):
        return False
    try:
        _keys().newest.decrypt(stored[len(PREFIX) :].encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        return False
    return True


def _is_expression(value: Any) -> bool:
    return hasattr(value, "resolve_expression")


class EncryptedTextField(models.TextField):
    """Text encrypted at rest (Fernet); Python code reads and writes the plaintext.

    `max_length` bounds the plaintext (validation and forms); the column is text, as ciphertext is longer.
    An empty value is stored empty, so "no secret" stays visible. Only `isnull` lookups are allowed.
    """

    description = "Text encrypted at rest"

    @cached_property
    def validators(self) -> list[Callable[..., Any]]:
        extra = [MaxLengthValidator(self.max_length)] if self.max_length is not None else []
        return [*super().validators, *extra]

    def _where(self) -> str:
        model = getattr(self, "model", None)
        return f"{model._meta.label}.{self.name}" if model is not None else self.name or "a secret field"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return secret_decrypt(value, where=self._where())

    def get_prep_value(self, value: Any) -> Any:
        if _is_expression(value):
            return value
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return secret_encrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        # A search by a secret would compare ciphertexts with random IVs: refuse it instead of matching nothing.
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, lookup_name: str) -> Any:
        return None


def password_like(name: str) -> bool:
    """OCI field names whose values are passwords: any name with PASSWORD, and PASS / PWD (with or without ~)."""
    upper = str(name).strip().upper()
    return "PASSWORD" in upper or upper.lstrip("~") in {"PASS", "PWD"}


def _map_password_values(value: Any, change: Callable[[str], str]) -> Any:
    if not isinstance(value, dict):
        return value
    return {
        key: (change(str(item)) if password_like(key) and item not in (None, "") else item)
        for key, item in value.items()
    }


class EncryptedPasswordsJSONField(models.JSONField):
    """A JSON object (OCI login fields and parameters) whose password values are encrypted at rest.

    Other values stay plain and searchable; Python code sees the whole object in clear.
    """

    description = "A JSON object with its password values encrypted at rest"

    def _where(self, key: str) -> str:
        model = getattr(self, "model", None)
        label = f"{model._meta.label}.{self.name}" if model is not None else self.name
        return f"{label}[{key!r}]"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        value = super().from_db_value(value, expression, connection)
        if isinstance(expression, KeyTransform) and password_like(expression.key_name) and isinstance(value, str):
            return secret_decrypt(value, where=self._where(expression.key_name))  # values("oci_fields__PASSWORD")
        if not isinstance(value, dict):
            return value
        return {
            key: (
                secret_decrypt(item, where=self._where(key))
                if password_like(key) and isinstance(item, str) and item
                else item
            )
            for key, item in value.items()
        }

    def get_prep_value(self, value: Any) -> Any:
        if _is_expression(value):
            return value
        return super().get_prep_value(_map_password_values(value, secret_encrypt))


def encrypted_fields(models_to_scan: Iterable[type[models.Model]]) -> list[tuple[type[models.Model], models.Field]]:
    """Every (model, field) that keeps secrets encrypted, in a stable order."""
    found = []
    for model in models_to_scan:
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField | EncryptedPasswordsJSONField):
                found.append((model, field))
    return sorted(found, key=lambda pair: (pair[0]._meta.label, pair[1].name))


@checks.register(checks.Tags.security)
def check_secrets_encryption_keys(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """`manage.py check` (and every management command) refuses keys that cannot encrypt."""
    try:
        _keys()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="procurement.E100")]
    return []
