"""An issued recall with hospitals in every state, for the effectiveness, report, close and admin
tests. Replies, returns and delivery outcomes are written with the ORM plus the ledger movements
they imply (the reply and return services are written elsewhere); dispatches, the recall and its
notices go through the services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.roles import Role
from inspections import services
from inspections.models import (
    DeliveryStatus,
    HospitalReturn,
    Notice,
    NoticeAttempt,
    NoticeReply,
    NoticeReplyLine,
    Recall,
    RecallClass,
    ReturnStatus,
)
from procurement import services as procurement
from procurement.models import LocationKind, Lot, MovementKind
from procurement.services import ledger
from tests import factories

DEADLINE = timezone.localdate() + dt.timedelta(days=7)


def recall_draft(officer, lots, reference: str = "RC-2020-001", **fields) -> Recall:
    return services.recall_create(
        **{
            "reference": reference,
            "lots": lots,
            "reason": "Filter membrane fails: 82-91 % filtration against the 94 % required.",
            "hazard": "Staff treating COVID-19 patients are not protected.",
            "recall_class": RecallClass.I,
            "response_deadline": DEADLINE,
            "coordinator": officer,
            "actor": officer,
            **fields,
        }
    )


def notice_of(recall: Recall, code: str) -> Notice:
    return recall.notices.select_related("hospital").get(hospital__code=code)


# ---------------------------------------------------------------------------------------------
# What the hospitals and the delivery tasks did, with the ledger movements it implies


def deliver(notice: Notice) -> None:
    for delivery in notice.deliveries.all():
        NoticeAttempt.objects.create(delivery=delivery, succeeded=True)
    notice.deliveries.update(
        status=DeliveryStatus.DELIVERED, attempt_count=1, delivered_at=timezone.now()
    )


def fail(notice: Notice, error: str = "SMTPRecipientsRefused({'x@y': (550, b'no such user')})"):
    for delivery in notice.deliveries.all():
        NoticeAttempt.objects.create(
            delivery=delivery, succeeded=False, permanent=True, error=error
        )
    notice.deliveries.update(status=DeliveryStatus.FAILED, attempt_count=1)


def _move(lot: Lot, quantity: int, from_location, to_location, kind, actor):
    return ledger.movement_record(
        lot=lot,
        quantity=quantity,
        from_location=from_location,
        to_location=to_location,
        kind=kind,
        actor=actor,
    )


def use(notice: Notice, lot: Lot, quantity: int, actor) -> None:
    with transaction.atomic():
        _move(
            lot,
            quantity,
            ledger.hospital_location(notice.hospital),
            ledger.location_of_kind(LocationKind.CONSUMED),
            MovementKind.CONSUMPTION,
            actor,
        )


def destroy(notice: Notice, lot: Lot, quantity: int, actor) -> None:
    with transaction.atomic():
        _move(
            lot,
            quantity,
            ledger.hospital_location(notice.hospital),
            ledger.location_of_kind(LocationKind.DESTROYED),
            MovementKind.DESTRUCTION,
            actor,
        )


def ship_return(notice: Notice, lot: Lot, quantity: int, actor) -> HospitalReturn:
    with transaction.atomic():
        movement = _move(
            lot,
            quantity,
            ledger.hospital_location(notice.hospital),
            ledger.location_of_kind(LocationKind.IN_TRANSIT),
            MovementKind.RETURN_SHIPPED,
            actor,
        )
        return HospitalReturn.objects.create(
            notice=notice,
            hospital=notice.hospital,
            lot=lot,
            quantity_shipped=quantity,
            shipped_movement=movement,
            shipped_by=actor,
        )


def receive_return(hospital_return: HospitalReturn, quantity: int, actor) -> None:
    with transaction.atomic():
        movement = _move(
            hospital_return.lot,
            quantity,
            ledger.location_of_kind(LocationKind.IN_TRANSIT),
            ledger.warehouse_location(),
            MovementKind.RETURN_RECEIVED,
            actor,
        )
        HospitalReturn.objects.filter(pk=hospital_return.pk).update(
            status=ReturnStatus.RECEIVED,
            quantity_received=quantity,
            received_movement=movement,
            received_by=actor,
            received_at=timezone.now(),
        )


def reply(notice: Notice, actor, lines: dict[Lot, dict], *, acknowledged: bool = True):
    """The hospital's answer: per lot the units on hand, used and destroyed."""
    answer = NoticeReply.objects.create(
        notice=notice,
        acknowledged=acknowledged,
        respondent_name="A. Pharmacist",
        respondent_role="Head of pharmacy",
        answered_by=actor,
        answered_at=timezone.now(),
    )
    for lot, figures in lines.items():
        NoticeReplyLine.objects.create(reply=answer, lot=lot, **figures)
    return answer


