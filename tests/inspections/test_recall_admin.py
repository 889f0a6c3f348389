"""The recall pages of the ministry panel: an officer prepares a draft through the form (the
service writes it), issues it after a page listing the hospitals and units, cancels a draft with
a reason, closes with a reason when the figures demand one, and prepares a recall from an
inspection that found units at hospitals. Inspectors see everything and act on nothing. Every
refusal comes back as a message with the input kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inspections import services
from inspections.models import Notice, Outcome, Recall, RecallEvent, RecallStatus
from procurement import services as procurement
from procurement.models import LotStatus, ReleaseBasis
from tests import factories
from tests.admin_helpers import act
from tests.admin_helpers import messages_of as _messages
from tests.inspections.conftest import record, with_failures
from tests.inspections.recall_scenario import (
    fully_answered_recall,
    recall_draft,
    recall_in_every_state,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:inspections_recall_changelist"
ADD = "admin:inspections_recall_add"
DEADLINE = timezone.localdate() + dt.timedelta(days=10)


def _act(client, action: str, objects, **form):
    return act(client, Recall, action, objects, **form)


def _change(recall) -> str:
    return reverse("admin:inspections_recall_change", args=[recall.pk])


def _issue(recall) -> str:
    return reverse("admin:inspections_recall_issue", args=[recall.pk])


def _close(recall) -> str:
    return reverse("admin:inspections_recall_close", args=[recall.pk])


@pytest.fixture
def dispatched(officer, clerk):
    """A released lot: 300 units at H-NORTH, 200 at H-SOUTH."""
    lot = factories.released_lot(quantity=1_000, actor=officer)
    for code, units in [("H-NORTH", 300), ("H-SOUTH", 200)]:
        hospital = factories.HospitalFactory(code=code)
        procurement.distribution_dispatch(lot=lot, hospital=hospital, quantity=units, actor=clerk)
    return lot


def _draft_form(lot, officer, **fields) -> dict:
    return {
        "reference": "RC-2020-005",
        "lots": [lot.pk],
        "recall_class": "I",
        "depth": "ward",
        "action": "return",
        "effectiveness_level": "A",
        "response_deadline": DEADLINE.isoformat(),
        "coordinator": officer.pk,
        "reason": "Filtration 82-91 % against the 94 % required.",
        "hazard": "Staff are not protected against aerosols.",
        "source_inspection": "",
        **fields,
    }


# ---------------------------------------------------------------------------------------------
# Preparing a draft


def test_an_officer_prepares_a_draft_through_the_form_and_the_service_records_it(
    client, officer, dispatched
):
    client.force_login(officer)

    response = client.post(reverse(ADD), _draft_form(dispatched, officer), follow=True)

    recall = Recall.objects.get(reference="RC-2020-005")
    assert response.redirect_chain[-1][0] == _change(recall)
    assert recall.status == RecallStatus.DRAFT
    assert list(recall.lots.all()) == [dispatched]
    assert (recall.coordinator, recall.created_by, recall.response_deadline) == (
        officer,
        officer,
        DEADLINE,
    )
    event = RecallEvent.objects.get(recall=recall)
    assert (event.to_status, event.actor, event.reason) == (
        RecallStatus.DRAFT,
        officer,
        "Prepared as a draft.",
    )
    assert any("prepared as a draft" in m for m in _messages(response))


def test_the_add_page_defaults_the_coordinator_and_offers_only_recallable_lots(
    client, officer, dispatched
):
    quarantined = factories.received_lot(quantity=10, actor=officer)
    client.force_login(officer)

    response = client.get(reverse(ADD))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["coordinator"] == officer.pk
    assert form.initial["reference"] == f"RC-{timezone.localdate():%Y}-001"
    offered = set(form.fields["lots"].queryset)
    assert dispatched in offered
    assert quarantined not in offered


def test_a_refused_draft_shows_the_services_message_and_keeps_the_input(
    client, officer, dispatched
):
    client.force_login(officer)
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()

    response = client.post(
        reverse(ADD), _draft_form(dispatched, officer, response_deadline=yesterday)
    )

    assert response.status_code == 200
    assert "The response deadline cannot be in the past." in _messages(response)
    assert response.context["form"]["reference"].value() == "RC-2020-005"
    assert "Filtration 82-91 % against the 94 % required." in response.content.decode()
    assert not Recall.objects.exists()


def test_a_missing_hazard_is_the_services_refusal(client, officer, dispatched):
    client.force_login(officer)

    response = client.post(reverse(ADD), _draft_form(dispatched, officer, hazard=""))

    assert _messages(response) == [
        "Describe both the problem and the hazard: the notice states them."
    ]
    assert not Recall.objects.exists()


# ---------------------------------------------------------------------------------------------
# Issuing, cancelling, closing


def test_the_issue_page_lists_the_hospitals_and_units_then_issuing_sends_the_notices(
    client, officer, dispatched
):
    recall = recall_draft(officer, [dispatched])
    client.force_login(officer)

    page = client.get(_issue(recall))

    assert page.status_code == 200
    rows = page.context["rows"]
    assert [(row["hospital"].code, row["units"], row["total"]) for row in rows] == [
        ("H-NORTH", [300], 300),
        ("H-SOUTH", [200], 200),
    ]
    assert page.context["total"] == 500
    assert not Notice.objects.exists()  # looking changes nothing

    response = client.post(_issue(recall), follow=True)

    assert response.redirect_chain[-1][0] == _change(recall)
    recall.refresh_from_db()
    assert recall.status == RecallStatus.ISSUED
    assert set(recall.notices.values_list("hospital__code", flat=True)) == {"H-NORTH", "H-SOUTH"}
    dispatched.refresh_from_db()
    assert dispatched.status == LotStatus.RECALLED
    assert "Recall RC-2020-001 issued: 2 notice(s) on their way." in _messages(response)


def test_an_issue_the_service_refuses_is_shown_on_the_page_and_nothing_changes(
    client, officer, dispatched
):
    never_left = factories.released_lot(quantity=10, actor=officer)
    recall = recall_draft(officer, [dispatched, never_left])
    client.force_login(officer)

    page = client.get(_issue(recall))
    assert page.context["never_dispatched"] == [never_left.lot_number]

    response = client.post(_issue(recall))

    assert response.status_code == 200
    assert any("reject it instead" in m for m in _messages(response))
    recall.refresh_from_db()
    assert recall.status == RecallStatus.DRAFT
    assert not Notice.objects.exists()


def test_a_draft_is_cancelled_with_a_reason(client, officer, dispatched):
    recall = recall_draft(officer, [dispatched])
    client.force_login(officer)

    asked = _act(client, "cancel_drafts", [recall])
    assert asked.status_code == 200
    assert "reason" in asked.context["form"].fields

    without = _act(client, "cancel_drafts", [recall], reason="")
    assert "A written reason is required for cancelling a recall." in _messages(without)
    recall.refresh_from_db()
    assert recall.status == RecallStatus.DRAFT

    _act(client, "cancel_drafts", [recall], reason="Entered twice")
    recall.refresh_from_db()
    assert recall.status == RecallStatus.CANCELLED
    assert recall.events.get(to_status=RecallStatus.CANCELLED).reason == "Entered twice"


def test_closing_with_a_gap_needs_a_reason_and_keeps_the_one_typed_when_refused(
    client, officer, clerk
):
    recall = recall_in_every_state(officer, clerk).recall
    client.force_login(officer)

    page = client.get(_close(recall))
    assert page.context["gaps"] == [
        "2 of 7 hospitals have not answered",
        "195 units are unaccounted for",
        "60 units are on the way back: record their arrival first",
        "360 units are still at hospitals (asked: stop use and return to the central warehouse)",
    ]
    assert "A written reason is required to close this recall" in page.content.decode()

    refused = client.post(_close(recall), {"reason": ""})
    assert refused.status_code == 200
    assert any("cannot be closed without a written reason" in m for m in _messages(refused))
    recall.refresh_from_db()
    assert recall.status == RecallStatus.ISSUED

    response = client.post(_close(recall), {"reason": "Both confirmed by phone."}, follow=True)

    assert response.redirect_chain[-1][0] == _change(recall)
    recall.refresh_from_db()
    assert recall.status == RecallStatus.CLOSED
    assert recall.events.last().reason.startswith("Both confirmed by phone.")


def test_a_refused_close_keeps_the_reason_typed(client, officer, clerk):
    recall = fully_answered_recall(officer, clerk)
    services.recall_close(recall=recall, actor=officer)
    client.force_login(officer)

    response = client.post(_close(recall), {"reason": "Typed with care"})

    assert response.status_code == 200
    assert any("is closed; it cannot become closed" in m for m in _messages(response))
    assert response.context["form"]["reason"].value() == "Typed with care"


def test_a_complete_recall_closes_without_a_reason(client, officer, clerk):
    recall = fully_answered_recall(officer, clerk)
    client.force_login(officer)

    page = client.get(_close(recall))
    assert page.context["gaps"] == []
    assert "can be closed without a reason" in page.content.decode()

    client.post(_close(recall), {"reason": ""})

    recall.refresh_from_db()
    assert recall.status == RecallStatus.CLOSED


def test_marking_as_closing_from_the_list(client, officer, clerk):
    recall = fully_answered_recall(officer, clerk)
    client.force_login(officer)

    _act(client, "mark_closing", [recall], reason="Last return on its way from HOSP-011")

    recall.refresh_from_db()
    assert recall.status == RecallStatus.CLOSING
    assert recall.events.last().reason == "Last return on its way from HOSP-011"


def test_marking_as_closing_asks_for_a_reason_and_changes_nothing_without_one(
    client, officer, clerk
):
    recall = fully_answered_recall(officer, clerk)
    client.force_login(officer)

    asked = _act(client, "mark_closing", [recall])
    blank = _act(client, "mark_closing", [recall], reason="")

    assert asked.context["title"] == "Mark recalls as closing"
    assert blank.context["form"].errors["reason"]
    recall.refresh_from_db()
    assert recall.status == RecallStatus.ISSUED


# ---------------------------------------------------------------------------------------------
# From an inspection


@pytest.fixture
def recall_required(make_lot, inspector, officer, hospital):
    """An inspection that confirmed a failure of a lot with units at a hospital."""
    lot = make_lot()
    procurement.lot_release(
        lot=lot, actor=officer, basis=ReleaseBasis.DOCUMENTS, reason="ICU stocks run out"
    )
    procurement.distribution_dispatch(lot=lot, hospital=hospital, quantity=600, actor=officer)
    record(lot, inspector, measurements=with_failures(80, filtration_failures=5))
    inspection = record(
        lot, inspector, "second", measurements=with_failures(80, filtration_failures=6)
    )
    assert inspection.outcome == Outcome.RECALL_REQUIRED
    return inspection


def test_a_recall_is_prepared_from_an_inspection_that_asked_for_one(
    client, officer, recall_required
):
    client.force_login(officer)
    inspection_page = client.get(
        reverse("admin:inspections_inspection_change", args=[recall_required.pk])
    )
    link = f"{reverse(ADD)}?inspection={recall_required.pk}"
    assert f'href="{link}">Prepare a recall from this inspection</a>' in (
        inspection_page.content.decode()
    )

    opened = client.get(link)

    form = opened.context["form"]
    assert form.initial["lots"] == [recall_required.lot.pk]
    assert form.initial["source_inspection"] == recall_required.pk
    assert "failed against TEST FFP2" in form.initial["reason"]

    data = _draft_form(
        recall_required.lot,
        officer,
        reason=form.initial["reason"],
        source_inspection=recall_required.pk,
    )
    client.post(reverse(ADD), data)

    recall = Recall.objects.get()
    assert recall.source_inspection == recall_required
    assert list(recall.lots.all()) == [recall_required.lot]


def test_an_inspection_that_did_not_ask_for_a_recall_prefills_nothing(
    client, officer, make_lot, inspector
):
    lot = make_lot()
    inspection = record(lot, inspector, measurements=with_failures(80, filtration_failures=5))
    client.force_login(officer)

    response = client.get(f"{reverse(ADD)}?inspection={inspection.pk}")

    assert response.status_code == 200
    assert f"Inspection #{inspection.pk} did not ask for a recall." in _messages(response)
    assert "lots" not in response.context["form"].initial


# ---------------------------------------------------------------------------------------------
# What the ministry sees; who may act


def test_the_recall_page_shows_the_figures_and_highlights_failed_deliveries(client, officer, clerk):
    recall = recall_in_every_state(officer, clerk).recall
    client.force_login(officer)

    response = client.get(_change(recall))

    assert response.status_code == 200
    assert response.context["figures"].units.unaccounted == 195
    html = response.content.decode()
    assert "FAILED for good after 1 attempt" in html
    assert "no such user" in html
    assert "H-FAILED (H-Failed Hospital), E-mail" in html
    assert "E-mail: delivered (1 attempt)" in html
    assert "Close…" in html
    assert "Issue…" not in html


def test_the_list_shows_the_figures_per_recall(client, officer, clerk):
    recall = recall_in_every_state(officer, clerk).recall
    client.force_login(officer)

    response = client.get(reverse(CHANGELIST))

    (row,) = response.context["cl"].result_list
    assert row == recall
    assert (row.figures.hospitals_notified, row.figures.hospitals_answered) == (7, 5)
    assert row.figures.units.unaccounted == 195
    searched = client.get(reverse(CHANGELIST), {"q": recall.lots.first().lot_number})
    assert list(searched.context["cl"].result_list) == [recall]


def test_an_inspector_sees_recalls_but_cannot_act(client, officer, clerk, inspector, dispatched):
    issued = fully_answered_recall(officer, clerk)
    draft = recall_draft(officer, [dispatched], reference="RC-2020-002")
    client.force_login(inspector)

    assert client.get(reverse(CHANGELIST)).status_code == 200
    page = client.get(_change(issued))
    assert page.status_code == 200
    assert page.context["figures"].hospitals_notified == 1
    assert "Close…" not in page.content.decode()
    assert client.get(reverse(ADD)).status_code == 403
    assert client.post(reverse(ADD), _draft_form(dispatched, officer)).status_code == 403
    assert client.get(_issue(draft)).status_code == 403
    assert client.post(_issue(draft)).status_code == 403
    assert client.post(_close(issued), {"reason": "x"}).status_code == 403
    assert client.get(reverse(CHANGELIST)).context["action_form"] is None

    _act(client, "cancel_drafts", [draft], reason="not mine to cancel")

    draft.refresh_from_db()
    issued.refresh_from_db()
    assert (draft.status, issued.status) == (RecallStatus.DRAFT, RecallStatus.ISSUED)
    assert Recall.objects.count() == 2


def test_hospital_staff_do_not_get_in(client, hospital_user, officer, clerk):
    recall = fully_answered_recall(officer, clerk)
    client.force_login(hospital_user)

    assert client.get(_change(recall)).status_code == 302
    assert client.get(_close(recall)).status_code == 302


def test_the_list_runs_the_same_number_of_queries_for_one_recall_or_many(
    client, officer, clerk, django_assert_max_num_queries
):
    fully_answered_recall(officer, clerk, reference="RC-2020-010")
    client.force_login(officer)
    with CaptureQueriesContext(connection) as one_recall:
        assert client.get(reverse(CHANGELIST)).status_code == 200
    recall_in_every_state(officer, clerk)
    for number in range(11, 15):
        fully_answered_recall(officer, clerk, reference=f"RC-2020-{number:03d}")

    with django_assert_max_num_queries(len(one_recall)):
        response = client.get(reverse(CHANGELIST))

    assert response.context["cl"].result_count == 6


def test_an_inspector_is_not_offered_to_prepare_a_recall(client, inspector, recall_required):
    client.force_login(inspector)

    page = client.get(reverse("admin:inspections_inspection_change", args=[recall_required.pk]))

    assert page.status_code == 200
    assert "Prepare a recall from this inspection" not in page.content.decode()


def test_the_issue_and_close_actions_open_the_recalls_page_one_at_a_time(
    client, officer, clerk, dispatched
):
    draft = recall_draft(officer, [dispatched], reference="RC-2020-002")
    issued = fully_answered_recall(officer, clerk)
    client.force_login(officer)

    issue = client.post(
        reverse(CHANGELIST), {"action": "issue_recall", ACTION_CHECKBOX_NAME: [draft.pk]}
    )
    close = client.post(
        reverse(CHANGELIST), {"action": "close_recall", ACTION_CHECKBOX_NAME: [issued.pk]}
    )
    both = _act(client, "close_recall", [draft, issued])

    assert (issue.status_code, issue.url) == (302, _issue(draft))
    assert (close.status_code, close.url) == (302, _close(issued))
    assert "Close one recall at a time: select exactly one." in _messages(both)
