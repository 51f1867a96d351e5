"""Typo-tolerant catalog search on PostgreSQL: the pg_trgm extension and GIN trigram indexes on the columns
the catalog searches (procurement.catalog_search). Other databases get nothing here: the search falls back
to correcting words against the catalog's vocabulary.

The indexes are the database's, not the model's (a model index would ask SQLite for GIN): `name` and
`manufacturer` serve the `%>` word-similarity operator, UPPER(…) the icontains of the exact search.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "catalog_item_name_trgm": "name",
    "catalog_item_manufacturer_trgm": "manufacturer",
    "catalog_item_name_upper_trgm": "(UPPER(name::text))",
    "catalog_item_sku_upper_trgm": "(UPPER(sku::text))",
    "catalog_item_mpn_upper_trgm": "(UPPER(manufacturer_part_id::text))",
}


def _table(apps):
    return apps.get_model("procurement", "CatalogItem")._meta.db_table


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(_table(apps))
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} ON {table} USING gin ({column} gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [("procurement", "0014_supplier_language")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
