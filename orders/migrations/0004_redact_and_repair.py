"""Mask the credentials in the protocol documents stored so far, hash suppliers' documents, and repair order
lines that a supplier's out-of-range number broke before the codecs bounded them (SQLite only: PostgreSQL
refused those writes), so that the constraints of the next migration hold.

A line whose confirmed or backordered quantity could not be stored goes back to unconfirmed (NULL): the
supplier's next confirmation sets it again.
"""

import hashlib
from decimal import Decimal

from django.db import migrations

from punchout.redact import redact_cxml, redact_text

QUANTITY_MAX = Decimal("9999999999.999")


def _redact(model, fields, redact, extra=None):
    for row in model.objects.only("pk", *fields).iterator(chunk_size=500):
        changed = {}
        for field in fields:
            value = getattr(row, field)
            masked = redact(value) if value else value
            if masked != value:
                changed[field] = masked[: model._meta.get_field(field).max_length or None]
        if extra is not None:
            changed.update(extra(row, changed))
        if changed:
            model.objects.filter(pk=row.pk).update(**changed)


def forwards(apps, schema_editor):
    supplier_document = apps.get_model("orders", "SupplierDocument")

    def document_hash(row, changed):
        text = changed.get("document", row.document)
        return {"document_hash": hashlib.sha256(text.encode("utf-8")).hexdigest()}

    _redact(supplier_document, ["document"], redact_cxml, extra=document_hash)
    _redact(apps.get_model("orders", "PurchaseOrderRevision"), ["document"], redact_cxml)
    _redact(apps.get_model("orders", "TransmissionAttempt"), ["request", "response", "error"], redact_text)
    _redact(apps.get_model("orders", "Transmission"), ["last_error"], redact_text)

    line = apps.get_model("orders", "PurchaseOrderLine")
    for field in ("confirmed_quantity", "backordered_quantity"):
        line.objects.filter(**{f"{field}__gt": QUANTITY_MAX}).update(**{field: None})
        line.objects.filter(**{f"{field}__lt": 0}).update(**{field: None})
    line.objects.filter(confirmed_unit_price_minor__lt=0).update(confirmed_unit_price_minor=None)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_transmission_claim_document_hash"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
