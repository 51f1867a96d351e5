"""Re-encrypt every stored secret under the newest key of SECRETS_ENCRYPTION_KEYS.

Rotation: put the new key first in SECRETS_ENCRYPTION_KEYS (keep the old one after it), deploy, run this
command, check with `rotate_secrets --check`, then remove the old key and deploy again.
"""

import json
from collections import Counter
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction
from django.db.models.functions import Cast

from procurement.encryption import (
    KEYS_SETTING,
    EncryptedPasswordsJSONField,
    SecretDecryptionError,
    encrypted_fields,
    password_like,
    secret_decrypt,
    secret_is_current,
    secret_is_encrypted,
)

EMPTY, CURRENT, ROTATED, WAS_PLAIN, UNREADABLE = "empty", "current", "rotated", "was plain", "unreadable"
NEEDS_WRITING = {ROTATED, WAS_PLAIN}


def _state(stored: str) -> str:
    """Where one stored value stands: nothing to do, re-encrypt, encrypt, or no key opens it."""
    if not stored:
        return EMPTY
    if not secret_is_encrypted(stored):
        return WAS_PLAIN
    if secret_is_current(stored):
        return CURRENT
    try:
        secret_decrypt(stored)
    except SecretDecryptionError:
        return UNREADABLE
    return ROTATED


def _row_state(field: models.Field, raw: str | None) -> str:
    if not isinstance(field, EncryptedPasswordsJSONField):
        return _state(raw or "")
    value = json.loads(raw) if raw else None
    if not isinstance(value, dict):
        return EMPTY
    states = {_state(item) for key, item in value.items() if password_like(key) and isinstance(item, str)}
    for state in (UNREADABLE, ROTATED, WAS_PLAIN, CURRENT):
        if state in states:
            return state
    return EMPTY


class Command(BaseCommand):
    help = (
        f"Re-encrypt every stored shared secret and OCI password under the newest key of {KEYS_SETTING} "
        "(the first one). Idempotent; --check changes nothing and fails when a value is not under the newest key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; exit with an error if any stored secret is not encrypted under the newest key.",
        )

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        totals: Counter[str] = Counter()
        unreadable: list[str] = []
        for model, field in encrypted_fields(apps.get_models()):
            counts: Counter[str] = Counter()
            manager = model._base_manager
            for pk in manager.order_by("pk").values_list("pk", flat=True):
                # One row at a time, locked, so an edit made meanwhile is neither lost nor overwritten.
                with transaction.atomic():
                    raw = (
                        manager.select_for_update()
                        .filter(pk=pk)
                        .annotate(_stored=Cast(field.name, models.TextField()))
                        .values_list("_stored", flat=True)
                        .first()
                    )
                    state = _row_state(field, raw)
                    counts[state] += 1
                    if state == UNREADABLE:
                        unreadable.append(f"{model._meta.label}.{field.name} of id {pk}")
                    elif state in NEEDS_WRITING and not check:
                        # Reading decrypts with any key; saving encrypts with the newest.
                        plain = manager.filter(pk=pk).values_list(field.name, flat=True).get()
                        manager.filter(pk=pk).update(**{field.name: plain})
            totals.update(counts)
            self.stdout.write(f"{model._meta.label}.{field.name}: {self._summary(counts, check)}")
        self.stdout.write(f"total: {self._summary(totals, check)}")
        if unreadable:
            raise CommandError(
                f"{len(unreadable)} stored secret(s) open with none of the keys in {KEYS_SETTING}: "
                f"{', '.join(unreadable)}. Put the key they were written with back in the list (after the "
                "newest), run rotate_secrets again, or set these secrets anew."
            )
        pending = totals[ROTATED] + totals[WAS_PLAIN]
        if check and pending:
            raise CommandError(
                f"{pending} stored secret(s) are not encrypted under the newest key: run rotate_secrets."
            )
        self.stdout.write(self.style.SUCCESS("Every stored secret is encrypted under the newest key."))

    @staticmethod
    def _summary(counts: Counter[str], check: bool) -> str:
        verb = "to re-encrypt" if check else "re-encrypted"
        plain = "to encrypt (stored in clear)" if check else "encrypted (were stored in clear)"
        return (
            f"{counts[ROTATED]} {verb} from an older key, {counts[WAS_PLAIN]} {plain}, "
            f"{counts[CURRENT]} already under the newest key, {counts[EMPTY]} empty, {counts[UNREADABLE]} unreadable"
        )