# ---------------------------------------------------------------------------------------------
# The scenario


@dataclass
class Scenario:
    recall: Recall
    first: Lot
    second: Lot

    def notice(self, code: str) -> Notice:
        return notice_of(self.recall, code)


# What each hospital received (first lot, second lot), in dispatch order.
RECEIVED = {
    "H-SILENT": (100, 0),  # never answers: all it holds is unaccounted, overdue when late
    "H-DONE": (200, 0),  # returned everything (50 directly, 150 through a return), answered
    "H-KEEP": (80, 30),  # answered: quarantines what it holds, used 10 of the second lot
    "H-SHORT": (120, 0),  # answered 70 on hand while the ledger says 120: 50 unaccounted
    "H-TRANSIT": (60, 0),  # answered; its return of 60 is on the way
    "H-LOST": (90, 0),  # destroyed 10, shipped 80 back, 75 arrived: 5 lost in return
    "H-FAILED": (0, 40),  # the notice never reached it; no answer
}


def recall_in_every_state(officer, clerk) -> Scenario:
    first = factories.released_lot(quantity=1_000, actor=officer)
    second = factories.released_lot(quantity=500, actor=officer)
    hospitals = {
        code: factories.HospitalFactory(code=code, name=f"{code.title()} Hospital")
        for code in RECEIVED
    }
    for code, units in RECEIVED.items():
        for lot, quantity in zip((first, second), units, strict=True):
            if quantity:
                procurement.distribution_dispatch(
                    lot=lot, hospital=hospitals[code], quantity=quantity, actor=clerk
                )
    procurement.stock_return_from_hospital(
        lot=first, hospital=hospitals["H-DONE"], quantity=50, actor=clerk
    )
    recall = services.recall_issue(recall=recall_draft(officer, [first, second]), actor=officer)
    scenario = Scenario(recall=recall, first=first, second=second)
    _hospitals_act(scenario, clerk)
    return scenario


def _hospitals_act(s: Scenario, clerk) -> None:
    nurse = factories.UserFactory(username="pharmacist", role=Role.HOSPITAL_STAFF)
    for code in RECEIVED:
        if code != "H-FAILED":
            deliver(s.notice(code))
    fail(s.notice("H-FAILED"))

    done = s.notice("H-DONE")
    receive_return(ship_return(done, s.first, 150, nurse), 150, clerk)
    reply(done, nurse, {s.first: {"quantity_on_hand": 0}})

    keep = s.notice("H-KEEP")
    use(keep, s.second, 10, nurse)
    reply(
        keep,
        nurse,
        {
            s.first: {"quantity_on_hand": 80},
            s.second: {"quantity_on_hand": 20, "quantity_used": 10},
        },
    )

    # 70 on hand, nothing used or destroyed: 50 of the 120 the ledger says it holds are missing.
    reply(s.notice("H-SHORT"), nurse, {s.first: {"quantity_on_hand": 70}})

    transit = s.notice("H-TRANSIT")
    ship_return(transit, s.first, 60, nurse)
    reply(transit, nurse, {s.first: {"quantity_on_hand": 0}})

    lost = s.notice("H-LOST")
    destroy(lost, s.first, 10, nurse)
    receive_return(ship_return(lost, s.first, 80, nurse), 75, clerk)
    reply(lost, nurse, {s.first: {"quantity_on_hand": 0, "quantity_destroyed": 10}})


def make_overdue(recall: Recall) -> None:
    """Move the response deadline into the past (the service refuses to set one there)."""
    Recall.objects.filter(pk=recall.pk).update(
        response_deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    recall.refresh_from_db()


def fully_answered_recall(officer, clerk, reference: str = "RC-2020-010") -> Recall:
    """One hospital got 40 units, returned them all and answered: nothing is missing."""
    lot = factories.released_lot(quantity=100, actor=officer)
    hospital = factories.HospitalFactory()
    procurement.distribution_dispatch(lot=lot, hospital=hospital, quantity=40, actor=clerk)
    recall = services.recall_issue(
        recall=recall_draft(officer, [lot], reference=reference), actor=officer
    )
    notice = recall.notices.select_related("hospital").get()
    deliver(notice)
    receive_return(ship_return(notice, lot, 40, clerk), 40, clerk)
    reply(notice, clerk, {lot: {"quantity_on_hand": 0}})
    return recall
