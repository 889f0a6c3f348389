"""Writes about recalls: a draft is prepared (from scratch or from an inspection that asked for a
recall), then issued in one transaction: its lots become `recalled`, which keeps every unit of
them out of dispatch, and every hospital that ever received units of them (found in the ledger,
not typed in) gets one notice with what it received per lot, to be delivered by e-mail and, where
the hospital has one, by webhook. Nothing is sent inside the transaction: the deliveries are
outbox rows that `inspections.notices` sends after the commit. An issued recall is followed
through `selectors.recall_effectiveness`, may be marked as closing, and is closed with its final
figures: with a written reason when a hospital has not answered or units are unaccounted for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core import bulk
from core.errors import IllegalTransition, InvalidInput
from core.models import WebhookEvent
from core.outbox import emails as outbox
from core.outbox import webhooks
from core.roles import Role, require_role
from core.validation import require_reason
from procurement import services as procurement
from procurement.models import Lot, LotStatus

from .. import selectors
from ..models import (
    RECALL_TRANSITIONS,
    Channel,
    DeliveryStatus,
    EffectivenessLevel,
    Inspection,
    Notice,
    NoticeDelivery,
    Outcome,
    Recall,
    RecallAction,
    RecallClass,
    RecallDepth,
    RecallEvent,
    RecallStatus,
)
from . import webhook_payloads

# A lot in one of these may be recalled (a recall needs units to have left the warehouse; that
# is checked when the recall is issued, by `procurement.services.lot_recall`).
RECALLABLE = frozenset({LotStatus.RELEASED, LotStatus.ON_HOLD, LotStatus.RECALLED})


def recall_create(
    *,
    reference: str,
    lots: Sequence[Lot],
    reason: str,
    hazard: str,
    recall_class: str,
    response_deadline: dt.date,
    coordinator,
    actor,
    depth: str = RecallDepth.WARD,
    action: str = RecallAction.RETURN,
    effectiveness_level: str = EffectivenessLevel.A,
    source_inspection: Inspection | None = None,
) -> Recall:
    """Prepare a recall as a draft: nothing happens to the lots or hospitals until it is issued.

    Refuses: no lot, a lot that cannot be recalled (quarantined, rejected, disposed), an unknown
    class, depth, action or level, an empty reason or hazard, a deadline in the past, a
    coordinator without an e-mail address (the ministry's alerts go there) and a reference in
    use.
    """
    require_role(actor, Role.MINISTRY_OFFICER, action="prepare a recall")
    reference = (reference or "").strip()
    if not reference:
        raise InvalidInput("Give the recall a reference (for example RC-2020-001).")
    lots = list(lots)
    if not lots:
        raise InvalidInput("A recall needs at least one lot.")
    for lot in lots:
        if lot.status not in RECALLABLE:
            raise IllegalTransition(
                f"Lot {lot.lot_number} is {lot.get_status_display().lower()}; only released, "
                "on-hold or recalled lots can be part of a recall."
            )
    _check_choice(recall_class, RecallClass, "class")
    _check_choice(depth, RecallDepth, "depth")
    _check_choice(action, RecallAction, "action")
    _check_choice(effectiveness_level, EffectivenessLevel, "effectiveness check level")
    reason, hazard = (reason or "").strip(), (hazard or "").strip()
    if not reason or not hazard:
        raise InvalidInput("Describe both the problem and the hazard: the notice states them.")
    if response_deadline < timezone.localdate():
        raise InvalidInput("The response deadline cannot be in the past.")
    if not getattr(coordinator, "email", ""):
        raise InvalidInput("The coordinator needs an e-mail address: overdue answers go there.")
    try:
        with transaction.atomic():
            recall = Recall.objects.create(
                reference=reference,
                reason=reason,
                hazard=hazard,
                recall_class=recall_class,
                depth=depth,
                action=action,
                effectiveness_level=effectiveness_level,
                response_deadline=response_deadline,
                coordinator=coordinator,
                source_inspection=source_inspection,
                created_by=actor,
            )
            recall.lots.set(lots)
            _event(recall, actor=actor, from_status="", reason="Prepared as a draft.")
    except IntegrityError as error:
        raise InvalidInput(
            f"The reference {reference} is already used by another recall."
        ) from error
    return recall


def recall_defaults_from_inspection(inspection: Inspection) -> dict:
    """What a recall prepared from an inspection that found units at hospitals starts with: its
    lot and the inspection's finding as the reason."""
    if inspection.outcome != Outcome.RECALL_REQUIRED:
        raise InvalidInput(f"Inspection #{inspection.pk} did not ask for a recall.")
    return {
        "lots": [inspection.lot],
        "reason": (
            f"{inspection.get_stage_display()} #{inspection.pk} of lot {inspection.lot.lot_number} "
            f"({inspection.laboratory}, {inspection.performed_on:%Y-%m-%d}) failed against "
            f"{inspection.standard.code}."
        ),
        "source_inspection": inspection,
    }


def recall_issue(*, recall: Recall, actor) -> Recall:
    """Issue a draft recall: its lots become recalled and every hospital that received units of
    them gets a notice, all in one transaction; the deliveries go out after the commit.

    Refuses a recall that is not a draft, and (through `lot_recall`) a lot of which no unit ever
    left the warehouse: such a lot is rejected, not recalled.
    """
    require_role(actor, Role.MINISTRY_OFFICER, action="issue a recall")
    with transaction.atomic():
        recall = Recall.objects.select_for_update().get(pk=recall.pk)
        _check_move(recall, RecallStatus.ISSUED)
        lots = list(recall.lots.order_by("pk"))  # one lock order for every writer
        for lot in lots:
            procurement.lot_recall(
                lot=lot, actor=actor, reason=f"Recall {recall.reference}: {recall.reason}"
            )
        notices = _notices_create(recall, lots)
        recall.issued_at = timezone.now()
        _move(recall, RecallStatus.ISSUED, actor=actor, reason=f"{len(notices)} notice(s).")
        webhooks.webhook_publish(
            event=WebhookEvent.RECALL_ISSUED,
            payload=lambda: webhook_payloads.recall_issued_payload(recall, lots, notices),
            key=f"recall-issued:{recall.pk}",
        )
    _deliver_after_commit(recall)
    return recall


def recall_cancel(*, recall: Recall, actor, reason: str) -> Recall:
    """Drop a draft recall (an issued recall is closed, never cancelled)."""
    require_role(actor, Role.MINISTRY_OFFICER, action="cancel a recall")
    reason = require_reason(reason, "cancelling a recall")
    with transaction.atomic():
        recall = Recall.objects.select_for_update().get(pk=recall.pk)
        _check_move(recall, RecallStatus.CANCELLED)
        _move(recall, RecallStatus.CANCELLED, actor=actor, reason=reason)
    return recall


def recall_may_move(from_status: str, to_status: str) -> bool:
    """Whether `RECALL_TRANSITIONS` lets a recall go from one status to another."""
    return to_status in RECALL_TRANSITIONS.get(from_status, frozenset())


def recall_start_closing(*, recall: Recall, actor, reason: str = "") -> Recall:
    """Mark an issued recall as closing: the answers are in or the last returns are on their
    way, and the ministry is settling the figures. It can still go back to issued
    (`recall_reopen`) or be closed."""
    require_role(actor, Role.MINISTRY_OFFICER, action="mark a recall as closing")
    return _transition(recall, RecallStatus.CLOSING, actor=actor, reason=(reason or "").strip())


def recall_reopen(*, recall: Recall, actor, reason: str) -> Recall:
    """Take a closing recall back to issued (something is still out there), with a reason."""
    require_role(actor, Role.MINISTRY_OFFICER, action="reopen a recall")
    reason = require_reason(reason, "taking a recall back to issued")
    return _transition(recall, RecallStatus.ISSUED, actor=actor, reason=reason)


def recall_close(*, recall: Recall, actor, reason: str = "") -> Recall:
    """Close an issued or closing recall, recording its final figures in the event.

    Without a reason only when every notified hospital has answered (an acknowledged reply) and
    no unit is unaccounted for (`selectors.recall_effectiveness`); otherwise the officer's
    written reason for the gap is required, and recorded with the gap. Refuses drafts,
    cancelled and closed recalls.
    """
    require_role(actor, Role.MINISTRY_OFFICER, action="close a recall")
    reason = (reason or "").strip()
    with transaction.atomic():
        recall = Recall.objects.select_for_update().get(pk=recall.pk)
        _check_move(recall, RecallStatus.CLOSED)
        figures = selectors.recall_effectiveness(recall)
        gaps = figures.gaps()
        if gaps and not reason:
            raise InvalidInput(
                f"Recall {recall.reference} cannot be closed without a written reason for the "
                f"gap: {'; '.join(gaps)}."
            )
        recall.closed_at = timezone.now()
        _move(recall, RecallStatus.CLOSED, actor=actor, reason=_closing_note(figures, gaps, reason))
    return recall


def _closing_note(figures: selectors.Effectiveness, gaps: list[str], reason: str) -> str:
    """The closing event's reason: the officer's, the gap it explains, the final figures."""
    u = figures.units
    final = (
        f"Final figures: {u.delivered:,} delivered, {u.returned:,} returned, "
        f"{u.in_transit:,} in transit, {u.used:,} used, {u.destroyed:,} destroyed, "
        f"{u.held:,} held at hospitals, {u.unaccounted:,} unaccounted; "
        f"{figures.hospitals_answered} of {figures.hospitals_notified} hospitals answered."
    )
    parts = [reason, f"Closed with a gap: {'; '.join(gaps)}." if gaps else "", final]
    return "\n".join(part for part in parts if part)


def _transition(recall: Recall, to_status: str, *, actor, reason: str) -> Recall:
    with transaction.atomic():
        recall = Recall.objects.select_for_update().get(pk=recall.pk)
        _check_move(recall, to_status)
        _move(recall, to_status, actor=actor, reason=reason)
    return recall


def _notices_create(recall: Recall, lots: Sequence[Lot]) -> list[Notice]:
    """One notice per hospital that ever received units of the lots, with what it received per
    lot; an e-mail delivery for each, and a webhook delivery where the hospital has one.

    Written as plain rows (`procurement.bulk`: COPY on PostgreSQL), whatever the number of
    hospitals: a notice and a delivery INSERT per hospital took 20,000 queries for a lot at
    10,000 hospitals, and bulk_create's model instance per row still most of 2.5 s
    (`bench.recall_fanout`). Returns the notices (their hospital attached) in hospital order.
    """
    consignees = selectors.recall_consignees(lots)
    now = timezone.now()
    stamp, received = bulk.now_for_db(now), Notice._meta.get_field("received")
    ids = bulk.insert_rows(
        Notice,
        NOTICE_COLUMNS[1:],
        [
            (
                recall.pk,
                c.hospital.pk,
                received.get_db_prep_save(c.received, connection),
                c.hospital.language,
                stamp,
                0,
                None,
                None,
            )
            for c in consignees
        ],
        returning=True,
    )
    pending = DeliveryStatus.PENDING.value
    bulk.insert_rows(
        NoticeDelivery,
        ["notice_id", "channel", "status", "attempt_count"],
        [
            (notice_id, channel, pending, 0)
            for notice_id, consignee in zip(ids, consignees, strict=True)
            for channel in _channels(consignee.hospital)
        ],
        returning=False,
    )
    return [
        _notice_of(notice_id, recall, consignee, now)
        for notice_id, consignee in zip(ids, consignees, strict=True)
    ]


# Every concrete column of Notice, in the model's order (what its positional init takes).
NOTICE_COLUMNS = [field.attname for field in Notice._meta.concrete_fields]


def _channels(hospital) -> list[str]:
    return [Channel.EMAIL.value] + ([Channel.WEBHOOK.value] if hospital.webhook_url else [])


def _notice_of(notice_id: int, recall: Recall, consignee, now) -> Notice:
    """The saved notice as a query would load it, with its hospital attached."""
    hospital = consignee.hospital
    values = (notice_id, recall.pk, hospital.pk, consignee.received, hospital.language, now, 0)
    notice = Notice.from_db(connection.alias, NOTICE_COLUMNS, (*values, None, None))
    notice._state.fields_cache["hospital"] = hospital
    return notice


def _deliver_after_commit(recall: Recall) -> None:
    """After the commit, one task that queues a delivery task per notice channel, in a worker
    (`notices.notices_queue`): queueing 10,000 of them here kept the officer's request waiting
    14 s after the commit (`bench.recall_fanout`). Each delivery is still its own task."""
    from .. import tasks

    outbox.queue_after_commit(tasks.notices_queue_task, [recall.pk])


def _check_choice(value: str, choices, what: str) -> None:
    if value not in choices.values:
        raise InvalidInput(f"Unknown {what} {value!r}.")


def _check_move(recall: Recall, to_status: str) -> None:
    if to_status not in RECALL_TRANSITIONS[recall.status]:
        raise IllegalTransition(
            f"Recall {recall.reference} is {recall.get_status_display().lower()}; it cannot "
            f"become {RecallStatus(to_status).label.lower()}."
        )


def _move(recall: Recall, to_status: str, *, actor, reason: str) -> None:
    from_status = recall.status
    recall.status = to_status
    recall.save()
    _event(recall, actor=actor, from_status=from_status, reason=reason)


def _event(recall: Recall, *, actor, from_status: str, reason: str) -> None:
    RecallEvent.objects.create(
        recall=recall, from_status=from_status, to_status=recall.status, actor=actor, reason=reason
    )
