"""The index the approver's inbox reads on PostgreSQL: open approval tasks by owner, in the inbox's order, with
the task's data included so that a page of the inbox and its count are read from the index alone.

viewflow's task table is not ours to alter by model; an index beside it is. Created CONCURRENTLY (a large
table is not locked against writes while it builds); SQLite has no such index and does not need it.
"""

from django.db import migrations

INDEX = "approval_task_open_by_owner"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON viewflow_task "
        "(owner_id, flow_task, created, id) INCLUDE (data) WHERE status = 'ASSIGNED'"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("approvals", "0007_invoice_exception_chains"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
