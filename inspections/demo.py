"""The demo story, quality side: the spring-2020 case of SCENARIO.md after the supply side.

`load_demo()` (and `python manage.py load_demo`) first loads `procurement.demo`'s supply story,
then, in the same transaction and through `inspections.services` acting as the demo
``inspector``:

* records the KN95 respirator's product certificate: GB 2626 KN95 (a non-medical standard), a
  made-up issuer, valid for a year, unverified;
* has the ``nurse`` report the complaint from the ward through the hospital form's service: at
  HOSP-001 the masks of KN95-2003-A do not close (a fit problem), and the ``officer`` asks for an
  inspection from it (the inspections below answer that request);
* inspects each of the five KN95 lots (KN95-2003-A..E) against the standard the order required,
  EN 149 FFP2, at a made-up test laboratory: a faulty filter membrane lets 40 of the 800 sampled
  units filter only 82-91 % (the limit is 94 %); every other criterion passes. Each lot goes on
  hold. After two failed original inspections the switching rules move the supplier to tightened
  inspection for respirators, so lots C-E are sampled on the tightened plan;
* confirms the failure with a second inspection at a second laboratory: lots A-C, whose units are
  at hospitals, stay on hold with the outcome "recall required" (nothing more can be
  dispatched); lots D and E, still wholly in the warehouse, are rejected;
* inspects the two rapid-test lots (AGRDT-2003-01/02) twice on a reference panel against RT-PCR:
  30 % sensitivity (80 % required), so both are rejected before any test left the warehouse. The
  second supplier moves to tightened inspection for rapid tests too;
* recalls lots A-C (`recall_story`, through `inspections.services` acting as the demo users): the
  ``officer`` prepares recall RC-2020-001 from the second inspection of lot A that asked for a
  recall (`recall_defaults_from_inspection`) plus lots B and C (class I, to ward level, units to
  be returned, effectiveness check level A, the officer coordinating) and issues it: the lots
  become recalled and each of the 25 hospitals that received units gets a notice, by e-mail and,
  for the hospitals with a webhook, by webhook. The deliveries go out after the load's
  transaction commits (in-process without a Celery broker: the e-mails land in var/mail/ with
  ``make demo``; nothing listens at the demo webhooks' 127.0.0.1:8765, so those attempts fail
  with "connection refused" and wait for a retry, as a hospital system that is down would).
  The ``nurse`` answers for HOSP-001 (everything on hand, shipped back, received in full by the
  ``clerk``) and for HOSP-011 (some units used on the ward before the recall, the rest shipped
  back and still in transit); the other 23 hospitals have not answered;
* turns the clock back: the recall's ``issued_at`` is set to ten days ago and its
  ``response_deadline`` to three days ago with a direct UPDATE of those two descriptive fields
  (the services refuse a deadline in the past, rightly), so that the recall is in progress with
  23 hospitals overdue; `notices_remind` then sends each of them its first reminder (through the
  e-mail outbox, to var/mail/ too). Of the recall, this is the one write outside the
  services;
* sends the rejected lots back to their suppliers (`procurement.services.supplier_return_create`
  as the officer): KN95-2003-D and -E to the respirator supplier, the two rapid-test lots to the
  test supplier, each with the supplier's return authorisation and a credit claim at the order's
  unit price.

Sample sizes come from `selectors.lot_plan(lot)` read just before each inspection, per defect
class. Filtration is entered unit by unit (made-up but deterministic readings: a seeded generator
per lot and stage); the other per-unit criteria as counts of nonconforming units (0).

Loading is idempotent: when the supply story is loaded, a demo lot has an inspection and the
recall of demo lots exists, nothing is written. A database holding the story of an earlier
version of the demo gets what is missing on top: the inspections (and the recall) when there are
no inspections yet, the recall and the supplier returns when there is no recall yet.
`load_demo(reset=True)` removes the quality-side rows of the demo (recalls of demo lots with
their notices, deliveries, replies, hospital returns and reminder e-mails; complaints about demo
lots and their e-mails; inspections of demo lots with their results and events; the demo
suppliers' inspection levels; certificates of demo products and lots), then lets
`procurement.demo` reset the supply side (supplier returns and credit claims included), and
loads everything again.

The refusals are `procurement.demo`'s: without DEBUG (or `force=True`), or when a hospital code or
a role username of the demo belongs to something the demo did not create, `DemoRefused` is raised
and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from core.models import OutboundEmail
from core.roles import Role
from procurement import demo as supply
from procurement import services as procurement
from procurement.models import (
    Distribution,
    LocationKind,
    Lot,
    LotStatus,
    Product,
    Standard,
    StockBalance,
    SupplierReturn,
)

from . import selectors, services
from .models import (
    Certificate,
    CertificateEvent,
    Channel,
    ClassResult,
    Complaint,
    ComplaintCategory,
    ComplaintEvent,
    CriterionResult,
    DeliveryStatus,
    EffectivenessLevel,
    HospitalReturn,
    Inspection,
    InspectionEvent,
    InspectionStage,
    Notice,
    NoticeAttempt,
    NoticeDelivery,
    NoticeReply,
    NoticeReplyLine,
    NoticeReplyVersion,
    Outcome,
    PanelResult,
    Recall,
    RecallAction,
    RecallClass,
    RecallDepth,
    RecallEvent,
    SupplierLevel,
    SupplierLevelEvent,
    Verdict,
)
from .services.notices import notices_remind, reminder_email_key

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser

DemoRefused = supply.DemoRefused

# ---------------------------------------------------------------------------------------------
# The figures of the story

# The complaint from the ward (SCENARIO.md), reported by the nurse at her first hospital.
COMPLAINT_HOSPITAL = "HOSP-001"
COMPLAINT_DESCRIPTION = (
    "If those masks do not close properly, the virus particles can simply pass. We do not use "
    "them. On the ICU the staff could not get a seal: the nose clip does not hold and the straps "
    "leave a gap at the cheeks, also after a fit check."
)
COMPLAINT_UNITS = 2_400
COMPLAINT_REQUEST = "Fit complaint from the ICU of HOSP-001: test the KN95 lots now."

CERTIFICATE_ISSUER = "Jiangmen Lumiguard Certification Centre"
CERTIFICATE_NUMBER = "LGC-GB2626-2020-03417"
CERTIFICATE_VALIDITY = dt.timedelta(days=365)

# The first test and the confirming second test, at two made-up laboratories.
RESPIRATOR_LABS = {
    InspectionStage.FIRST: (
        "Testlaboratorium Persoonlijke Bescherming Dijkstede",
        "ing. R. Kuipers",
    ),
    InspectionStage.SECOND: ("Hazelburg Institute of Aerosol Technology", "dr. A. Brouwer"),
}
RAPID_TEST_LABS = {
    InspectionStage.FIRST: ("Regionaal Virologisch Laboratorium Lindemeer", "dr. S. Meijer"),
    InspectionStage.SECOND: ("Hazelburg Academic Virology Reference Laboratory", "dr. P. Okafor"),
}
STAGES = (InspectionStage.FIRST, InspectionStage.SECOND)

FILTRATION = "filtration"  # the EN 149 FFP2 criterion the faulty membrane fails
FAULTY_SHARE = 0.05  # of the sampled units: 40 of 800, far above the reject numbers (11 and 9)
FAULTY_RANGE = (82.0, 91.0)  # % filtration of a unit with a faulty membrane
GOOD_MEAN, GOOD_SPREAD, GOOD_RANGE = 96.3, 0.9, (94.2, 99.1)  # % of a sound unit

# Reference panel against RT-PCR: 100 positive and 100 negative samples.
RAPID_TEST_PANEL = services.Panel(
    true_positives=30, false_negatives=70, true_negatives=97, false_positives=3
)


# The recall of the three lots at hospitals (SCENARIO.md: stop the use of the entire shipment,
# return what was distributed).
RECALL_REFERENCE = "RC-2020-001"
RECALL_LOTS = supply.LOT_NUMBERS[: supply.RELEASED_LOT_COUNT]  # A-C, the lots at hospitals
RECALL_REASON = (
    "KN95 respirators of this shipment failed two laboratory tests against EN 149 FFP2: a faulty "
    "filter membrane lets particles through (40 of 800 sampled masks filter 82-91 %, at least "
    "94 % is required), and the masks do not fit: the nose clip does not hold and the straps "
    "leave a gap, so they do not close on the face. Stop using them; return every unit."
)
RECALL_HAZARD = (
    "Staff treating the most critical COVID-19 patients wear these masks believing they are "
    "protected, and are not: virus particles pass the membrane and the gaps at the face. This "
    "also applies to the masks already used: staff who wore them were exposed unprotected and "
    "their exposure should be assessed."
)
RECALL_DEADLINE = dt.timedelta(days=7)  # as prepared; the demo then turns the clock back:
ISSUED_AGO = dt.timedelta(days=10)  # the recall was issued ten days ago
DEADLINE_AGO = dt.timedelta(days=3)  # and hospitals should have answered three days ago

# The nurse answers the notices of her two hospitals (RECALL_REFERENCE/HOSP-001 and /HOSP-011).
RESPONDENT_NAME = "Marieke de Vries"
RESPONDENT_ROLE = "Intensive-care nurse, ward coordinator"
RETURNED_IN_FULL = "HOSP-001"  # did not use a single mask (the complaint): all back, received
IN_TRANSIT = "HOSP-011"  # used some before the recall; the rest shipped back, on its way
USED_BEFORE_RECALL = {"KN95-2003-A": 1_800}  # at IN_TRANSIT, on the ICU before the stop

# The rejected lots go back to their suppliers, one return authorisation per supplier.
SUPPLIER_RETURNS = (
    (
        supply.ORDER_REFERENCE,
        supply.LOT_NUMBERS[supply.RELEASED_LOT_COUNT :],
        "RA-BRIGHTMED-2020-0412",
    ),
    (supply.RAPID_ORDER_REFERENCE, supply.RAPID_LOT_NUMBERS, "RA-LUMENTEST-2020-0415"),
)
SUPPLIER_RETURN_REASON = {
    supply.ORDER_REFERENCE: (
        "Rejected after two failed tests against EN 149 FFP2 (faulty filter membrane, masks "
        "that do not fit); never distributed. Returned for a full credit."
    ),
    supply.RAPID_ORDER_REFERENCE: (
        "Rejected after two reference-panel tests: 30 % sensitivity against RT-PCR, 80 % "
        "required; never distributed. Returned for a full credit."
    ),
}


# ---------------------------------------------------------------------------------------------
# What the demo loaded


@dataclass(frozen=True)
class DemoSummary:
    already_loaded: bool
    supply: supply.DemoSummary
    lots_inspected: int
    inspections: int
    verdicts: dict[str, int]  # verdict label -> number of inspections
    awaiting_recall: tuple[str, ...]  # lot numbers on hold, the latest outcome "recall required"
    units_at_hospitals: int  # of the lots awaiting a recall or recalled
    rejected: tuple[str, ...]  # lots the second inspection rejected (since returned or not)
    levels: tuple[tuple[str, str, str], ...]  # (supplier, category label, level label)
    certificates: tuple[str, ...]
    complaints: tuple[str, ...]
    recalled: tuple[str, ...] = ()  # lot numbers recalled
    recall: Recall | None = None  # RC-2020-001, once issued
    effectiveness: selectors.Effectiveness | None = None  # its figures, as recall_report has them
    reminders_sent: int = 0  # to hospitals that did not answer RC-2020-001
    deliveries: tuple[tuple[str, int, int, int], ...] = ()  # (channel, all, delivered, failed)
    supplier_returns: tuple[str, ...] = ()  # one line per return with its credit claim


def demo_products() -> QuerySet[Product]:
    return Product.objects.filter(sku__in=supply.DEMO_SKUS)


def demo_inspections() -> QuerySet[Inspection]:
    return Inspection.objects.filter(lot__in=supply.demo_lots())


def demo_certificates() -> QuerySet[Certificate]:
    return Certificate.objects.filter(
        Q(product__in=demo_products()) | Q(lot__in=supply.demo_lots())
    )


def demo_levels() -> QuerySet[SupplierLevel]:
    return SupplierLevel.objects.filter(supplier__name__in=supply.DEMO_SUPPLIER_NAMES)


def inspections_are_loaded() -> bool:
    return demo_inspections().exists()


def demo_recalls() -> QuerySet[Recall]:
    """Recalls of demo lots (the demo's RC-2020-001)."""
    return Recall.objects.filter(
        pk__in=Recall.lots.through.objects.filter(lot__in=supply.demo_lots()).values("recall")
    )


def demo_supplier_returns() -> QuerySet[SupplierReturn]:
    return SupplierReturn.objects.filter(lot__in=supply.demo_lots())


def recall_is_loaded() -> bool:
    return demo_recalls().exists()


def demo_summary(supply_summary: supply.DemoSummary, *, already_loaded: bool) -> DemoSummary:
    """The demo's quality-side figures as the database has them now."""
    lots = supply.demo_lots()
    inspections = demo_inspections()
    verdicts = Counter(
        str(Verdict(verdict).label) for verdict in inspections.values_list("verdict", flat=True)
    )
    awaiting = lots.filter(
        status=LotStatus.ON_HOLD, inspections__outcome=Outcome.RECALL_REQUIRED
    ).distinct()
    recalled = lots.filter(status=LotStatus.RECALLED)
    recall = demo_recalls().filter(reference=RECALL_REFERENCE).first()
    at_hospitals = StockBalance.objects.filter(
        Q(lot__in=awaiting.values("pk")) | Q(lot__in=recalled.values("pk")),
        location__kind=LocationKind.HOSPITAL,
    ).aggregate(total=Sum("quantity"))["total"]
    return DemoSummary(
        already_loaded=already_loaded,
        supply=supply_summary,
        lots_inspected=inspections.values("lot").distinct().count(),
        inspections=inspections.count(),
        verdicts=dict(sorted(verdicts.items())),
        awaiting_recall=_lot_numbers(awaiting),
        units_at_hospitals=at_hospitals or 0,
        rejected=_lot_numbers(
            lots.filter(
                inspections__stage=InspectionStage.SECOND, inspections__outcome=Outcome.REJECTED
            ).distinct()
        ),
        levels=tuple(
            (level.supplier.name, str(level.get_category_display()), str(level.get_state_display()))
            for level in demo_levels().select_related("supplier").order_by("supplier__name")
        ),
        certificates=tuple(
            f"{c.certificate_number} ({c.standard.code}, {c.issuer}), valid until "
            f"{c.valid_until or 'further notice'}, {c.get_verification_status_display().lower()}"
            for c in demo_certificates().select_related("standard")
        ),
        complaints=tuple(
            f"#{c.pk} {c.get_category_display().lower()}, lot {c.lot.lot_number} at "
            f"{c.hospital.code}, {c.quantity_affected:,} units "
            f"({c.get_status_display().lower()})"
            for c in demo_complaints().select_related("lot", "hospital").order_by("pk")
        ),
        recalled=_lot_numbers(recalled),
        recall=recall,
        effectiveness=selectors.recall_effectiveness(recall) if recall else None,
        reminders_sent=(
            Notice.objects.filter(recall=recall).aggregate(n=Sum("reminders_sent"))["n"] or 0
            if recall
            else 0
        ),
        deliveries=_deliveries(recall) if recall else (),
        supplier_returns=tuple(
            f"{r.lot.lot_number}, {r.quantity:,} units to {r.lot.order_line.order.supplier.name} "
            f"under {r.authorisation_reference}: credit claim {r.currency} "
            f"{r.credit_amount:,.2f} ({r.get_claim_status_display().lower()})"
            for r in demo_supplier_returns()
            .select_related("lot__order_line__order__supplier")
            .order_by("lot__lot_number")
        ),
    )


def _deliveries(recall: Recall) -> tuple[tuple[str, int, int, int], ...]:
    """Per channel of the recall's notices: (channel, deliveries, delivered, failed for good)."""
    deliveries = NoticeDelivery.objects.filter(notice__recall=recall)
    return tuple(
        (
            channel,
            of_channel.count(),
            of_channel.filter(status=DeliveryStatus.DELIVERED).count(),
            of_channel.filter(status=DeliveryStatus.FAILED).count(),
        )
        for channel in Channel.values
        if (of_channel := deliveries.filter(channel=channel)).exists()
    )


def _lot_numbers(lots: QuerySet[Lot]) -> tuple[str, ...]:
    return tuple(lots.order_by("lot_number").values_list("lot_number", flat=True))


# ---------------------------------------------------------------------------------------------
# Loading


def load_demo(
    *, stdout: supply.Writer | None = None, reset: bool = False, force: bool = False
) -> DemoSummary:
    """Load the whole demo story once; with `reset`, remove the demo's rows first and load again.

    Refuses (`DemoRefused`, nothing written) exactly when `procurement.demo.load_demo` does. All
    in one transaction: a failure leaves nothing half-loaded (or half-removed).
    """
    supply.check_may_load(force=force)  # before the quality side's reset, not only in supply's
    with transaction.atomic():
        supply.check_nothing_to_take_over()
        if reset:
            removed = reset_inspections()
            _say(stdout, f"Removed the demo's inspection data ({removed:,} rows).")
        supply_summary = supply.load_demo(stdout=stdout, reset=reset, force=force)
        if inspections_are_loaded():  # so the supply story was loaded before too
            if recall_is_loaded():
                return demo_summary(supply_summary, already_loaded=True)
            _say(stdout, "The demo's recall was missing: loading it now.")
            _load_recall_and_returns()
        else:
            if supply_summary.already_loaded:
                _say(stdout, "The demo's inspections were missing: loading them now.")
            _load_story()
    # After the commit: the notices and reminders have left (in-process without a broker).
    return demo_summary(supply.demo_summary(), already_loaded=False)


def _say(stdout: supply.Writer | None, message: str) -> None:
    if stdout is not None:
        stdout.write(message)


def _load_story() -> None:
    # The supply story's inspector (made again if it was deleted since an earlier load).
    inspector = supply.ensure_user(
        next(user for user in supply.DEMO_USERS if user.role == Role.INSPECTOR)
    )
    masks = _story_lots(supply.ORDER_REFERENCE, supply.LOT_NUMBERS)
    ensure_certificate(masks[0].product)
    report_complaint(masks[0])
    for stage in STAGES:
        for lot in masks:
            inspect_respirators(lot, stage, actor=inspector)
    for stage in STAGES:
        for lot in _story_lots(supply.RAPID_ORDER_REFERENCE, supply.RAPID_LOT_NUMBERS):
            inspect_rapid_tests(lot, stage, actor=inspector)
    _load_recall_and_returns()


def _load_recall_and_returns() -> None:
    recall_story()
    return_to_suppliers()


def _demo_user(username: str) -> AbstractUser:
    """A demo user of the supply story (made again if it was deleted since an earlier load)."""
    return supply.ensure_user(next(user for user in supply.DEMO_USERS if user.username == username))


def recall_story() -> Recall:
    """RC-2020-001: prepared from the inspection that asked for it, issued, answered by two of
    the 25 hospitals, overdue at the others (the clock turned back), reminded once."""
    officer, nurse, clerk = (_demo_user(name) for name in ("officer", "nurse", "clerk"))
    lots = _story_lots(supply.ORDER_REFERENCE, RECALL_LOTS)
    source = (
        Inspection.objects.filter(lot__in=lots, outcome=Outcome.RECALL_REQUIRED)
        .select_related("lot", "standard")
        .order_by("lot__lot_number", "pk")
        .first()
    )
    defaults = services.recall_defaults_from_inspection(source)
    others = [lot for lot in lots if lot not in defaults["lots"]]
    recall = services.recall_create(
        reference=RECALL_REFERENCE,
        lots=[*defaults["lots"], *others],
        reason=f"{RECALL_REASON} {defaults['reason']}",
        hazard=RECALL_HAZARD,
        recall_class=RecallClass.I,
        depth=RecallDepth.WARD,
        action=RecallAction.RETURN,
        effectiveness_level=EffectivenessLevel.A,
        response_deadline=timezone.localdate() + RECALL_DEADLINE,
        coordinator=officer,
        source_inspection=defaults["source_inspection"],
        actor=officer,
    )
    recall = services.recall_issue(recall=recall, actor=officer)
    # The demo turns the clock back: issued ten days ago, the deadline three days past, so the
    # recall is in progress with overdue hospitals. A direct UPDATE of these two descriptive
    # fields only (recall_create rightly refuses a deadline in the past); everything else goes
    # through the services.
    now = timezone.now()
    Recall.objects.filter(pk=recall.pk).update(
        issued_at=now - ISSUED_AGO, response_deadline=timezone.localdate(now) - DEADLINE_AGO
    )
    recall.refresh_from_db()
    notices = {n.hospital.code: n for n in recall.notices.select_related("hospital", "recall")}
    for code in (RETURNED_IN_FULL, IN_TRANSIT):
        answer_and_return(
            notices[code], nurse=nurse, used=USED_BEFORE_RECALL if code == IN_TRANSIT else {}
        )
    for hospital_return in HospitalReturn.objects.filter(notice=notices[RETURNED_IN_FULL]):
        services.hospital_return_receive(
            hospital_return=hospital_return,
            quantity_received=hospital_return.quantity_shipped,
            actor=clerk,
        )
    notices_remind()  # the 23 hospitals that have not answered get their first reminder
    return recall


def answer_and_return(notice: Notice, *, nurse: AbstractUser, used: dict[str, int]) -> None:
    """The nurse acknowledges the notice: per lot, what the ledger says the hospital holds, less
    `used` (booked out by the reply) on hand; and ships everything on hand back."""
    lots = list(
        notice.recall.lots.filter(lot_number__in=list(notice.received)).order_by("lot_number")
    )
    held = dict(
        StockBalance.objects.filter(lot__in=lots, location__hospital=notice.hospital).values_list(
            "lot_id", "quantity"
        )
    )
    figures = {
        lot: (held.get(lot.pk, 0) - used.get(lot.lot_number, 0), used.get(lot.lot_number, 0), 0)
        for lot in lots
    }
    services.notice_reply(
        notice=notice,
        actor=nurse,
        acknowledged=True,
        lines=figures,
        respondent_name=RESPONDENT_NAME,
        respondent_role=RESPONDENT_ROLE,
    )
    for lot, (on_hand, _used, _destroyed) in figures.items():
        if on_hand:
            services.hospital_return_ship(notice=notice, lot=lot, quantity=on_hand, actor=nurse)


def return_to_suppliers() -> list[SupplierReturn]:
    """The rejected lots go back to their suppliers with a credit claim at the order's price."""
    officer = _demo_user("officer")
    return [
        procurement.supplier_return_create(
            lot=lot,
            actor=officer,
            authorisation_reference=authorisation,
            reason=SUPPLIER_RETURN_REASON[order_reference],
        )
        for order_reference, lot_numbers, authorisation in SUPPLIER_RETURNS
        for lot in _story_lots(order_reference, lot_numbers)
    ]


def report_complaint(lot: Lot) -> Complaint:
    """The nurse reports that the masks do not close; the officer asks for an inspection."""
    nurse, officer = (
        supply.ensure_user(next(user for user in supply.DEMO_USERS if user.username == name))
        for name in ("nurse", "officer")
    )
    delivery = Distribution.objects.get(lot=lot, hospital__code=COMPLAINT_HOSPITAL)
    complaint = services.complaint_report(
        distribution=delivery,
        category=ComplaintCategory.FIT,
        description=COMPLAINT_DESCRIPTION,
        quantity_affected=COMPLAINT_UNITS,
        actor=nurse,
    )
    return services.complaint_escalate(
        complaint=complaint,
        actor=officer,
        reason=COMPLAINT_REQUEST,
        hold_lot=False,
        request_inspection=True,
    )


def demo_complaints() -> QuerySet[Complaint]:
    return Complaint.objects.filter(lot__in=supply.demo_lots())


def _story_lots(order_reference: str, lot_numbers: Sequence[str]) -> list[Lot]:
    return list(
        Lot.objects.filter(
            order_line__order__reference=order_reference, lot_number__in=lot_numbers
        ).order_by("lot_number")
    )


def ensure_certificate(product: Product) -> Certificate:
    """The product's certificate as the supplier sent it: descriptive data, written directly;
    its verification status stays unverified (changes go through the services)."""
    certificate, _ = Certificate.objects.get_or_create(
        product=product,
        certificate_number=CERTIFICATE_NUMBER,
        defaults={
            "standard": Standard.objects.get(code=supply.KN95.code),
            "issuer": CERTIFICATE_ISSUER,
            "valid_until": timezone.localdate() + CERTIFICATE_VALIDITY,
        },
    )
    return certificate


def inspect_respirators(lot: Lot, stage: str, *, actor: AbstractUser) -> Inspection:
    """Filtration per unit (the faulty membrane), every other per-unit criterion passing."""
    plan = selectors.lot_plan(lot)  # read now: the supplier's level may have changed
    readings: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for criterion in selectors.unit_criteria(lot):
        if criterion.code == FILTRATION:
            n = plan.units_for(criterion.defect_class)
            readings[criterion.code] = filtration_readings(n, seed=f"{lot.lot_number}/{stage}")
        else:
            counts[criterion.code] = 0
    laboratory, performed_by = RESPIRATOR_LABS[stage]
    return _record(
        lot,
        stage,
        actor,
        laboratory,
        performed_by,
        measurements=readings,
        counts=counts,
        notes=_filtration_notes(readings[FILTRATION]),
    )


def filtration_readings(n: int, *, seed: str) -> list[str]:
    """`n` filtration efficiencies in %, one decimal, in sample order: a share `FAULTY_SHARE` of
    the units (at seeded positions) has a faulty membrane, the rest filter as they should.
    Deterministic: the same seed gives the same readings on every run."""
    rng = random.Random(seed)  # noqa: S311 - made-up demo figures, reproducible on purpose
    faulty = set(rng.sample(range(n), round(n * FAULTY_SHARE)))
    readings = []
    for position in range(n):
        if position in faulty:
            value = rng.uniform(*FAULTY_RANGE)
        else:
            value = min(max(rng.gauss(GOOD_MEAN, GOOD_SPREAD), GOOD_RANGE[0]), GOOD_RANGE[1])
        readings.append(f"{value:.1f}")
    return readings


def _filtration_notes(readings: Sequence[str]) -> str:
    values = [float(r) for r in readings]
    below = [v for v in values if v < 94]
    return (
        f"Faulty filter membrane: {len(below)} of {len(values)} units filter below 94 % "
        f"(lowest {min(values):.1f} %). Fit and breathing resistance within the limits."
    )


def inspect_rapid_tests(lot: Lot, stage: str, *, actor: AbstractUser) -> Inspection:
    """The reference panel: 30 % sensitivity against the 80 % required."""
    counts = {criterion.code: 0 for criterion in selectors.unit_criteria(lot)}  # none in Ag-RDT
    panel = RAPID_TEST_PANEL
    laboratory, performed_by = RAPID_TEST_LABS[stage]
    positives = panel.true_positives + panel.false_negatives
    negatives = panel.true_negatives + panel.false_positives
    notes = (
        f"Reference panel of {positives} RT-PCR positive and {negatives} negative samples: "
        f"{panel.true_positives} positives detected, {panel.false_positives} false positives."
    )
    return _record(
        lot, stage, actor, laboratory, performed_by, counts=counts, panel=panel, notes=notes
    )


def _record(lot, stage, actor, laboratory, performed_by, **results) -> Inspection:
    return services.inspection_record(
        data=services.InspectionInput(
            lot=lot,
            stage=stage,
            laboratory=laboratory,
            performed_by=performed_by,
            performed_on=timezone.localdate(),
            **results,
        ),
        actor=actor,
    )


# ---------------------------------------------------------------------------------------------
# Reset: the quality side first, then procurement.demo's reset of the supply side


def reset_inspections() -> int:
    """Delete the quality-side rows of the demo, in dependency order; returns the row count.

    Never touches the standards, their criteria or the inspection plans. Rows that refer to
    demo rows from outside the demo make the supply side's reset raise `ProtectedError` and the
    caller's transaction roll back, this deletion included.
    """
    inspections = demo_inspections()
    certificates = demo_certificates()
    levels = demo_levels()
    complaints = demo_complaints()
    complaint_ids = list(complaints.values_list("pk", flat=True))
    recall_ids = list(demo_recalls().values_list("pk", flat=True))
    notices = Notice.objects.filter(recall__in=recall_ids)
    replies = NoticeReply.objects.filter(notice__in=notices)
    # The reminders to the hospitals, and the coordinator's alerts (one per batch of overdue
    # hospitals, keyed by the recall); the notices themselves are not outbox e-mails.
    recall_emails = Q(
        key__in=[
            reminder_email_key(notice_id, number)
            for notice_id, sent in notices.values_list("pk", "reminders_sent")
            for number in range(1, sent + 1)
        ]
    )
    for pk in recall_ids:
        recall_emails |= Q(key__startswith=f"recall-{pk}-overdue-")
    querysets: list[QuerySet] = [
        # The recall first: it refers to an inspection, its returns to ledger movements.
        OutboundEmail.objects.filter(recall_emails),
        NoticeAttempt.objects.filter(delivery__notice__in=notices),
        NoticeDelivery.objects.filter(notice__in=notices),
        NoticeReplyVersion.objects.filter(reply__in=replies),
        NoticeReplyLine.objects.filter(reply__in=replies),
        replies,
        HospitalReturn.objects.filter(notice__in=notices),
        notices,
        RecallEvent.objects.filter(recall__in=recall_ids),
        Recall.objects.filter(pk__in=recall_ids),  # with its lots relation
        OutboundEmail.objects.filter(
            key__in=[
                services.complaint_email_key(pk, email)
                for pk in complaint_ids
                for email in services.COMPLAINT_EMAILS
            ]
        ),
        ComplaintEvent.objects.filter(complaint__in=complaint_ids),
        complaints,
        SupplierLevelEvent.objects.filter(Q(level__in=levels) | Q(inspection__in=inspections)),
        levels,
        CriterionResult.objects.filter(inspection__in=inspections),
        ClassResult.objects.filter(inspection__in=inspections),
        PanelResult.objects.filter(inspection__in=inspections),
        InspectionEvent.objects.filter(inspection__in=inspections),
        inspections,
        CertificateEvent.objects.filter(certificate__in=certificates),
        certificates,
    ]
    return sum(_delete(queryset) for queryset in querysets)


def _delete(queryset: QuerySet) -> int:
    return supply.delete_with_history(queryset)


# ---------------------------------------------------------------------------------------------
# Report


# What each demo user sees once the whole story is loaded (procurement.demo describes the supply
# story alone, before any inspection).
SEES = {
    "officer": (
        "Ministry overview: lots by status (3 KN95 lots recalled, 4 lots returned to their "
        "suppliers), recall RC-2020-001 in the ministry panel at /admin/ (Recalls: 2 of 25 "
        "hospitals answered, 23 overdue; Supplier returns: 4 credit claims), the nurse's "
        "complaint under Complaints, a receipt discrepancy under Distributions; the same "
        "figures with `python manage.py recall_report RC-2020-001`"
    ),
    "inspector": (
        "Inspection queues at /inspections/queue/, empty: every demo lot failed a first and a "
        "second inspection"
    ),
    "clerk": (
        "Warehouse: no stock to dispatch (every demo lot is recalled or back at its supplier), "
        "a return to receive at /warehouse/returns/ (HOSP-011's, in transit; HOSP-001's already "
        "received) and the latest dispatches"
    ),
    "nurse": (
        "Hospital portal for HOSP-001 and HOSP-011: recall notice RC-2020-001 answered for both "
        "(HOSP-001's masks all back at the warehouse, HOSP-011's return in transit), a delivery "
        "to confirm, the complaint about the masks that do not close"
    ),
}


def render_report(summary: DemoSummary) -> str:
    """The summary and the logins table the command prints."""
    return "\n".join(
        [*supply.summary_lines(summary.supply), *summary_lines(summary), "", *login_lines()]
    )


def summary_lines(summary: DemoSummary) -> list[str]:
    verdicts = ", ".join(f"{n} {label.lower()}" for label, n in summary.verdicts.items())
    return [
        *(f"Certificate on file: {certificate}" for certificate in summary.certificates),
        *(f"Complaint from a hospital: {complaint}" for complaint in summary.complaints),
        f"Lots inspected: {summary.lots_inspected} ({summary.inspections} inspections; verdicts: "
        f"{verdicts or 'none'})",
        *(
            [f"On hold awaiting a recall: {_listed(summary.awaiting_recall)}"]
            if summary.awaiting_recall
            else []
        ),
        f"Recalled: {_listed(summary.recalled)} ({summary.units_at_hospitals:,} units still at "
        "hospitals)",
        f"Rejected before any distribution: {_listed(summary.rejected)}",
        *(
            f"Inspection level now: {state.lower()} for {category.lower()}s from {supplier}"
            for supplier, category, state in summary.levels
        ),
        *recall_lines(summary),
        *(f"Returned to the supplier: {line}" for line in summary.supplier_returns),
    ]


def recall_lines(summary: DemoSummary) -> list[str]:
    """The recall's figures, from `selectors.recall_effectiveness` as recall_report prints them."""
    recall, figures = summary.recall, summary.effectiveness
    if recall is None or figures is None:
        return []
    u = figures.units
    lines = [
        f"Recall {recall.reference} (class {recall.recall_class}, "
        f"{recall.get_status_display().lower()} {timezone.localtime(recall.issued_at):%Y-%m-%d}, "
        f"answers due {recall.response_deadline:%Y-%m-%d}): lots {_listed(figures_lots(figures))}",
        f"  hospitals: {figures.hospitals_notified} notified, {figures.hospitals_delivered} "
        f"reached, {figures.hospitals_answered} answered, {figures.hospitals_overdue} overdue "
        f"({summary.reminders_sent} reminders sent)",
        f"  units: {u.delivered:,} delivered, {u.returned:,} returned, {u.in_transit:,} in "
        f"transit, {u.used:,} used, {u.destroyed:,} destroyed, {u.unaccounted:,} unaccounted",
    ]
    for channel, total, delivered, failed in summary.deliveries:
        waiting = total - delivered - failed
        line = f"  {CHANNEL_NAMES[channel]} notices: {delivered} of {total} delivered"
        if failed:
            line += f", {failed} failed"
        if waiting:
            line += f", {waiting} waiting"
            if channel == Channel.WEBHOOK:
                line += (
                    f" for a retry (nothing listens at {supply.WEBHOOK_BASE_URL} in the demo: "
                    "connection refused, as when a hospital's system is down)"
                )
        if channel == Channel.EMAIL and _mail_directory():
            line += f" (e-mails, reminders included, in {_mail_directory()})"
        lines.append(line)
    return lines


CHANNEL_NAMES = {Channel.EMAIL: "e-mail", Channel.WEBHOOK: "webhook"}


def figures_lots(figures: selectors.Effectiveness) -> list[str]:
    return [line.lot_number for line in figures.lots]


def _mail_directory() -> str:
    """Where e-mails go with the file backend (var/mail/ by default), or ""."""
    if settings.EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":
        return str(settings.EMAIL_FILE_PATH)
    return ""


def _listed(lot_numbers: Sequence[str]) -> str:
    return ", ".join(lot_numbers) if lot_numbers else "none"


def login_lines(base_url: str = "http://127.0.0.1:8000/") -> list[str]:
    """One line per demo user: username, role, password, what they see at `base_url`."""
    existing = set(
        get_user_model()
        .objects.filter(username__in=supply.DEMO_USERNAMES)
        .exclude(pk__in=supply.demo_users())
        .values_list("username", flat=True)
    )
    rows = [("username", "role", "password", f"sees at {base_url}")]
    rows += [
        (
            user.username,
            str(user.role.label) if user.role else "superuser",
            "(existing account)" if user.username in existing else supply.DEMO_PASSWORD,
            SEES.get(user.username, user.sees),
        )
        for user in supply.DEMO_USERS
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [
        "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[3]])
        for row in rows
    ]
