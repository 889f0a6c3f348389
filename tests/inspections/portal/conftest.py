"""Fixtures for the hospital portal: deliveries to the test hospital and to another one, a
signed-in hospital user, users of the wrong role or without a hospital."""

from __future__ import annotations

import pytest

from core.roles import Role
from inspections import services as inspection_services
from procurement import services
from procurement.models import Distribution
from tests import factories


@pytest.fixture
def other_hospital(db):
    return factories.HospitalFactory(name="Other Hospital")


@pytest.fixture
def other_user(db, other_hospital):
    """Hospital staff of the other hospital."""
    membership = factories.HospitalMembershipFactory(
        hospital=other_hospital, user__username="other-nurse"
    )
    return membership.user


@pytest.fixture
def make_delivery(officer):
    """Dispatch units of a (new, released) lot to a hospital, as the warehouse would."""

    def make(hospital, quantity: int = 100, *, lot=None, **lot_fields) -> Distribution:
        lot = lot or factories.released_lot(
            quantity=max(quantity, 1_000), actor=officer, **lot_fields
        )
        return services.distribution_dispatch(
            lot=lot, hospital=hospital, quantity=quantity, actor=officer
        )

    return make


@pytest.fixture
def delivery(make_delivery, hospital):
    """100 units of a released lot, dispatched to the test hospital, not yet confirmed."""
    return make_delivery(hospital, 100)


@pytest.fixture
def other_delivery(make_delivery, other_hospital):
    return make_delivery(other_hospital, 50)


@pytest.fixture
def staff_client(client, hospital_user):
    client.force_login(hospital_user)
    return client


@pytest.fixture
def report(hospital_user):
    """Report a problem through the service (photo optional)."""

    def make(distribution, *, actor=None, photo=None, quantity: int = 5, **fields):
        return inspection_services.complaint_report(
            distribution=distribution,
            category=fields.pop("category", "fit"),
            description=fields.pop("description", "Straps snap when the mask is put on."),
            quantity_affected=quantity,
            actor=actor or hospital_user,
            photo=photo,
        )

    return make


@pytest.fixture(params=["clerk", "inspector"])
def wrong_role_client(request, client):
    client.force_login(request.getfixturevalue(request.param))
    return client


@pytest.fixture
def roleless_staff(db):
    """Hospital staff not linked to any hospital yet."""
    return factories.UserFactory(username="new-nurse", role=Role.HOSPITAL_STAFF)
