"""Django REST framework's static tokens become scoped API tokens (procurement.api_tokens).

Each row of `authtoken_token` (when the table exists: it did while `rest_framework.authtoken` was installed)
becomes an ApiToken of the same user with the hash of the same key, every scope, named "Migrated token" and
expiring 90 days from this migration; then the table, which held the keys in clear, is dropped. The same key
goes on working in either header form (`Token <key>` or `Bearer <key>`) until then. On a fresh database there
is no table and nothing to do. The keys cannot be put back: the reverse does nothing.
"""

import hashlib
from datetime import timedelta

from django.db import migrations
from django.utils import timezone

TABLE = "authtoken_token"
SCOPES = ["read", "requisitions", "approvals", "purchasing", "admin"]
LIFETIME = timedelta(days=90)


def tokens_from_drf(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if TABLE not in connection.introspection.table_names(cursor):
            return
        cursor.execute(f"SELECT key, user_id FROM {TABLE} ORDER BY created")
        rows = cursor.fetchall()
    ApiToken = apps.get_model("procurement", "ApiToken")
    AuditEvent = apps.get_model("procurement", "AuditEvent")
    now = timezone.now()
    tokens = ApiToken.objects.bulk_create(
        ApiToken(
            user_id=user_id,
            name="Migrated token",
            key_hash=hashlib.sha256(key.encode("utf-8")).hexdigest(),
            hint=key[:4],
            scopes=SCOPES,
            created_at=now,
            expires_at=now + LIFETIME,
            origin="migrated",
        )
        for key, user_id in rows
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(
            event_type="api_token.created",
            actor_id=token.user_id,
            object_type="procurement.ApiToken",
            object_id=str(token.pk) if token.pk is not None else "",
            data={"name": token.name, "scopes": SCOPES, "origin": "migrated"},
        )
        for token in tokens
    )
    schema_editor.execute(f"DROP TABLE {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("procurement", "0020_api_tokens")]

    operations = [migrations.RunPython(tokens_from_drf, migrations.RunPython.noop)]
