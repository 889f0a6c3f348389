"""Schema (state only): the e-mail outbox, webhook subscriptions and deliveries and the
Idempotency-Keys now belong to core (core 0001 takes them over with their tables as they are).
Nothing changes in the database."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0016_field_history"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="outboundemailattempt", name="email"),
                migrations.RemoveField(model_name="webhookattempt", name="delivery"),
                migrations.RemoveField(model_name="webhookdelivery", name="subscription"),
                migrations.RemoveField(model_name="webhooksubscription", name="created_by"),
                migrations.DeleteModel(name="IdempotencyKey"),
                migrations.DeleteModel(name="OutboundEmail"),
                migrations.DeleteModel(name="OutboundEmailAttempt"),
                migrations.DeleteModel(name="WebhookAttempt"),
                migrations.DeleteModel(name="WebhookDelivery"),
                migrations.DeleteModel(name="WebhookSubscription"),
            ],
            database_operations=[],
        ),
    ]
