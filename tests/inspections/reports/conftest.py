"""Fixtures of the report tests: a supplier whose lots fared differently (one accepted and at two
hospitals, one rejected and sent back with a credit claim, one on hold), the recall with a
hospital in every state (`recall_scenario`), and people of every role signed in."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from inspections import services
from inspections.models import Certificate, Complaint, ComplaintCategory, VerificationStatus
from procurement import services as procurement
from procurement.models import Hospital, Lot, Supplier, SupplierReturn
from tests import factories
from tests.inspections.conftest import good, record, with_failures
from tests.inspections.recall_scenario import Scenario, recall_in_every_state


@dataclass
class SupplierStory:
    supplier: Supplier
    accepted: Lot  # passed its first inspection, 200 units at H-A, 100 at H-B
    rejected: Lot  # failed twice in the warehouse, back at the supplier with a credit claim
    pending: Lot  # failed its first inspection: on hold, awaiting the second
    hospital_a: Hospital
    hospital_b: Hospital
    complaint: Complaint
    certificate: Certificate
    claim: SupplierReturn


@pytest.fixture
def story(make_lot, respirator_standard, officer, inspector, clerk) -> SupplierStory:
    supplier = factories.SupplierFactory(name="Brightmed Medical Ltd")
    product = factories.ProductFactory(name="KN95 respirator", claimed_standard=respirator_standard)
    accepted = make_lot(supplier=supplier, product=product)
    record(accepted, inspector, measurements=good(80))
    hospital_a = factories.HospitalFactory(code="H-A", name="Amphia Ziekenhuis")
    hospital_b = factories.HospitalFactory(code="H-B", name="Bravis Ziekenhuis")
    procurement.distribution_dispatch(lot=accepted, hospital=hospital_a, quantity=200, actor=clerk)
    procurement.distribution_dispatch(lot=accepted, hospital=hospital_b, quantity=100, actor=clerk)
    nurse = factories.HospitalMembershipFactory(hospital=hospital_a, user__username="nurse").user
    complaint = services.complaint_report(
        distribution=accepted.distributions.get(hospital=hospital_a),
        category=ComplaintCategory.FIT,
        description="The masks do not close.",
        quantity_affected=20,
        actor=nurse,
    )
    certificate = Certificate.objects.create(
        product=product,
        standard=respirator_standard,
        issuer="CCIC Testing",
        certificate_number="CERT-2020-0042",
    )
    services.certificate_set_verification(
        certificate=certificate,
        actor=inspector,
        status=VerificationStatus.VERIFIED,
        reason="Confirmed by the notified body.",
    )

    rejected = make_lot(supplier=supplier, product=product)
    record(rejected, inspector, measurements=with_failures(80, filtration_failures=3))
    record(rejected, inspector, "second", measurements=with_failures(80, filtration_failures=4))
    claim = procurement.supplier_return_create(
        lot=rejected,
        actor=officer,
        authorisation_reference="RA-BRIGHTMED-1",
        reason="Failed the first and the second inspection.",
    )
    pending = make_lot(supplier=supplier, product=product)
    record(pending, inspector, measurements=with_failures(80, filtration_failures=3))
    for lot in (accepted, rejected, pending):
        lot.refresh_from_db()
    return SupplierStory(
        supplier=supplier,
        accepted=accepted,
        rejected=rejected,
        pending=pending,
        hospital_a=hospital_a,
        hospital_b=hospital_b,
        complaint=complaint,
        certificate=certificate,
        claim=claim,
    )


@pytest.fixture
def scenario(officer, clerk) -> Scenario:
    return recall_in_every_state(officer, clerk)


@pytest.fixture
def sign_in(client):
    """The test client, signed in as the given user."""

    def signed_in(user):
        client.force_login(user)
        return client

    return signed_in
