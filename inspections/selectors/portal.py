"""The portal's reads. Each starts from a scoped selector (`distributions_for_user`,
`hospitals_stock_on_hand`, `complaints_for_user`, `hospitals_for_user` for recall notices), so
nothing here can reach another hospital's records; these only narrow, order and group what those
allow."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextChoices,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from procurement.models import Distribution, Hospital, Lot, LotStatus, StockBalance
from procurement.selectors import (
    distributions_for_user,
    hospitals_for_user,
    hospitals_stock_on_hand,
)

from ..models import (
    Certificate,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    HospitalReturn,
    Notice,
    NoticeReply,
    NoticeReplyVersion,
)
from ..services.replies import REPLYABLE_RECALLS, lot_records, notice_lots
from .complaints import complaints_for_user

# Lots in these statuses must not be used: the portal warns wherever they appear.
STOP_USING_STATUSES = (LotStatus.ON_HOLD, LotStatus.RECALLED)

# What of a complaint's history the hospital sees. A kind added later stays internal until it is
# named here; the officers' notes on holds and inspection requests are never shown.
HOSPITAL_VISIBLE_EVENTS = (
    ComplaintEvent.Kind.REPORTED,
    ComplaintEvent.Kind.LOT_HELD,
    ComplaintEvent.Kind.INSPECTION_REQUESTED,
    ComplaintEvent.Kind.CLOSED,
)


class DeliveryFilter(TextChoices):
    ALL = "all", _("All deliveries")
    TO_CONFIRM = "to_confirm", _("Waiting for receipt confirmation")
    CONFIRMED = "confirmed", _("Receipt confirmed")
    DISCREPANCY = "discrepancy", _("Confirmed with a discrepancy")


def deliveries_to_confirm(user) -> QuerySet[Distribution]:
    """The user's deliveries whose receipt nobody has confirmed yet, oldest first."""
    return (
        distributions_for_user(user)
        .filter(status=Distribution.Status.DISPATCHED)
        .order_by("dispatched_at", "pk")
    )


def deliveries_search(
    user, *, q: str = "", show: str = DeliveryFilter.ALL, lot_id: int | None = None
) -> QuerySet[Distribution]:
    """The user's deliveries matching a search (lot number, product name or hospital code) and a
    receipt state; newest first, except the ones to confirm: oldest first, like a work queue."""
    deliveries = distributions_for_user(user)
    q = q.strip()
    if q:
        deliveries = deliveries.filter(
            Q(lot__lot_number__icontains=q)
            | Q(lot__order_line__product__name__icontains=q)
            | Q(hospital__code__icontains=q)
        )
    if lot_id is not None:
        deliveries = deliveries.filter(lot_id=lot_id)
    if show == DeliveryFilter.TO_CONFIRM:
        return deliveries.filter(status=Distribution.Status.DISPATCHED).order_by(
            "dispatched_at", "pk"
        )
    if show == DeliveryFilter.CONFIRMED:
        return deliveries.filter(status=Distribution.Status.CONFIRMED)
    if show == DeliveryFilter.DISCREPANCY:
        return deliveries.filter(Distribution.discrepancy_q())
    return deliveries


def deliveries_for_page(user) -> QuerySet[Distribution]:
    """The user's deliveries with all a delivery page shows joined in."""
    return distributions_for_user(user).select_related(
        "lot__order_line__product__claimed_standard",
        "lot__order_line__required_standard",
        "confirmed_by",
    )


def stock_to_stop_using(hospitals: list[Hospital]) -> QuerySet[StockBalance]:
    """Units the hospitals still hold of lots on hold or recalled."""
    return hospitals_stock_on_hand(hospitals).filter(lot__status__in=STOP_USING_STATUSES)


def stock_by_hospital(
    hospitals: list[Hospital],
) -> list[tuple[Hospital, list[StockBalance]]]:
    """Per hospital, in the given order, what it holds now per lot (one query for all)."""
    balances: dict[int, list[StockBalance]] = defaultdict(list)
    for balance in hospitals_stock_on_hand(hospitals):
        balances[balance.location.hospital_id].append(balance)
    return [(hospital, balances[hospital.pk]) for hospital in hospitals]


def lot_on_hand(distribution: Distribution) -> int:
    """What the delivery's hospital holds of the delivery's lot now."""
    quantity = (
        StockBalance.objects.filter(
            lot_id=distribution.lot_id, location__hospital_id=distribution.hospital_id
        )
        .values_list("quantity", flat=True)
        .first()
    )
    return quantity or 0


