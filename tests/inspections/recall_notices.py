"""An issued recall of lots delivered to hospitals, for the reply, return and warehouse tests:
everything goes through the services (dispatch, recall, reply, return)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from inspections import services
from inspections.models import Notice, Recall, RecallClass
from procurement import services as procurement
from procurement.models import Hospital, Lot
from procurement.services import ledger
from tests import factories

DEADLINE = timezone.localdate() + dt.timedelta(days=7)


@dataclass
class Issued:
    recall: Recall
    lots: list[Lot]

    @property
    def lot(self) -> Lot:
        return self.lots[0]

    def notice(self, hospital: Hospital) -> Notice:
        return self.recall.notices.select_related("hospital", "recall").get(hospital=hospital)


def issue_recall(
    officer,
    deliveries: dict[Hospital, tuple[int, ...]],
    *,
    reference: str = "RC-2020-001",
    recall_class: str = RecallClass.I,
    before_issue=None,
) -> Issued:
    """Lots of 1,000 units dispatched to hospitals (units per lot, in lot order), then recalled
    together. `before_issue(lots)` runs between the dispatches and the recall."""
    count = max(len(units) for units in deliveries.values())
    lots = [factories.released_lot(quantity=1_000, actor=officer) for _ in range(count)]
    for hospital, units in deliveries.items():
        for lot, quantity in zip(lots, units, strict=False):
            if quantity:
                procurement.distribution_dispatch(
                    lot=lot, hospital=hospital, quantity=quantity, actor=officer
                )
    if before_issue:
        before_issue(lots)
    draft = services.recall_create(
        reference=reference,
        lots=lots,
        reason="Filter membrane fails: 82-91 % filtration against the 94 % required.",
        hazard="Staff treating COVID-19 patients are not protected.",
        recall_class=recall_class,
        response_deadline=DEADLINE,
        coordinator=officer,
        actor=officer,
    )
    recall = services.recall_issue(recall=draft, actor=officer)
    for lot in lots:
        lot.refresh_from_db()
    return Issued(recall=recall, lots=lots)


def answer(notice: Notice, actor, lines: dict[Lot, tuple[int, int, int]], **fields):
    """Answer a notice through the service, acknowledged, by a named pharmacist."""
    values = {
        "acknowledged": True,
        "respondent_name": "A. Pharmacist",
        "respondent_role": "Head of pharmacy",
        **fields,
    }
    return services.notice_reply(notice=notice, actor=actor, lines=lines, **values)


def held(lot: Lot, hospital: Hospital) -> int:
    return ledger.balance_of(lot, ledger.hospital_location(hospital))
