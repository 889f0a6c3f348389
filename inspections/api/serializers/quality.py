"""Certificates and supplier inspection levels."""

from __future__ import annotations

from rest_framework import serializers

from ...models import (
    Certificate,
    SupplierLevel,
    SupplierLevelEvent,
    VerificationStatus,
)


class CertificateSerializer(serializers.ModelSerializer):
    standard_code = serializers.CharField(source="standard.code", read_only=True)
    has_file = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "id",
            "product",
            "lot",
            "standard",
            "standard_code",
            "issuer",
            "notified_body_number",
            "certificate_number",
            "valid_until",
            "verification_status",
            "has_file",
        ]
        read_only_fields = fields

    def get_has_file(self, certificate: Certificate) -> bool:
        return bool(certificate.file)


class CertificateVerifySerializer(serializers.Serializer):
    """Mark a certificate verified, invalid or back to unverified, with the reason."""

    status = serializers.ChoiceField(choices=VerificationStatus.choices)
    reason = serializers.CharField(max_length=2000)


class SupplierLevelEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, allow_null=True)

    class Meta:
        model = SupplierLevelEvent
        fields = ["from_state", "to_state", "actor", "at", "reason", "inspection"]
        read_only_fields = fields


class SupplierLevelSerializer(serializers.ModelSerializer):
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    events = SupplierLevelEventSerializer(many=True, read_only=True)

    class Meta:
        model = SupplierLevel
        fields = [
            "id",
            "supplier",
            "supplier_name",
            "category",
            "state",
            "recent_original",
            "consecutive_accepted",
            "rejected_while_tightened",
            "reduced_proposed",
            "events",
        ]
        read_only_fields = fields
