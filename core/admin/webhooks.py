"""Webhooks in the ministry panel: subscriptions are added and edited through forms whose saving
calls the subscription services (the secret is shown once, masked after); deliveries are read
only, with their attempts, and a failed one can be tried again now."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from ..models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from ..outbox import webhooks as services
from ..outbox.webhooks import SECRET_MIN_LENGTH, secret_masked
from ..roles import Role, has_role
from .common import RefusalShownOnForm, ViewOnlyAdmin, ViewOnlyInline, run_each

# ---------------------------------------------------------------------------------------------
# Subscriptions


class WebhookSubscriptionForm(forms.ModelForm):
    """Collects the input; the services check it (their message is the one shown)."""

    # Plain text: the service says what is wrong with a URL (only http and https are sent to).
    url = forms.CharField(label="URL", max_length=200)
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )
    new_secret = forms.CharField(
        label="Secret",
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=(
            f"At least {SECRET_MIN_LENGTH} characters, shared with the receiving system. Leave "
            "empty to have one generated (shown once after saving) or, when editing, to keep "
            "the current one."
        ),
    )
    generate_secret = forms.BooleanField(
        label="Generate a new secret",
        required=False,
        help_text="Replace the current secret with a generated one (shown once after saving).",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events", "is_active"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(RefusalShownOnForm, admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["name", "url", "event_list", "is_active", "masked_secret", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    readonly_fields = ["masked_secret", "created_by", "created_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "url", "events", "new_secret"]
        return [
            "name",
            "url",
            "events",
            "is_active",
            "masked_secret",
            "new_secret",
            "generate_secret",
            "created_by",
            "created_at",
        ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivated instead: its deliveries and their log stay

    @admin.display(description="events")
    def event_list(self, subscription: WebhookSubscription) -> str:
        return ", ".join(subscription.events)

    @admin.display(description="secret")
    def masked_secret(self, subscription: WebhookSubscription) -> str:
        return secret_masked(subscription.secret)

    def save_model(self, request, obj, form, change) -> None:
        data = form.cleaned_data
        if not change:
            saved = services.webhook_subscription_create(
                name=data["name"],
                url=data["url"],
                events=data["events"],
                secret=data["new_secret"],
                actor=request.user,
            )
        else:
            secret = "" if data.get("generate_secret") else (data["new_secret"] or None)
            saved = services.webhook_subscription_update(
                subscription=obj,
                actor=request.user,
                name=data["name"],
                url=data["url"],
                events=data["events"],
                secret=secret,
                is_active=data["is_active"],
            )
        obj.pk, obj.secret, obj.created_at = saved.pk, saved.secret, saved.created_at
        generated = data.get("generate_secret") if change else not data["new_secret"]
        if generated:
            # The only time the generated secret is shown: the receiving system needs it.
            self.message_user(
                request,
                f"The secret of {saved.name} is {saved.secret} - give it to the receiving "
                "system now; it is not shown again.",
                messages.WARNING,
            )

    def save_related(self, request, form, formsets, change) -> None:
        pass  # nothing related: the subscription is written by its service alone


# ---------------------------------------------------------------------------------------------
# Deliveries: read only; a failed one can be retried


class WebhookAttemptInline(ViewOnlyInline):
    model = WebhookAttempt
    fields = ["at", "succeeded", "response_status", "error"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ViewOnlyAdmin):
    list_display = [
        "created_at",
        "event",
        "subscription",
        "status",
        "attempt_count",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event", "subscription"]
    list_select_related = ["subscription"]
    search_fields = ["event_id", "subscription__name"]
    date_hierarchy = "created_at"
    fields = [
        "subscription",
        "event",
        "event_id",
        "status",
        "created_at",
        "claimed_at",
        "next_attempt_at",
        "delivered_at",
        "attempt_count",
        "payload",
    ]
    inlines = [WebhookAttemptInline]
    actions = ["retry_now"]

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return has_role(request.user, Role.MINISTRY_OFFICER)

    @admin.action(description="Retry now", permissions=["retry"])
    def retry_now(self, request, queryset) -> None:
        run_each(
            self,
            request,
            queryset.select_related("subscription"),
            lambda delivery: services.webhook_delivery_retry(delivery=delivery, actor=request.user),
            "Queued again",
        )
