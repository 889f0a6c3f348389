"""Webhook subscriptions for ministry-level integrations, under /api/v1/webhooks/: list and
subscribe (the secret is in the answer to the subscribing POST only), deactivate, and each
subscription's deliveries with their attempts. Ministry officers only; every write is a
service (`core.outbox.webhooks`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from ..models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from ..outbox import webhooks as services
from ..outbox.webhooks import SECRET_MAX_LENGTH, secret_masked
from ..roles import Role
from .base import TrackerViewSet
from .pagination import CursorPage

# ---------------------------------------------------------------------------------------------
# Serializers: the shape of a request; the service checks the rules


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))
    secret_hint = serializers.SerializerMethodField(help_text="The secret, masked.")
    created_by = serializers.CharField(source="created_by.username", default=None)

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "name",
            "url",
            "events",
            "is_active",
            "secret_hint",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields

    def get_secret_hint(self, subscription: WebhookSubscription) -> str:
        return secret_masked(subscription.secret)


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    """The answer to subscribing: the only time the secret is shown."""

    secret = serializers.CharField(
        read_only=True, help_text="Keep it: it signs every delivery and is not shown again."
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookSubscriptionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    url = serializers.CharField(max_length=200, help_text="http:// or https://")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1
    )
    secret = serializers.CharField(
        max_length=SECRET_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="At least 16 characters; left out, one is generated and answered once.",
    )


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["at", "succeeded", "response_status", "error"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    attempts = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "event_id",
            "status",
            "created_at",
            "next_attempt_at",
            "delivered_at",
            "attempt_count",
            "payload",
            "attempts",
        ]
        read_only_fields = fields


# ---------------------------------------------------------------------------------------------
# The resource


class WebhookSubscriptionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TrackerViewSet
):
    """Systems subscribed to the tracker's events, and what was sent to them."""

    roles = (Role.MINISTRY_OFFICER,)
    queryset = WebhookSubscription.objects.select_related("created_by")
    serializer_class = WebhookSubscriptionSerializer
    filterset_fields = ["is_active"]
    ordering_fields = ["name", "created_at", "id"]

    @extend_schema(
        request=WebhookSubscriptionInputSerializer,
        responses={201: WebhookSubscriptionCreatedSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Subscribe a system's URL to events. The answer holds the secret, once."""
        serializer = WebhookSubscriptionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = services.webhook_subscription_create(
            actor=request.user, **serializer.validated_data
        )
        return Response(
            WebhookSubscriptionCreatedSerializer(subscription).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses=WebhookSubscriptionSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Stop sending to the subscription; deliveries still waiting fail. Its log stays."""
        subscription = services.webhook_subscription_deactivate(
            subscription=self.get_object(), actor=request.user
        )
        return Response(WebhookSubscriptionSerializer(subscription).data)

    @extend_schema(responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=CursorPage, filter_backends=[])
    def deliveries(self, request, pk=None):
        """What was sent to the subscription (or is waiting), newest first, with attempts."""
        deliveries = self.get_object().deliveries.prefetch_related("attempts").order_by("-id")
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