def lot_certificates(lot: Lot) -> QuerySet[Certificate]:
    """The certificates of a lot and of its product, lot certificates first."""
    return (
        Certificate.objects.filter(Q(lot=lot) | Q(product_id=lot.order_line.product_id))
        .select_related("standard")
        .order_by(F("product_id").asc(nulls_first=True), "certificate_number")
    )


def open_complaints(user) -> QuerySet[Complaint]:
    """The user's complaints that are not closed yet, newest first."""
    return complaints_for_user(user).exclude(status=ComplaintStatus.CLOSED)


def complaint_history(complaint: Complaint) -> QuerySet[ComplaintEvent]:
    """The events of a complaint a hospital may see, oldest first."""
    return complaint.events.filter(kind__in=HOSPITAL_VISIBLE_EVENTS).order_by("at", "pk")


# ---------------------------------------------------------------------------------------------
# Recall notices


def notices_for_user(user) -> QuerySet[Notice]:
    """Recall notices to the user's hospitals, newest first, with the recall, its coordinator
    and the hospital joined in, and annotated: `answered` (an acknowledged reply) and
    `units_held` (what the hospital holds now of the recall's lots). One query."""
    held = (
        StockBalance.objects.filter(
            location__hospital=OuterRef("hospital"), lot__recalls=OuterRef("recall")
        )
        .order_by()
        .values("location__hospital")
        .annotate(total=Sum("quantity"))
        .values("total")[:1]
    )
    return (
        Notice.objects.filter(hospital__in=hospitals_for_user(user))
        .select_related("recall__coordinator", "hospital")
        .annotate(
            answered=Exists(NoticeReply.objects.filter(notice=OuterRef("pk"), acknowledged=True)),
            units_held=Coalesce(Subquery(held, output_field=IntegerField()), 0),
        )
        .order_by("-recall__issued_at", "-pk")
    )


def notices_to_answer(user) -> QuerySet[Notice]:
    """Notices of issued or closing recalls that still need the hospital: not answered yet, or
    answered while it still holds units of the recalled lots. Earliest deadline first."""
    return (
        notices_for_user(user)
        .filter(recall__status__in=REPLYABLE_RECALLS)
        .filter(Q(answered=False) | Q(units_held__gt=0))
        .order_by("recall__response_deadline", "recall__recall_class", "pk")
    )


@dataclass(frozen=True)
class NoticeLotRow:
    """One lot of a notice as its page shows it: what the hospital received (per the notice),
    holds now and has used, destroyed and sent back (per the ledger)."""

    lot: Lot
    received: int
    held: int
    used: int
    destroyed: int
    returned: int

    @property
    def accounted(self) -> int:
        return self.held + self.used + self.destroyed + self.returned


def notice_lot_rows(notice: Notice) -> list[NoticeLotRow]:
    """The notice's lots, by lot number, with the ledger's figures at its hospital. Four
    queries, whatever the number of lots."""
    lots = notice_lots(notice)
    held = dict(
        StockBalance.objects.filter(
            lot__in=lots.values(), location__hospital_id=notice.hospital_id
        ).values_list("lot_id", "quantity")
    )
    records = lot_records(notice.hospital, lots.values())
    return [
        NoticeLotRow(
            lot=lot,
            received=notice.received.get(number, 0),
            held=held.get(lot.pk, 0),
            used=records[lot.pk].used,
            destroyed=records[lot.pk].destroyed,
            returned=records[lot.pk].returned,
        )
        for number, lot in lots.items()
    ]


def notice_reply_of(notice: Notice) -> NoticeReply | None:
    """The notice's reply with its lines, or None when it was never answered."""
    return NoticeReply.objects.filter(notice=notice).prefetch_related("lines").first()


def notice_reply_history(notice: Notice) -> QuerySet[NoticeReplyVersion]:
    """Every answer given to the notice, newest first, with who gave it."""
    return (
        NoticeReplyVersion.objects.filter(reply__notice=notice)
        .select_related("answered_by")
        .order_by("-at", "-pk")
    )


def notice_returns(notice: Notice) -> QuerySet[HospitalReturn]:
    """The units the hospital shipped back under the notice, newest first."""
    return notice.returns.select_related("lot", "shipped_by").order_by("-shipped_at", "-pk")


def notices_with_replies(user) -> QuerySet[Notice]:
    """The user's notices (`notices_for_user`: scoped to their hospitals) with their replies
    and deliveries joined in."""
    return (
        notices_for_user(user)
        .select_related("reply__answered_by")
        .prefetch_related("reply__lines__lot", "deliveries")
    )
