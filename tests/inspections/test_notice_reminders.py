"""Reminding hospitals that have not answered a recall notice (beat): nothing before the response
deadline has passed, then a reminder in the notice's language every class interval until the
notice is acknowledged or the recall is closed; with the second reminder the coordinator is
alerted, once per notice. Everything leaves through the e-mail outbox, and a second run at once
sends nothing."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext

from core.models import OutboundEmail
from inspections import services
from inspections.models import Notice, NoticeReply, RecallAction, RecallClass, RecallStatus
from inspections.services import notices
from inspections.tasks import notices_remind_task
from procurement import services as procurement
from tests import factories
from tests.factories import released_lot

pytestmark = pytest.mark.django_db

DEADLINE = timezone.localdate() + dt.timedelta(days=5)
HOURS = {"I": 24, "II": 72, "III": 168}


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A moment of `day` in the project's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


# The first moment a reminder is due: the deadline's whole day has passed.
AFTER_DEADLINE = at(DEADLINE + dt.timedelta(days=1), 0, 5)


@pytest.fixture(autouse=True)
def _default_intervals(settings):
    settings.RECALL_REMINDER_INTERVAL_HOURS = dict(HOURS)


@pytest.fixture
def issue(officer, clerk):
    """Issue a recall of one lot to the given hospitals (codes); returns its notices by code."""

    def issue(*codes: str, recall_class=RecallClass.I, language="en", reference="RC-2020-009"):
        lot = released_lot(quantity=1_000)
        for code in codes or ("H-WEST",):
            hospital = factories.HospitalFactory(code=code, language=language)
            procurement.distribution_dispatch(lot=lot, hospital=hospital, quantity=40, actor=clerk)
        recall = services.recall_create(
            reference=reference,
            lots=[lot],
            reason="Filter membrane fails.",
            hazard="Staff are not protected.",
            recall_class=recall_class,
            action=RecallAction.RETURN,
            response_deadline=DEADLINE,
            coordinator=officer,
            actor=officer,
        )
        services.recall_issue(recall=recall, actor=officer)
        return {notice.hospital.code: notice for notice in recall.notices.all()}

    return issue


def _reminders(notice: Notice) -> list[OutboundEmail]:
    return list(
        OutboundEmail.objects.filter(key__startswith=f"notice-{notice.pk}-reminder-").order_by("pk")
    )


def _alerts() -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(key__contains="-overdue-").order_by("pk"))


def _answer(notice: Notice, *, acknowledged: bool = True) -> NoticeReply:
    return NoticeReply.objects.create(
        notice=notice,
        acknowledged=acknowledged,
        respondent_name="A. Pharmacist",
        respondent_role="Head of pharmacy",
        answered_by=factories.UserFactory(),
        answered_at=timezone.now(),
    )


def test_nothing_is_sent_while_the_deadline_has_not_passed(issue):
    [notice] = issue().values()

    assert notices.notices_remind(now=at(DEADLINE - dt.timedelta(days=1))) == 0
    assert notices.notices_remind(now=at(DEADLINE, 23, 59)) == 0  # the whole day counts

    notice.refresh_from_db()
    assert notice.reminders_sent == 0 and notice.last_reminded_at is None
    assert not OutboundEmail.objects.exists()


def test_once_the_deadline_has_passed_the_hospital_gets_a_first_reminder(issue, officer):
    [notice] = issue().values()

    assert notices.notices_remind(now=AFTER_DEADLINE) == 1

    [email] = _reminders(notice)
    new_date = (DEADLINE + dt.timedelta(days=2)).isoformat()  # one class I interval on
    assert email.key == f"notice-{notice.pk}-reminder-1"
    assert email.to == [notice.hospital.contact_email]
    assert email.language == "en"
    assert (
        email.subject
        == f"URGENT: REMINDER 1: answer recall notice RC-2020-009/H-WEST by {new_date}"
    )
    assert "RECALL NOTICE RC-2020-009/H-WEST" in email.body
    assert f"which was due by {DEADLINE.isoformat()}" in email.body
    assert "Stop use and return to the central warehouse." in email.body
    assert f"Answer the notice by {new_date} at the latest" in email.body
    assert "40 units delivered to you" in email.body
    assert officer.email in email.body
    notice.refresh_from_db()
    assert notice.reminders_sent == 1
    assert notice.last_reminded_at == AFTER_DEADLINE
    assert notice.coordinator_alerted_at is None
    assert _alerts() == []


def test_a_class_three_reminder_is_not_urgent(issue):
    [notice] = issue(recall_class=RecallClass.III).values()

    notices.notices_remind(now=AFTER_DEADLINE)

    [email] = _reminders(notice)
    assert email.subject.startswith("REMINDER 1: answer recall notice RC-2020-009/H-WEST by ")
    assert "URGENT" not in email.body


@pytest.mark.parametrize("recall_class", ["I", "II", "III"])
def test_the_next_reminder_waits_for_the_interval_of_the_class(issue, recall_class):
    [notice] = issue(recall_class=recall_class).values()
    interval = dt.timedelta(hours=HOURS[recall_class])
    notices.notices_remind(now=AFTER_DEADLINE)

    assert notices.notices_remind(now=AFTER_DEADLINE + interval - dt.timedelta(minutes=1)) == 0
    assert notices.notices_remind(now=AFTER_DEADLINE + interval) == 1

    assert [email.key for email in _reminders(notice)] == [
        f"notice-{notice.pk}-reminder-1",
        f"notice-{notice.pk}-reminder-2",
    ]
    new_date = timezone.localdate(AFTER_DEADLINE + 2 * interval).isoformat()
    assert _reminders(notice)[1].subject.endswith(f"by {new_date}")
    notice.refresh_from_db()
    assert notice.reminders_sent == 2
    assert notice.last_reminded_at == AFTER_DEADLINE + interval


def test_the_intervals_come_from_the_settings(issue, settings):
    settings.RECALL_REMINDER_INTERVAL_HOURS = {**HOURS, "II": 6}
    issue(recall_class=RecallClass.II)
    notices.notices_remind(now=AFTER_DEADLINE)

    assert notices.notices_remind(now=AFTER_DEADLINE + dt.timedelta(hours=5, minutes=59)) == 0
    assert notices.notices_remind(now=AFTER_DEADLINE + dt.timedelta(hours=6)) == 1


def test_the_beat_schedule_runs_the_reminder_task():
    entry = django_settings.CELERY_BEAT_SCHEDULE["notices-remind"]

    assert entry["task"] == "inspections.tasks.notices_remind_task"
    assert entry["schedule"] == django_settings.RECALL_REMINDER_CHECK_SECONDS
    assert set(django_settings.RECALL_REMINDER_INTERVAL_HOURS) == set(RecallClass.values)


def test_the_task_runs_the_service(issue):
    [notice] = issue().values()
    assert notices_remind_task.delay().get() == 0  # the deadline is days away

    type(notice.recall).objects.filter(pk=notice.recall_id).update(
        response_deadline=timezone.localdate() - dt.timedelta(days=1)
    )

    assert notices_remind_task.delay().get() == 1
    assert len(_reminders(notice)) == 1


def test_with_the_second_reminder_the_coordinator_is_alerted_once(issue, officer):
    found = issue("H-EAST", "H-WEST", "H-NORTH")
    _answer(found["H-NORTH"])
    day = dt.timedelta(hours=24)

    notices.notices_remind(now=AFTER_DEADLINE)
    assert _alerts() == []
    assert notices.notices_remind(now=AFTER_DEADLINE + day) == 2

    # one alert for the recall, listing both hospitals that do not answer
    [alert] = _alerts()
    assert alert.to == [officer.email]
    assert alert.language == django_settings.LANGUAGE_CODE
    assert alert.subject == (
        "URGENT: Recall RC-2020-009: 2 hospitals have not answered after reminders"
    )
    for code in ("H-EAST", "H-WEST"):
        notice = found[code]
        assert f"({code}), notice RC-2020-009/{code}: 2 reminders sent" in alert.body
        assert notice.hospital.name in alert.body
        notice.refresh_from_db()
        assert notice.coordinator_alerted_at == AFTER_DEADLINE + day
    assert "H-NORTH" not in alert.body
    found["H-NORTH"].refresh_from_db()
    assert found["H-NORTH"].coordinator_alerted_at is None

    # the third reminder goes out; the coordinator is not alerted again
    assert notices.notices_remind(now=AFTER_DEADLINE + 2 * day) == 2
    assert len(_alerts()) == 1
    assert len(_reminders(found["H-EAST"])) == 3
    found["H-EAST"].refresh_from_db()
    assert found["H-EAST"].coordinator_alerted_at == AFTER_DEADLINE + day


def test_a_coordinator_without_an_address_leaves_the_alert_to_the_ministry(
    issue, officer, settings
):
    settings.MINISTRY_ALERT_EMAILS = ["quality@ministry.example"]
    issue()
    type(officer).objects.filter(pk=officer.pk).update(email="")

    notices.notices_remind(now=AFTER_DEADLINE)
    notices.notices_remind(now=AFTER_DEADLINE + dt.timedelta(hours=24))

    [alert] = _alerts()
    assert alert.to == ["quality@ministry.example"]


def test_an_acknowledged_notice_is_never_reminded(issue):
    [notice] = issue().values()
    _answer(notice)

    for days in range(1, 10):
        assert notices.notices_remind(now=AFTER_DEADLINE + dt.timedelta(days=days)) == 0

    notice.refresh_from_db()
    assert notice.reminders_sent == 0
    assert not OutboundEmail.objects.exists()


def test_an_answer_stops_the_reminders(issue):
    [notice] = issue().values()
    notices.notices_remind(now=AFTER_DEADLINE)
    _answer(notice)

    assert notices.notices_remind(now=AFTER_DEADLINE + dt.timedelta(days=3)) == 0
    assert len(_reminders(notice)) == 1


def test_a_reply_that_does_not_acknowledge_the_notice_does_not_stop_the_reminders(issue):
    [notice] = issue().values()
    _answer(notice, acknowledged=False)

    assert notices.notices_remind(now=AFTER_DEADLINE) == 1


def test_running_twice_in_a_row_sends_nothing_twice(issue):
    found = issue("H-EAST", "H-WEST")
    day = dt.timedelta(hours=24)

    assert notices.notices_remind(now=AFTER_DEADLINE) == 2
    assert notices.notices_remind(now=AFTER_DEADLINE) == 0
    assert notices.notices_remind(now=AFTER_DEADLINE + dt.timedelta(minutes=15)) == 0
    assert notices.notices_remind(now=AFTER_DEADLINE + day) == 2
    assert notices.notices_remind(now=AFTER_DEADLINE + day) == 0

    assert OutboundEmail.objects.filter(key__contains="-reminder-").count() == 4
    assert len(_alerts()) == 1
    for notice in found.values():
        notice.refresh_from_db()
        assert notice.reminders_sent == 2


def test_a_reminder_already_in_the_outbox_is_not_queued_again(issue):
    [notice] = issue().values()
    notices.notices_remind(now=AFTER_DEADLINE)
    # the count is lost (a restored backup, a hand edit): the outbox key still holds
    Notice.objects.filter(pk=notice.pk).update(reminders_sent=0, last_reminded_at=None)

    notices.notices_remind(now=AFTER_DEADLINE)

    assert len(_reminders(notice)) == 1


def test_the_reminder_is_in_the_language_of_the_notice_and_the_alert_in_the_ministrys(issue):
    [notice] = issue(language="nl").values()

    notices.notices_remind(now=AFTER_DEADLINE)
    notices.notices_remind(now=AFTER_DEADLINE + dt.timedelta(hours=24))

    [first, _second] = _reminders(notice)
    assert first.language == "nl"
    with translation.override("nl"):
        dutch = [
            gettext("What is recalled"),
            gettext("RECALL NOTICE"),
            gettext("Stop use and return to the central warehouse"),
        ]
    assert dutch[0] != "What is recalled"  # the catalogue has them
    for text in dutch:
        assert text in first.body
    assert "What is recalled" not in first.body
    [alert] = _alerts()
    assert alert.language == django_settings.LANGUAGE_CODE == "en"
    assert "2 reminders sent" in alert.body


@pytest.mark.parametrize(
    "status", [RecallStatus.DRAFT, RecallStatus.CANCELLED, RecallStatus.CLOSED]
)
def test_notices_of_a_recall_not_being_carried_out_are_not_reminded(issue, status):
    found = issue()
    recall = next(iter(found.values())).recall
    type(recall).objects.filter(pk=recall.pk).update(status=status)

    assert notices.notices_remind(now=AFTER_DEADLINE) == 0
    assert not OutboundEmail.objects.exists()


def test_notices_of_a_closing_recall_are_still_reminded(issue):
    found = issue()
    recall = next(iter(found.values())).recall
    type(recall).objects.filter(pk=recall.pk).update(status=RecallStatus.CLOSING)

    assert notices.notices_remind(now=AFTER_DEADLINE) == 1


def test_each_recall_follows_its_own_deadline_and_class(issue, officer):
    first = next(iter(issue("H-ONE", reference="RC-1", recall_class="I").values()))
    second = next(iter(issue("H-TWO", reference="RC-2", recall_class="III").values()))
    type(second.recall).objects.filter(pk=second.recall_id).update(
        response_deadline=DEADLINE + dt.timedelta(days=3)
    )

    assert notices.notices_remind(now=AFTER_DEADLINE) == 1
    assert notices.notices_remind(now=AFTER_DEADLINE + dt.timedelta(days=3)) == 2

    assert len(_reminders(first)) == 2 and len(_reminders(second)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_send_each_reminder_once(postgres_only, issue):
    found = issue("H-A", "H-B", "H-C", "H-D")
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            start.wait()
            results.append(notices.notices_remind(now=AFTER_DEADLINE))
        except Exception as error:  # pragma: no cover - shown by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(results) == [0, 4]
    for notice in found.values():
        assert len(_reminders(notice)) == 1
        notice.refresh_from_db()
        assert notice.reminders_sent == 1
