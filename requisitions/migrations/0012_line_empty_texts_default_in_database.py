"""A requisition line's GL account, project and note to the supplier default to "" in the database too (as they do
in Django): a cart written with COPY leaves them to the column's default (procurement.bulk). No row changes."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("requisitions", "0011_line_contract"),
    ]

    operations = [
        migrations.AlterField(
            model_name="requisitionline",
            name="gl_account",
            field=models.CharField(blank=True, db_default="", default="", max_length=20, verbose_name="GL account"),
        ),
        migrations.AlterField(
            model_name="requisitionline",
            name="project",
            field=models.CharField(blank=True, db_default="", default="", max_length=40),
        ),
        migrations.AlterField(
            model_name="requisitionline",
            name="supplier_note",
            field=models.CharField(blank=True, db_default="", default="", max_length=1000),
        ),
    ]
