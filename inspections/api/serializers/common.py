"""What the input serializers share: ids that must fit the database, whole numbers of units,
and a reason."""

from __future__ import annotations

from rest_framework import serializers

from ...filters import MAX_ID, id_in_range

# Whole numbers of units or samples: what a PositiveIntegerField holds. Larger numbers are a
# malformed request, refused before a service compares them with anything.
MAX_UNITS = 2_147_483_647
UNITS = {"min_value": 0, "max_value": MAX_UNITS}


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """An object named by its id; an id beyond the database's range is "does not exist"."""

    def to_internal_value(self, data):
        if not isinstance(data, bool) and isinstance(data, int | str) and not id_in_range(data):
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def id_field(**kwargs) -> serializers.IntegerField:
    """An object's id given as a number, resolved by the view."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class ReasonRequiredSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ReasonOptionalSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
