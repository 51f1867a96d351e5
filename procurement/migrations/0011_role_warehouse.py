from django.db import migrations


def create_role(apps, schema_editor):
    Role = apps.get_model("procurement", "Role")
    Role.objects.update_or_create(code="warehouse", defaults={"name": "Warehouse"})


class Migration(migrations.Migration):
    dependencies = [("procurement", "0010_idempotency_key")]
    operations = [migrations.RunPython(create_role, migrations.RunPython.noop)]
