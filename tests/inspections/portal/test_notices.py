"""Recall notices in the hospital portal: the notices to answer first on the home page, the
notice page (its contents, the reply card pre-filled from the ledger, the answers given, units
sent back), the list of notices; another hospital's notice is 404, other roles 403."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inspections import services
from inspections.models import HospitalReturn, NoticeReply, RecallClass, ReturnStatus
from procurement.models import LotStatus
from procurement.selectors import ledger_violations
from tests.inspections.recall_notices import answer, held, issue_recall

HOME = reverse("hospital_home")
NOTICES = reverse("hospital_notices")


@pytest.fixture
def issued(officer, hospital, other_hospital):
    """A class I recall of two lots: the test hospital got 100 of the first and 40 of the
    second, the other hospital 50 of the first."""
    return issue_recall(officer, {hospital: (100, 40), other_hospital: (50, 0)})


@pytest.fixture
def notice(issued, hospital):
    return issued.notice(hospital)


@pytest.fixture
def other_notice(issued, other_hospital):
    return issued.notice(other_hospital)


def _url(notice, action: str = "") -> str:
    name = {
        "": "hospital_notice",
        "reply": "hospital_notice_reply",
        "return": "hospital_notice_return",
    }
    return reverse(name[action], args=[notice.pk])


def _reply_data(issued, figures=((100, 0, 0), (40, 0, 0)), **fields) -> dict:
    data = {
        "acknowledged": "on",
        "respondent_name": "A. Pharmacist",
        "respondent_role": "Head of pharmacy",
        "explanation": "",
        **fields,
    }
    for lot, (on_hand, used, destroyed) in zip(issued.lots, figures, strict=True):
        data[f"on_hand_{lot.pk}"] = on_hand
        data[f"used_{lot.pk}"] = used
        data[f"destroyed_{lot.pk}"] = destroyed
    return data


# ---------------------------------------------------------------------------------------------
# The home page and the list


def test_the_home_page_shows_the_notices_to_answer_first(staff_client, issued, notice, delivery):
    content = staff_client.get(HOME).content.decode()

    assert "Recall notices to answer" in content
    assert content.index("Recall notices to answer") < content.index("Deliveries to confirm")
    assert content.index("Recall notices to answer") < content.index("Stop using these lots")
    assert f"Recall notice {notice.reference}" in content
    assert "URGENT" in content
    assert reverse("hospital_notice", args=[notice.pk]) in content


def test_another_hospitals_notice_is_not_on_the_home_page(staff_client, issued, other_notice):
    response = staff_client.get(HOME)

    assert other_notice not in response.context["notices_to_answer"]
    assert other_notice.reference not in response.content.decode()


def test_an_answered_notice_stays_while_the_hospital_holds_units(
    staff_client, issued, notice, hospital_user, clerk
):
    lines = {issued.lots[0]: (100, 0, 0), issued.lots[1]: (40, 0, 0)}
    answer(notice, hospital_user, lines)

    assert [n.pk for n in staff_client.get(HOME).context["notices_to_answer"]] == [notice.pk]
    assert "140 units still held" in staff_client.get(HOME).content.decode()

    for lot, units in ((issued.lots[0], 100), (issued.lots[1], 40)):
        services.hospital_return_ship(notice=notice, lot=lot, quantity=units, actor=hospital_user)
    answer(notice, hospital_user, {issued.lots[0]: (0, 0, 0), issued.lots[1]: (0, 0, 0)})

    response = staff_client.get(HOME)
    assert response.context["notices_to_answer"] == []
    assert "Recall notices to answer" not in response.content.decode()


def test_a_class_three_notice_is_not_urgent(staff_client, officer, hospital):
    issued = issue_recall(officer, {hospital: (10,)}, recall_class=RecallClass.III)

    content = staff_client.get(_url(issued.notice(hospital))).content.decode()

    assert "URGENT" not in content
    assert "Class III" in content


def test_the_list_shows_every_notice_of_the_hospital(staff_client, issued, notice, other_notice):
    response = staff_client.get(NOTICES)

    content = response.content.decode()
    assert [n.pk for n in response.context["page_obj"]] == [notice.pk]
    assert f"Recall notice {notice.reference}" in content
    assert other_notice.reference not in content
    assert 'aria-current="page">Recall notices' in content


# ---------------------------------------------------------------------------------------------
# The notice page


def test_the_notice_page_shows_the_notice_as_it_was_sent(
    staff_client, issued, notice, officer, hospital, delivery
):
    response = staff_client.get(_url(notice))

    content = response.content.decode()
    recall = issued.recall
    assert response.status_code == 200
    assert "URGENT" in content
    assert recall.get_recall_class_display() in content
    for text in (recall.reason, recall.hazard, recall.get_action_display()):
        assert text in content
    assert recall.response_deadline.strftime("%Y-%m-%d") in content
    assert f"mailto:{officer.email}" in content
    rows = {row.lot.lot_number: row for row in response.context["rows"]}
    first, second = issued.lots
    assert (rows[first.lot_number].received, rows[first.lot_number].held) == (100, 100)
    assert (rows[second.lot_number].received, rows[second.lot_number].held) == (40, 40)


def test_the_reply_card_is_pre_filled_from_the_ledger(
    staff_client, issued, notice, hospital, hospital_user
):
    hospital_user.first_name, hospital_user.last_name = "Anna", "de Vries"
    hospital_user.save()
    hospital_user.hospital_memberships.update(job_title="Hospital pharmacist")
    first, second = issued.lots
    services.hospital_return_ship(notice=notice, lot=first, quantity=30, actor=hospital_user)

    form = staff_client.get(_url(notice)).context["reply_form"]

    assert form.initial[f"on_hand_{first.pk}"] == 70
    assert form.initial[f"used_{first.pk}"] == 0
    assert form.initial[f"destroyed_{first.pk}"] == 0
    assert form.initial[f"on_hand_{second.pk}"] == 40
    assert form.initial["respondent_name"] == "Anna de Vries"
    assert form.initial["respondent_role"] == "Hospital pharmacist"
    assert form.initial["acknowledged"] is False


def test_after_an_answer_the_card_shows_the_previous_answer(
    staff_client, issued, notice, hospital_user
):
    first, second = issued.lots
    answer(notice, hospital_user, {first: (70, 20, 10), second: (40, 0, 0)})

    form = staff_client.get(_url(notice)).context["reply_form"]

    assert form.initial[f"on_hand_{first.pk}"] == 70  # the ledger after booking
    assert (form.initial[f"used_{first.pk}"], form.initial[f"destroyed_{first.pk}"]) == (20, 10)
    assert form.initial["respondent_name"] == "A. Pharmacist"
    assert form.initial["acknowledged"] is True


def test_answering_from_the_page(staff_client, issued, notice, hospital):
    data = _reply_data(issued, figures=((80, 15, 5), (40, 0, 0)))

    response = staff_client.post(_url(notice, "reply"), data, follow=True)

    assert response.redirect_chain == [(_url(notice), 302)]
    assert f"Your answer to notice {notice.reference} is recorded" in response.content.decode()
    reply = NoticeReply.objects.get(notice=notice)
    assert reply.acknowledged
    assert held(issued.lots[0], hospital) == 80
    assert len(response.context["history"]) == 1
    assert ledger_violations() == []


def test_answering_twice_shows_the_history(staff_client, issued, notice):
    staff_client.post(_url(notice, "reply"), _reply_data(issued, figures=((90, 10, 0), (40, 0, 0))))
    staff_client.post(
        _url(notice, "reply"),
        _reply_data(issued, figures=((85, 15, 0), (40, 0, 0)), respondent_name="B. Manager"),
    )

    response = staff_client.get(_url(notice))

    history = response.context["history"]
    assert [v.data["respondent_name"] for v in history] == ["B. Manager", "A. Pharmacist"]
    content = response.content.decode()
    assert "85 on hand, 15 used, 0 destroyed" in content
    assert "90 on hand, 10 used, 0 destroyed" in content
    assert NoticeReply.objects.count() == 1


def test_too_many_units_without_explanation_is_a_form_error_that_keeps_the_input(
    staff_client, issued, notice, hospital
):
    data = _reply_data(issued, figures=((100, 10, 0), (40, 0, 0)))

    response = staff_client.post(_url(notice, "reply"), data)

    content = response.content.decode()
    assert response.status_code == 200
    assert response.context["reply_form"].errors["explanation"]
    assert response.context["explanation_open"]
    assert '<details class="reply-explanation" open>' in content
    assert f'name="used_{issued.lots[0].pk}" value="10"' in content
    assert 'value="A. Pharmacist"' in content
    assert not NoticeReply.objects.exists()
    assert held(issued.lots[0], hospital) == 100

    data["explanation"] = "Ten borrowed from the university hospital."
    response = staff_client.post(_url(notice, "reply"), data)

    assert response.status_code == 302
    assert held(issued.lots[0], hospital) == 90


def test_a_decrease_is_a_form_error_that_keeps_the_input(
    staff_client, issued, notice, hospital_user, officer
):
    answer(notice, hospital_user, {issued.lots[0]: (80, 20, 0), issued.lots[1]: (40, 0, 0)})

    response = staff_client.post(
        _url(notice, "reply"), _reply_data(issued, figures=((85, 15, 0), (40, 0, 0)))
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert "contact the recall&#x27;s coordinator" in content
    assert officer.email in content
    assert f'name="used_{issued.lots[0].pk}" value="15"' in content
    assert NoticeReply.objects.get().versions.count() == 1


def test_a_missing_name_or_a_negative_figure_is_a_form_error(staff_client, issued, notice):
    response = staff_client.post(
        _url(notice, "reply"),
        _reply_data(issued, figures=((-1, 0, 0), (40, 0, 0)), respondent_name=""),
    )

    errors = response.context["reply_form"].errors
    assert response.status_code == 200
    assert "respondent_name" in errors
    assert f"on_hand_{issued.lots[0].pk}" in errors
    assert not NoticeReply.objects.exists()


def test_a_closed_recall_is_shown_without_the_reply_card(staff_client, issued, notice, officer):
    services.recall_close(recall=issued.recall, actor=officer, reason="Closed for the test.")

    response = staff_client.get(_url(notice))
    posted = staff_client.post(_url(notice, "reply"), _reply_data(issued), follow=True)

    assert response.context["reply_form"] is None
    assert "answers are no longer taken here" in response.content.decode()
    assert "is closed" in posted.content.decode()
    assert not NoticeReply.objects.exists()


# ---------------------------------------------------------------------------------------------
# Units sent back


def test_shipping_units_back_from_the_page(staff_client, issued, notice, hospital):
    first = issued.lots[0]

    response = staff_client.post(
        _url(notice, "return"), {"lot": first.pk, "quantity": 60, "reference": "DHL 1"}, follow=True
    )

    assert response.redirect_chain == [(f"{_url(notice)}#return", 302)]
    assert "60 units of lot" in response.content.decode()
    hospital_return = HospitalReturn.objects.get()
    assert (hospital_return.lot, hospital_return.quantity_shipped) == (first, 60)
    assert held(first, hospital) == 40
    assert [r.pk for r in response.context["returns"]] == [hospital_return.pk]
    assert "On its way to the warehouse" in response.content.decode()
    first.refresh_from_db()
    assert first.status == LotStatus.RECALLED
    assert ledger_violations() == []


def test_shipping_more_than_held_is_a_form_error_that_keeps_the_input(
    staff_client, issued, notice, hospital
):
    first = issued.lots[0]

    response = staff_client.post(
        _url(notice, "return"), {"lot": first.pk, "quantity": 150, "reference": "DHL 2"}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert response.context["return_form"].errors["quantity"]
    assert "holds 100 units of lot" in content
    assert 'name="quantity" value="150"' in content
    assert 'value="DHL 2"' in content
    assert not HospitalReturn.objects.exists()


def test_a_received_return_shows_its_arrival(staff_client, issued, notice, hospital_user, clerk):
    hospital_return = services.hospital_return_ship(
        notice=notice, lot=issued.lots[1], quantity=40, actor=hospital_user
    )
    services.hospital_return_receive(
        hospital_return=hospital_return, quantity_received=38, actor=clerk, remark="Torn box."
    )

    response = staff_client.get(_url(notice))

    content = response.content.decode()
    assert response.context["returns"][0].status == ReturnStatus.RECEIVED
    assert "38 arrived" in content
    # Nothing of the second lot is held any more: only the first can still be sent back.
    assert [lot for lot, _label in response.context["return_form"].fields["lot"].choices] == [
        issued.lots[0].pk
    ]


# ---------------------------------------------------------------------------------------------
# Not yours, not your role


def test_another_hospitals_notice_is_404(staff_client, issued, other_notice):
    for url in (_url(other_notice), _url(other_notice, "reply"), _url(other_notice, "return")):
        assert staff_client.get(url).status_code == 404, url
    assert staff_client.post(_url(other_notice, "reply"), _reply_data(issued)).status_code == 404
    response = staff_client.post(
        _url(other_notice, "return"), {"lot": issued.lots[0].pk, "quantity": 1}
    )
    assert response.status_code == 404
    assert not NoticeReply.objects.exists()
    assert not HospitalReturn.objects.exists()


def test_other_roles_are_refused(wrong_role_client, issued, notice):
    for url in (NOTICES, _url(notice)):
        assert wrong_role_client.get(url).status_code == 403, url
    assert wrong_role_client.post(_url(notice, "reply"), _reply_data(issued)).status_code == 403
    response = wrong_role_client.post(
        _url(notice, "return"), {"lot": issued.lots[0].pk, "quantity": 1}
    )
    assert response.status_code == 403
    assert not NoticeReply.objects.exists()


def test_an_anonymous_visitor_is_sent_to_sign_in(client, notice):
    for url in (NOTICES, _url(notice)):
        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


def test_a_get_on_the_form_addresses_goes_back_to_the_page(staff_client, notice):
    assert staff_client.get(_url(notice, "reply"))["Location"] == f"{_url(notice)}#reply"
    assert staff_client.get(_url(notice, "return"))["Location"] == f"{_url(notice)}#return"


# ---------------------------------------------------------------------------------------------
# Query counts


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_home_page_and_the_list_keep_a_flat_number_of_queries(
    staff_client, officer, hospital, django_assert_max_num_queries
):
    issue_recall(officer, {hospital: (100,)}, reference="RC-1")
    baselines = {url: _queries(staff_client, url) for url in (HOME, NOTICES)}

    for number in range(2, 5):
        issue_recall(officer, {hospital: (10, 20, 30)}, reference=f"RC-{number}")

    for url, queries in baselines.items():
        with django_assert_max_num_queries(queries):
            staff_client.get(url)


def test_the_notice_page_keeps_a_flat_number_of_queries(
    staff_client, issued, notice, hospital_user, django_assert_max_num_queries
):
    first, second = issued.lots
    answer(notice, hospital_user, {first: (90, 10, 0), second: (40, 0, 0)})
    services.hospital_return_ship(notice=notice, lot=first, quantity=10, actor=hospital_user)
    baseline = _queries(staff_client, _url(notice))

    for step, used in enumerate((11, 12, 13)):
        answer(notice, hospital_user, {first: (90 - used, used, 0), second: (40 - step, 0, 0)})
        services.hospital_return_ship(notice=notice, lot=second, quantity=1, actor=hospital_user)

    with django_assert_max_num_queries(baseline):
        staff_client.get(_url(notice))
