"""procurement's FilterSets: ids and days a database could not compare are refused as bad input
(a 400 in the API), never sent on."""

import pytest

from core.roles import Role
from procurement.filters import MAX_ID, DistributionFilter, LotFilter, StockMovementFilter
from procurement.models import Distribution, Lot, StockMovement
from tests import factories
from tests.api_helpers import error_of, token_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", [str(MAX_ID + 1), "3.4e38", "0.5", "0", "-3"])
def test_an_id_that_is_no_row_id_is_refused(value):
    filterset = DistributionFilter({"lot": value}, queryset=Distribution.objects.all())
    assert not filterset.is_valid()
    assert "lot" in filterset.errors


def test_the_largest_id_is_accepted_and_matches_nothing():
    filterset = StockMovementFilter({"hospital": str(MAX_ID)}, queryset=StockMovement.objects.all())
    assert filterset.is_valid()
    assert list(filterset.qs) == []


def test_a_day_at_the_calendars_edge_is_refused_not_sent_to_the_database():
    # Midnight of 1 January of year 1 in the site's zone (east of UTC) is no moment in UTC.
    filterset = LotFilter({"received_after": "0001-01-01"}, queryset=Lot.objects.all())
    assert not filterset.is_valid()
    assert filterset.errors["received"] == ["The date is out of range."]


def test_days_are_inclusive_at_both_ends():
    lot = factories.received_lot()
    day = lot.received_at.astimezone().date().isoformat()
    filterset = LotFilter(
        {"received_after": day, "received_before": day}, queryset=Lot.objects.all()
    )
    assert list(filterset.qs) == [lot]


def test_the_api_answers_a_refused_filter_with_a_400_naming_it():
    client = token_client(Role.MINISTRY_OFFICER)
    response = client.get("/api/v1/stock-movements/?at_after=0001-01-01&lot=1e40")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"at", "lot"}
