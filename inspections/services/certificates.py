"""Certificates: an officer's verification, and the release guard that refuses a release on
documents that are invalid or expired."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.errors import IllegalTransition, InvalidInput
from core.roles import Role, require_role
from core.validation import require_reason
from procurement.models import Lot, ReleaseBasis

from ..models import (
    Certificate,
    CertificateEvent,
    VerificationStatus,
)

# ---------------------------------------------------------------------------------------------
# Certificates


def certificate_set_verification(
    *, certificate: Certificate, actor, status: str, reason: str
) -> Certificate:
    """Mark a certificate verified or invalid (or back to unverified), with the reason."""
    require_role(actor, Role.MINISTRY_OFFICER, Role.INSPECTOR, action="verify certificates")
    if status not in VerificationStatus.values:
        raise InvalidInput(f"Unknown verification status {status!r}.")
    reason = require_reason(reason, "a certificate's verification")
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.verification_status == status:
            return certificate
        CertificateEvent.objects.create(
            certificate=certificate,
            from_status=certificate.verification_status,
            to_status=status,
            actor=actor,
            reason=reason,
        )
        certificate.verification_status = status
        certificate.save(update_fields=["verification_status"])
    return certificate


def refuse_release_on_dead_documents(lot: Lot, basis: str) -> None:
    """Release guard: a lot whose certificates (its own and its product's) are all invalid or
    expired cannot be released on documents."""
    if basis != ReleaseBasis.DOCUMENTS:
        return
    certificates = list(
        Certificate.objects.filter(lot=lot) | Certificate.objects.filter(product=lot.product)
    )
    if certificates and not any(_certificate_usable(c) for c in certificates):
        raise IllegalTransition(
            f"Every certificate of lot {lot.lot_number} is invalid or expired: it cannot be "
            "released on documents. It needs an accepted inspection."
        )


def _certificate_usable(certificate: Certificate) -> bool:
    if certificate.verification_status == VerificationStatus.INVALID:
        return False
    return certificate.valid_until is None or certificate.valid_until >= timezone.localdate()
