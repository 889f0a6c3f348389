"""GET /lots/{id}/traceability/: where every unit of a lot is now, from the ledger's balances,
in one query on the balance table; totals add up to the quantity received."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import Role
from procurement import selectors, services
from procurement.models import LocationKind, StockBalance
from tests import factories
from tests.api_helpers import error_of, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread_lot(officer):
    """1,000 units: 300 and 200 sent to two hospitals, 50 used at the first; 500 in the
    warehouse."""
    lot = factories.released_lot(quantity=1_000, actor=officer)
    first, second = factories.HospitalFactory(), factories.HospitalFactory()
    services.distribution_dispatch(lot=lot, hospital=first, quantity=300, actor=officer)
    services.distribution_dispatch(lot=lot, hospital=second, quantity=200, actor=officer)
    services.stock_consume(lot=lot, hospital=first, quantity=50, actor=officer)
    return lot, first, second


@pytest.mark.parametrize("role", [Role.MINISTRY_OFFICER, Role.INSPECTOR, Role.WAREHOUSE_CLERK])
def test_traceability_says_where_every_unit_is(role, spread_lot):
    lot, first, second = spread_lot
    response = token_client(role).get(f"/api/v1/lots/{lot.pk}/traceability/")
    assert response.status_code == 200
    body = response.json()
    assert body["quantity_received"] == 1_000 and body["accounted"] == 1_000
    assert body["by_kind"] == {
        LocationKind.WAREHOUSE: 500,
        LocationKind.HOSPITAL: 450,
        LocationKind.SUPPLIER: 0,
        LocationKind.DESTROYED: 0,
        LocationKind.CONSUMED: 50,
        LocationKind.IN_TRANSIT: 0,
        LocationKind.LOST: 0,
    }
    assert body["held"] == 950
    hospitals = {
        row["hospital_code"]: row["quantity"] for row in body["locations"] if row["hospital"]
    }
    assert hospitals == {first.code: 250, second.code: 200}
    assert sum(row["quantity"] for row in body["locations"]) == 1_000


def test_traceability_reads_the_balance_table_once(spread_lot):
    lot, _first, _second = spread_lot
    with CaptureQueriesContext(connection) as queries:
        units = selectors.lot_units_by_location(lot)
    assert len(queries.captured_queries) == 1
    assert StockBalance._meta.db_table in queries.captured_queries[0]["sql"]
    assert units.accounted == lot.quantity_received


def test_traceability_runs_the_same_queries_for_many_hospitals(
    officer, django_assert_max_num_queries
):
    lot = factories.released_lot(quantity=1_000, actor=officer)
    services.distribution_dispatch(
        lot=lot, hospital=factories.HospitalFactory(), quantity=10, actor=officer
    )
    client = token_client(Role.MINISTRY_OFFICER)
    url = f"/api/v1/lots/{lot.pk}/traceability/"
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    services.distribution_dispatch_many(
        lot=lot, rows=[(factories.HospitalFactory(), 10) for _ in range(30)], actor=officer
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(url).json()
    assert len(body["locations"]) == 32 and body["accounted"] == 1_000


def test_traceability_of_an_unknown_lot_is_a_404():
    response = token_client(Role.MINISTRY_OFFICER).get("/api/v1/lots/999999/traceability/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_traceability_built_directly_equals_what_its_declared_fields_give(spread_lot):
    from procurement.api.serializers import LotTraceabilitySerializer

    lot, _first, _second = spread_lot
    units = selectors.lot_units_by_location(lot)
    serializer = LotTraceabilitySerializer()

    generic = super(LotTraceabilitySerializer, serializer).to_representation(units)

    assert serializer.to_representation(units) == generic
    assert list(serializer.to_representation(units)) == list(generic)
    assert len(generic["locations"]) == 4  # the warehouse, the consumed sink, two hospitals
