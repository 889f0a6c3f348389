"""The stock ledger over the API: ministry roles only, cursor-paged, filtered by lot, kind,
location, hospital and dates."""

import pytest
from rest_framework.test import APIClient

from core.roles import Role
from procurement import services
from procurement.models import LocationKind, MovementKind
from tests import factories
from tests.api_helpers import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def movements(officer, hospital):
    lot = factories.released_lot(quantity=100, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=hospital, quantity=30, actor=officer)
    services.stock_consume(lot=lot, hospital=hospital, quantity=5, actor=officer)
    return lot


def kinds(response) -> list[str]:
    return [row["kind"] for row in response.json()["results"]]


def test_ledger_lists_the_lots_movements_newest_first(movements, hospital):
    response = token_client(Role.WAREHOUSE_CLERK).get(
        f"/api/v1/stock-movements/?lot={movements.pk}"
    )
    assert response.status_code == 200
    assert kinds(response) == [
        MovementKind.CONSUMPTION,
        MovementKind.DISPATCH,
        MovementKind.RECEIPT,
    ]
    consumption, dispatch, receipt = response.json()["results"]
    assert receipt["from_location"] is None and receipt["to_kind"] == LocationKind.WAREHOUSE
    assert dispatch["to_hospital"] == hospital.pk and dispatch["quantity"] == 30
    assert consumption["from_hospital"] == hospital.pk and consumption["actor"] == "officer"


def test_ledger_filters_by_kind_hospital_location_kind_and_dates(movements, hospital):
    client = token_client(Role.INSPECTOR)
    assert kinds(client.get("/api/v1/stock-movements/?kind=dispatch")) == ["dispatch"]
    at_hospital = client.get(f"/api/v1/stock-movements/?hospital={hospital.pk}")
    assert kinds(at_hospital) == ["consumption", "dispatch"]
    consumed = client.get("/api/v1/stock-movements/?location_kind=consumed")
    assert kinds(consumed) == ["consumption"]
    assert client.get("/api/v1/stock-movements/?at_before=2000-01-01").json()["results"] == []
    bad = client.get("/api/v1/stock-movements/?kind=teleport")
    assert bad.status_code == 400


def test_ledger_is_refused_to_hospital_staff_and_visitors(hospital):
    staff = token_client(Role.HOSPITAL_STAFF, hospitals=[hospital])
    assert staff.get("/api/v1/stock-movements/").status_code == 403
    assert APIClient().get("/api/v1/stock-movements/").status_code == 401


def test_unknown_movement_is_a_404():
    assert token_client(Role.INSPECTOR).get("/api/v1/stock-movements/999999/").status_code == 404


def test_ledger_runs_the_same_queries_for_more_movements(officer, assert_flat_queries):
    lot = factories.released_lot(quantity=1_000, actor=officer)
    more = factories.HospitalFactory.create_batch(30)
    assert_flat_queries(
        token_client(Role.MINISTRY_OFFICER),
        "/api/v1/stock-movements/?page_size=100",
        lambda: services.distribution_dispatch_many(
            lot=lot, rows=[(h, 1) for h in more], actor=officer
        ),
        lambda body: len(body["results"]),
    )
