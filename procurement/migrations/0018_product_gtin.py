"""Schema: a product may carry its GS1 GTIN (14 digits, unique when given)."""

from django.db import migrations, models

import procurement.validators


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0017_outbox_webhooks_idempotency_move_to_core"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalproduct",
            name="gtin",
            field=models.CharField(
                blank=True,
                help_text="The GS1 trade item number under the product's barcode, as 14 digits.",
                max_length=14,
                validators=[procurement.validators.validate_gtin],
                verbose_name="GTIN",
            ),
        ),
        migrations.AddField(
            model_name="product",
            name="gtin",
            field=models.CharField(
                blank=True,
                help_text="The GS1 trade item number under the product's barcode, as 14 digits.",
                max_length=14,
                validators=[procurement.validators.validate_gtin],
                verbose_name="GTIN",
            ),
        ),
        migrations.AddConstraint(
            model_name="product",
            constraint=models.UniqueConstraint(
                condition=models.Q(("gtin", ""), _negated=True),
                fields=("gtin",),
                name="product_gtin_unique",
            ),
        ),
    ]
