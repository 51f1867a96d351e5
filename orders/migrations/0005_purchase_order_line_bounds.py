"""The bounds of order lines in the database too: quantities within what DecimalField(13, 3) holds (SQLite
does not enforce it), and no negative prices or totals."""

from decimal import Decimal

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_redact_and_repair"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='purchaseorderline',
            constraint=models.CheckConstraint(condition=models.Q(('quantity__gte', 0), ('quantity__lte', Decimal('9999999999.999'))), name='purchase_order_line_quantity_in_range'),
        ),
        migrations.AddConstraint(
            model_name='purchaseorderline',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('confirmed_quantity__gte', 0), ('confirmed_quantity__lte', Decimal('9999999999.999'))), ('confirmed_quantity__isnull', True), _connector='OR'), name='purchase_order_line_confirmed_quantity_in_range'),
        ),
        migrations.AddConstraint(
            model_name='purchaseorderline',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('backordered_quantity__gte', 0), ('backordered_quantity__lte', Decimal('9999999999.999'))), ('backordered_quantity__isnull', True), _connector='OR'), name='purchase_order_line_backordered_quantity_in_range'),
        ),
        migrations.AddConstraint(
            model_name='purchaseorderline',
            constraint=models.CheckConstraint(condition=models.Q(('shipped_quantity__gte', 0), ('shipped_quantity__lte', Decimal('9999999999.999'))), name='purchase_order_line_shipped_quantity_in_range'),
        ),
        migrations.AddConstraint(
            model_name='purchaseorderline',
            constraint=models.CheckConstraint(condition=models.Q(('price_basis_quantity__gt', 0), ('price_basis_quantity__lte', Decimal('9999999999.999'))), name='purchase_order_line_price_basis_in_range'),
        ),
        migrations.AddConstraint(
            model_name='purchaseorderline',
            constraint=models.CheckConstraint(condition=models.Q(('unit_price_minor__gte', 0)), name='purchase_order_line_unit_price_not_negative'),
        ),
        migrations.AddConstraint(
            model_name='purchaseorderline',
            constraint=models.CheckConstraint(condition=models.Q(('total_minor__gte', 0)), name='purchase_order_line_total_not_negative'),
        ),
        migrations.AddConstraint(
            model_name='purchaseorderline',
            constraint=models.CheckConstraint(condition=models.Q(('confirmed_unit_price_minor__gte', 0), ('confirmed_unit_price_minor__isnull', True), _connector='OR'), name='purchase_order_line_confirmed_price_not_negative'),
        ),
        migrations.AddConstraint(
            model_name='purchaseorderline',
            constraint=models.CheckConstraint(condition=models.Q(('line_number__gte', 1)), name='purchase_order_line_number_positive'),
        ),
    ]
