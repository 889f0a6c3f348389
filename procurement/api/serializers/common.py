"""What every serializer of the supply side shares."""

from __future__ import annotations

from rest_framework import serializers

from core.api.base import TrackerModelSerializer

# A PositiveIntegerField holds up to this on every database the project runs on.
MAX_UNITS = 2_147_483_647


TEXT_MAX = 2000


class ReadOnlyModelSerializer(TrackerModelSerializer):
    """A model serializer whose every field is read-only (the API's outputs), and whose blank
    choices are declared (TrackerModelSerializer)."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields


class ReasonSerializer(serializers.Serializer):
    """Input of the actions that only need a reason (hold, reject, recall)."""

    reason = serializers.CharField(max_length=TEXT_MAX)


class OptionalReasonSerializer(serializers.Serializer):
    """Input of the actions where a reason is recorded if given (placing an order)."""

    reason = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default=""
    )
