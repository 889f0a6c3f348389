"""Certificates: verification with a reason, and no release on dead documents."""

import datetime as dt

import pytest

from core.errors import IllegalTransition, InvalidInput, NotPermitted
from inspections import services
from inspections.models import Certificate, VerificationStatus
from procurement import services as procurement
from procurement.models import LotStatus, ReleaseBasis

pytestmark = pytest.mark.django_db


def _certificate(lot, **fields):
    return Certificate.objects.create(
        lot=lot,
        standard=lot.order_line.required_standard,
        issuer="Notified body",
        notified_body_number="2163",
        certificate_number=fields.pop("number", "CE-2163-001"),
        **fields,
    )


def _release_on_documents(lot, officer):
    return procurement.lot_release(
        lot=lot, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="ICU stock runs out"
    )


def test_verification_records_who_and_why(make_lot, inspector):
    certificate = _certificate(make_lot())

    services.certificate_set_verification(
        certificate=certificate, actor=inspector, status="invalid", reason="not in NANDO"
    )

    certificate.refresh_from_db()
    assert certificate.verification_status == VerificationStatus.INVALID
    event = certificate.events.get()
    assert (event.from_status, event.to_status, event.reason) == (
        "unverified", "invalid", "not in NANDO")  # fmt: skip


def test_verification_needs_a_reason_and_a_quality_role(make_lot, inspector, clerk):
    certificate = _certificate(make_lot())
    with pytest.raises(InvalidInput):
        services.certificate_set_verification(
            certificate=certificate, actor=inspector, status="verified", reason=""
        )
    with pytest.raises(NotPermitted):
        services.certificate_set_verification(
            certificate=certificate, actor=clerk, status="verified", reason="ok"
        )


def test_a_lot_whose_certificates_are_all_invalid_or_expired_is_not_released_on_documents(
    make_lot, officer
):
    lot = make_lot()
    _certificate(lot, number="A", verification_status=VerificationStatus.INVALID)
    _certificate(lot, number="B", valid_until=dt.date(2020, 1, 1))

    with pytest.raises(IllegalTransition, match="invalid or expired: it cannot be released"):
        _release_on_documents(lot, officer)

    lot.refresh_from_db()
    assert lot.status == LotStatus.QUARANTINED


def test_one_valid_certificate_is_enough_for_a_release_on_documents(make_lot, officer):
    lot = make_lot()
    _certificate(lot, number="A", verification_status=VerificationStatus.INVALID)
    _certificate(lot, number="B", valid_until=dt.date.today() + dt.timedelta(days=30))

    assert _release_on_documents(lot, officer).status == LotStatus.RELEASED


def test_dead_certificates_do_not_stop_a_release_on_an_accepted_inspection(make_lot, officer):
    lot = make_lot()
    _certificate(lot, verification_status=VerificationStatus.INVALID)
    released = procurement.lot_release(
        lot=lot, actor=officer, basis=ReleaseBasis.INSPECTION, reason="inspection 4 accepted"
    )
    assert released.status == LotStatus.RELEASED
