"""Data: ministry officers may create, see and revoke API tokens (webhooks: 0014)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    "view_apitoken",
    "add_apitoken",
    "change_apitoken",
]


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("procurement")
    app_config.models_module = True  # a migration's app stub lacks it; create_permissions asks
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="ministry officer")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="procurement", codename__in=CODENAMES)
    )


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="ministry officer"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="procurement", codename__in=CODENAMES
            )
        )


class Migration(migrations.Migration):
    dependencies = [("procurement", "0012_api_tokens_idempotency_webhooks")]

    operations = [migrations.RunPython(forwards, backwards)]
