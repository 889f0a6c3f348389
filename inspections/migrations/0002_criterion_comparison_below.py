from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="criterion",
            name="comparison",
            field=models.CharField(
                choices=[("at_least", "at least"), ("at_most", "at most"), ("below", "below")],
                max_length=10,
            ),
        ),
    ]
