"""`PunchoutSession.lines` through a model of our own (`PunchoutSessionLine`) on the table Django made for it: the
table, its rows, columns and unique pair stay as they are; only the index on `punchoutsession_id` alone goes (the
unique (punchoutsession_id, requisitionline_id) index starts with it). The foreign keys are kept, untouched."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Index

TABLE = "punchout_punchoutsession_lines"


def _session_indexes(schema_editor: Any, model: Any) -> list[str]:
    """The names of the table's plain indexes on the session column alone (not the unique pair, not the key)."""
    return schema_editor._constraint_names(model, ["punchoutsession_id"], index=True, type_=Index.suffix)


def drop_session_index(apps: Any, schema_editor: Any) -> None:
    model = apps.get_model("punchout", "PunchoutSessionLine")
    for name in _session_indexes(schema_editor, model):
        schema_editor.execute(schema_editor._delete_index_sql(model, name))


def create_session_index(apps: Any, schema_editor: Any) -> None:
    model = apps.get_model("punchout", "PunchoutSessionLine")
    if not _session_indexes(schema_editor, model):
        field = model._meta.get_field("punchoutsession")
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("punchout", "0006_inbound_session_deployment_mode"),
        ("requisitions", "0011_line_contract"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PunchoutSessionLine",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "punchoutsession",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="punchout.punchoutsession",
                            ),
                        ),
                        (
                            "requisitionline",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="requisitions.requisitionline",
                            ),
                        ),
                    ],
                    options={
                        "db_table": TABLE,
                        "unique_together": {("punchoutsession", "requisitionline")},
                    },
                ),
                migrations.AlterField(
                    model_name="punchoutsession",
                    name="lines",
                    field=models.ManyToManyField(
                        blank=True,
                        help_text="The lines this session brought.",
                        related_name="punchout_sessions",
                        through="punchout.PunchoutSessionLine",
                        to="requisitions.requisitionline",
                    ),
                ),
            ],
        ),
        migrations.RunPython(drop_session_index, create_session_index),
    ]
