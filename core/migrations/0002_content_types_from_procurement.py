"""Data: the content types of the tables that moved from procurement keep their rows (and so
the permissions the role groups hold on them, and the admin's log entries); only their app
label changes to core."""

from django.db import migrations

MOVED = [
    "outboundemail",
    "outboundemailattempt",
    "idempotencykey",
    "webhooksubscription",
    "webhookdelivery",
    "webhookattempt",
]


def relabel(apps, from_label: str, to_label: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        moving = ContentType.objects.filter(app_label=from_label, model=model)
        if not moving.exists():
            continue
        # A content type made meanwhile under the new label (by migrate's post_migrate after an
        # earlier reversal) holds nothing of its own yet: the moved one, with its grants, wins.
        ContentType.objects.filter(app_label=to_label, model=model).delete()
        moving.update(app_label=to_label)


def forwards(apps, schema_editor):
    relabel(apps, "procurement", "core")


def backwards(apps, schema_editor):
    relabel(apps, "core", "procurement")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0001_initial"),
        ("procurement", "0017_outbox_webhooks_idempotency_move_to_core"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
