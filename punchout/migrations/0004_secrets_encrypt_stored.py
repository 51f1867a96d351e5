"""Encrypt the shared secrets and OCI passwords stored in clear (reversible: back to clear)."""

import json

from django.db import migrations, models
from django.db.models.functions import Cast

from procurement.encryption import password_like, secret_decrypt, secret_encrypt, secret_is_encrypted


def _rewrite_text(Model, name, change, wanted):
    # Raw column values: a plain TextField cast skips the encrypted field's decryption.
    rows = Model._base_manager.annotate(raw=Cast(name, models.TextField())).values_list("pk", "raw")
    for pk, raw in rows:
        if raw and wanted(raw):
            Model._base_manager.filter(pk=pk).update(**{name: models.Value(change(raw), output_field=models.TextField())})


def _rewrite_oci_fields(Connection, change, wanted):
    rows = Connection._base_manager.annotate(raw=Cast("oci_fields", models.TextField())).values_list("pk", "raw")
    for pk, raw in rows:
        fields = json.loads(raw) if raw else None
        if not isinstance(fields, dict):
            continue
        changed = {
            key: (change(value) if password_like(key) and isinstance(value, str) and value and wanted(value) else value)
            for key, value in fields.items()
        }
        if changed != fields:
            Connection._base_manager.filter(pk=pk).update(
                oci_fields=models.Value(changed, output_field=models.JSONField())
            )


def _rewrite(apps, change, wanted):
    for model_name, name in (("PunchoutConnection", "shared_secret"), ("ErpClient", "shared_secret")):
        Model = apps.get_model("punchout", model_name)
        _rewrite_text(Model, name, change(f"punchout.{model_name}.{name}"), wanted)
    _rewrite_oci_fields(
        apps.get_model("punchout", "PunchoutConnection"), change("punchout.PunchoutConnection.oci_fields"), wanted
    )


def encrypt_stored(apps, schema_editor):
    _rewrite(apps, lambda where: secret_encrypt, lambda raw: not secret_is_encrypted(raw))


def decrypt_stored(apps, schema_editor):
    _rewrite(apps, lambda where: lambda raw: secret_decrypt(raw, where=where), secret_is_encrypted)


class Migration(migrations.Migration):
    dependencies = [
        ("punchout", "0003_secrets_encrypted_fields"),
    ]

    operations = [
        migrations.RunPython(encrypt_stored, decrypt_stored, elidable=False),
    ]
