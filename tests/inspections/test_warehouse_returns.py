"""The warehouse records a hospital return's arrival: in transit -> warehouse for what arrived;
a short count needs a remark and leaves the difference in transit, lost, as a discrepancy the
recall's figures show. The page lists the returns in transit with a receive form per return."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import IllegalTransition, InvalidInput, NotPermitted
from core.roles import Role
from inspections import services
from inspections.models import HospitalReturn, ReturnStatus
from inspections.selectors import recall_effectiveness
from procurement.models import LocationKind, LotEvent, LotStatus, MovementKind
from procurement.selectors import ledger_violations
from procurement.services import ledger
from tests import factories
from tests.concurrency import all_at_once
from tests.inspections.recall_notices import issue_recall

pytestmark = pytest.mark.django_db

RETURNS = reverse("warehouse_returns")


@pytest.fixture
def issued(officer, hospital):
    return issue_recall(officer, {hospital: (100,)})


@pytest.fixture
def shipped(issued, hospital, hospital_user):
    """80 units shipped back by the test hospital."""
    return services.hospital_return_ship(
        notice=issued.notice(hospital),
        lot=issued.lot,
        quantity=80,
        actor=hospital_user,
        reference="DHL 123",
    )


def _receive_url(hospital_return) -> str:
    return reverse("warehouse_return_receive", args=[hospital_return.pk])


def _in_transit(lot) -> int:
    return ledger.balance_of(lot, ledger.location_of_kind(LocationKind.IN_TRANSIT))


def _lost(lot) -> int:
    return ledger.balance_of(lot, ledger.location_of_kind(LocationKind.LOST))


def _in_warehouse(lot) -> int:
    return ledger.balance_of(lot, ledger.warehouse_location())


def _post(hospital_return, quantity, remark=""):
    prefix = f"return-{hospital_return.pk}"
    return {f"{prefix}-quantity_received": quantity, f"{prefix}-remark": remark}


# ---------------------------------------------------------------------------------------------
# The service


def test_a_full_arrival_moves_the_units_into_the_warehouse(issued, shipped, clerk):
    hospital_return = services.hospital_return_receive(
        hospital_return=shipped, quantity_received=80, actor=clerk
    )

    assert hospital_return.status == ReturnStatus.RECEIVED
    assert hospital_return.discrepancy == 0
    movement = hospital_return.received_movement
    assert (movement.kind, movement.quantity) == (MovementKind.RETURN_RECEIVED, 80)
    assert _in_transit(issued.lot) == 0
    assert _in_warehouse(issued.lot) == 980
    assert issued.lot.events.filter(kind=LotEvent.Kind.RETURN_RECEIVED).count() == 1
    units = recall_effectiveness(issued.recall).units
    assert (units.returned, units.in_transit, units.lost_in_return) == (80, 0, 0)
    assert ledger_violations() == []


def test_a_short_arrival_needs_a_remark(issued, shipped, clerk):
    with pytest.raises(InvalidInput, match="75 units arrived of the 80 shipped"):
        services.hospital_return_receive(hospital_return=shipped, quantity_received=75, actor=clerk)

    shipped.refresh_from_db()
    assert shipped.status == ReturnStatus.SHIPPED
    assert _in_transit(issued.lot) == 80


def test_a_short_arrival_moves_the_difference_to_lost_in_return(issued, shipped, clerk):
    hospital_return = services.hospital_return_receive(
        hospital_return=shipped, quantity_received=75, actor=clerk, remark="One carton missing."
    )

    assert hospital_return.discrepancy == -5
    assert hospital_return.receipt_remark == "One carton missing."
    assert _in_transit(issued.lot) == 0
    assert _lost(issued.lot) == 5
    assert _in_warehouse(issued.lot) == 975
    event = issued.lot.events.get(kind=LotEvent.Kind.RETURN_RECEIVED)
    assert (event.reason, event.data["missing"]) == ("One carton missing.", 5)
    units = recall_effectiveness(issued.recall).units
    assert (units.returned, units.in_transit, units.lost_in_return) == (75, 0, 5)
    assert units.unaccounted >= 5
    assert ledger_violations() == []


def test_nothing_arrived_is_recorded_without_a_movement(issued, shipped, clerk):
    hospital_return = services.hospital_return_receive(
        hospital_return=shipped, quantity_received=0, actor=clerk, remark="Parcel lost."
    )

    assert hospital_return.received_movement is None
    assert hospital_return.discrepancy == -80
    assert (_in_transit(issued.lot), _lost(issued.lot)) == (0, 80)
    assert recall_effectiveness(issued.recall).units.lost_in_return == 80
    assert ledger_violations() == []


@pytest.mark.parametrize(("quantity", "message"), [(81, "only 80 were shipped"), (-1, "zero")])
def test_more_than_shipped_or_a_negative_count_is_refused(shipped, clerk, quantity, message):
    with pytest.raises(InvalidInput, match=message):
        services.hospital_return_receive(
            hospital_return=shipped, quantity_received=quantity, actor=clerk, remark="?"
        )

    shipped.refresh_from_db()
    assert shipped.status == ReturnStatus.SHIPPED


def test_a_return_is_received_once(issued, shipped, clerk):
    services.hospital_return_receive(hospital_return=shipped, quantity_received=80, actor=clerk)

    with pytest.raises(IllegalTransition, match="already received"):
        services.hospital_return_receive(hospital_return=shipped, quantity_received=80, actor=clerk)
    assert _in_warehouse(issued.lot) == 980


def test_only_the_warehouse_or_an_officer_records_an_arrival(shipped, hospital_user, inspector):
    for actor in (hospital_user, inspector):
        with pytest.raises(NotPermitted, match="warehouse clerk"):
            services.hospital_return_receive(
                hospital_return=shipped, quantity_received=80, actor=actor
            )

    shipped.refresh_from_db()
    assert shipped.status == ReturnStatus.SHIPPED


def test_an_officer_may_record_an_arrival(issued, shipped, officer):
    services.hospital_return_receive(hospital_return=shipped, quantity_received=80, actor=officer)

    issued.lot.refresh_from_db()
    assert issued.lot.status == LotStatus.RECALLED
    assert ledger_violations() == []


# ---------------------------------------------------------------------------------------------
# The page


def test_the_page_lists_returns_in_transit_with_days_in_transit(client, clerk, shipped, hospital):
    HospitalReturn.objects.filter(pk=shipped.pk).update(
        shipped_at=timezone.now() - dt.timedelta(days=3, hours=1)
    )
    client.force_login(clerk)

    response = client.get(RETURNS)

    content = response.content.decode()
    assert response.status_code == 200
    assert [row["item"] for row in response.context["rows"]] == [shipped]
    assert shipped.lot.lot_number in content
    assert hospital.name in content
    assert "DHL 123" in content
    assert "3 days in transit" in content
    assert f'name="return-{shipped.pk}-quantity_received" value="80"' in content


def test_the_warehouse_start_page_links_to_the_returns(client, clerk):
    client.force_login(clerk)

    assert f'href="{RETURNS}"' in client.get(reverse("warehouse_home")).content.decode()


def test_recording_an_arrival_from_the_page(client, clerk, issued, shipped):
    client.force_login(clerk)

    response = client.post(_receive_url(shipped), _post(shipped, 80), follow=True)

    assert response.redirect_chain == [(RETURNS, 302)]
    assert "received: 80 units" in response.content.decode()
    shipped.refresh_from_db()
    assert shipped.status == ReturnStatus.RECEIVED
    assert response.context["rows"] == []
    assert [item.pk for item in response.context["received"]] == [shipped.pk]
    assert ledger_violations() == []


def test_a_short_count_without_remark_is_a_form_error_that_keeps_the_input(
    client, clerk, issued, shipped
):
    client.force_login(clerk)

    response = client.post(_receive_url(shipped), _post(shipped, 75))

    content = response.content.decode()
    assert response.status_code == 200
    assert "75 units arrived of the 80 shipped" in content
    assert f'name="return-{shipped.pk}-quantity_received" value="75"' in content
    assert _in_transit(issued.lot) == 80

    response = client.post(_receive_url(shipped), _post(shipped, 75, "One carton missing."))

    assert response.status_code == 302
    assert (_in_transit(issued.lot), _lost(issued.lot)) == (0, 5)


def test_a_return_received_meanwhile_is_a_message(client, clerk, shipped):
    services.hospital_return_receive(hospital_return=shipped, quantity_received=80, actor=clerk)
    client.force_login(clerk)

    response = client.post(_receive_url(shipped), _post(shipped, 80), follow=True)

    assert response.redirect_chain == [(RETURNS, 302)]
    assert "already received" in response.content.decode()


def test_hospital_staff_and_inspectors_are_refused(client, shipped, hospital_user, inspector):
    for user in (hospital_user, inspector):
        client.force_login(user)

        assert client.get(RETURNS).status_code == 403
        assert client.post(_receive_url(shipped), _post(shipped, 80)).status_code == 403
    shipped.refresh_from_db()
    assert shipped.status == ReturnStatus.SHIPPED


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(RETURNS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_unknown_return_is_404(client, clerk):
    client.force_login(clerk)

    assert client.post(reverse("warehouse_return_receive", args=[999]), {}).status_code == 404


def test_the_page_keeps_a_flat_number_of_queries(
    client, clerk, officer, issued, shipped, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(clerk)
    with CaptureQueriesContext(connection) as baseline:
        client.get(RETURNS)
    for _ in range(3):
        hospital = factories.HospitalFactory()
        user = factories.HospitalMembershipFactory(hospital=hospital).user
        more = issue_recall(officer, {hospital: (20,)}, reference=f"RC-{hospital.code}")
        returned = services.hospital_return_ship(
            notice=more.notice(hospital), lot=more.lot, quantity=10, actor=user
        )
        services.hospital_return_receive(
            hospital_return=services.hospital_return_ship(
                notice=more.notice(hospital), lot=more.lot, quantity=5, actor=user
            ),
            quantity_received=5,
            actor=clerk,
        )
        assert returned.status == ReturnStatus.SHIPPED

    with django_assert_max_num_queries(len(baseline.captured_queries)):
        client.get(RETURNS)


# ---------------------------------------------------------------------------------------------
# At the same moment (PostgreSQL: SQLite serialises all writers, so it would prove nothing)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clerks_receiving_one_return_at_once_record_it_once(
    postgres_only, officer, hospital, hospital_user
):
    issued = issue_recall(officer, {hospital: (100,)})
    shipped = services.hospital_return_ship(
        notice=issued.notice(hospital), lot=issued.lot, quantity=80, actor=hospital_user
    )
    clerks = [factories.UserFactory(role=Role.WAREHOUSE_CLERK) for _ in range(3)]

    results, unexpected = all_at_once(
        [
            lambda clerk=clerk: services.hospital_return_receive(
                hospital_return=shipped, quantity_received=80, actor=clerk
            )
            for clerk in clerks
        ]
    )

    assert unexpected == []
    assert sum(isinstance(result, HospitalReturn) for result in results) == 1
    assert sum(isinstance(result, IllegalTransition) for result in results) == 2
    assert _in_warehouse(issued.lot) == 980
    assert _in_transit(issued.lot) == 0
    assert ledger_violations() == []
