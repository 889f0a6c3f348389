"""Reads: hospital scoping and first-expired-first-out stock."""

import datetime as dt

import pytest
from django.utils import timezone

from procurement import selectors, services
from procurement.models import Lot, ReleaseBasis
from tests import factories
from tests.factories import INSPECTION_EVIDENCE

pytestmark = pytest.mark.django_db


def _released(officer, expires_on):
    lot = factories.received_lot(quantity=10, actor=officer)
    Lot.objects.filter(pk=lot.pk).update(expires_on=expires_on)  # dates are reference data
    return services.lot_release(
        lot=lot, actor=officer, basis=ReleaseBasis.INSPECTION, reason=INSPECTION_EVIDENCE
    )


def test_dispatchable_lots_come_first_expired_first_out_with_undated_lots_last(officer):
    today = timezone.localdate()
    later = _released(officer, today + dt.timedelta(days=300))
    undated = _released(officer, None)
    sooner = _released(officer, today + dt.timedelta(days=30))

    assert list(selectors.lots_dispatchable()) == [sooner, later, undated]


def test_expired_lots_are_not_offered_for_dispatch(officer):
    _released(officer, timezone.localdate() - dt.timedelta(days=1))
    assert list(selectors.lots_dispatchable()) == []


def test_hospital_staff_see_only_their_own_hospitals(hospital, hospital_user, officer):
    other = factories.HospitalFactory()
    assert list(selectors.hospitals_for_user(hospital_user)) == [hospital]
    assert set(selectors.hospitals_for_user(officer)) == {hospital, other}


def test_a_membership_without_the_hospital_staff_role_shows_no_hospital(hospital):
    roleless = factories.UserFactory(username="roleless")
    factories.HospitalMembershipFactory(user=roleless, hospital=hospital)
    assert list(selectors.hospitals_for_user(roleless)) == []


def test_hospitals_holding_a_lot_lists_only_current_holders(officer):
    holder, emptied = factories.HospitalFactory(), factories.HospitalFactory()
    lot = factories.released_lot(quantity=100, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=holder, quantity=30, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=emptied, quantity=5, actor=officer)
    services.stock_return_from_hospital(lot=lot, hospital=emptied, quantity=5, actor=officer)

    assert [(h, h.units_held) for h in selectors.hospitals_holding(lot)] == [(holder, 30)]
