from django.db import migrations

ROLES = {
    "requester": "Requester",
    "approver": "Approver",
    "buyer": "Buyer",
    "finance": "Finance",
    "admin": "Administrator",
}


def create_roles(apps, schema_editor):
    Role = apps.get_model("procurement", "Role")
    for code, name in ROLES.items():
        Role.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("procurement", "0001_initial")]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
