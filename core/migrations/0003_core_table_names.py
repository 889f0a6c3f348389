"""Schema: the tables that moved from procurement take core's names (a rename each; the rows,
keys and indexes stay)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0002_content_types_from_procurement")]

    operations = [
        migrations.AlterModelTable(name=name, table=None)
        for name in [
            "outboundemail",
            "outboundemailattempt",
            "idempotencykey",
            "webhooksubscription",
            "webhookdelivery",
            "webhookattempt",
        ]
    ]
