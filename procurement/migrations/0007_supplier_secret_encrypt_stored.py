"""Encrypt the suppliers' order shared secrets stored in clear (reversible: back to clear)."""

from django.db import migrations, models
from django.db.models.functions import Cast

from procurement.encryption import secret_decrypt, secret_encrypt, secret_is_encrypted


def _rewrite(apps, change, wanted):
    Supplier = apps.get_model("procurement", "Supplier")
    # Raw column values: a plain TextField cast skips the encrypted field's decryption.
    rows = Supplier._base_manager.annotate(raw=Cast("order_shared_secret", models.TextField())).values_list(
        "pk", "raw"
    )
    for pk, raw in rows:
        if raw and wanted(raw):
            Supplier._base_manager.filter(pk=pk).update(
                order_shared_secret=models.Value(change(raw), output_field=models.TextField())
            )


def encrypt_stored(apps, schema_editor):
    _rewrite(apps, secret_encrypt, lambda raw: not secret_is_encrypted(raw))


def decrypt_stored(apps, schema_editor):
    _rewrite(apps, lambda raw: secret_decrypt(raw, where="procurement.Supplier.order_shared_secret"), secret_is_encrypted)


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0006_supplier_secret_encrypted_field"),
    ]

    operations = [
        migrations.RunPython(encrypt_stored, decrypt_stored, elidable=False),
    ]
