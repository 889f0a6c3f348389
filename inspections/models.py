"""Quality-side tables: what a standard demands, how a lot is sampled and judged, what was found,
and how hard each supplier's next lots are inspected.

Verdicts are computed by `inspections.services`, never typed in; the plan used is snapshotted on
the inspection so that a later change of tables or supplier level cannot rewrite history.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from procurement.models import (
    Distribution,
    Hospital,
    Lot,
    Product,
    ProductCategory,
    Standard,
    StockMovement,
    Supplier,
)

from .validators import validate_photo, validate_report_file_size


class DefectClass(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    MAJOR = "major", _("Major")
    MINOR = "minor", _("Minor")


class Comparison(models.TextChoices):
    AT_LEAST = "at_least", _("at least")
    AT_MOST = "at_most", _("at most")
    BELOW = "below", _("below")  # strictly less: EN 14683 and ASTM F2100 write "< 40 Pa/cm2"


class CriterionBasis(models.TextChoices):
    """What a limit is checked on: each sampled unit, or the lot's reference panel (rapid tests)."""

    PER_UNIT = "per_unit", _("Each sampled unit")
    SENSITIVITY = "sensitivity", _("Panel sensitivity")
    SPECIFICITY = "specificity", _("Panel specificity")


class Criterion(models.Model):
    """One pass limit of a standard: characteristic, unit, comparison, limit, method, class."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(max_length=40, help_text="Short key, e.g. filtration.")
    characteristic = models.CharField(max_length=200)
    unit = models.CharField(max_length=30, help_text="e.g. %, Pa, mbar, mm H2O/cm2")
    comparison = models.CharField(max_length=10, choices=Comparison.choices)
    limit = models.DecimalField(max_digits=12, decimal_places=4)
    test_method = models.CharField(max_length=300, blank=True)
    defect_class = models.CharField(max_length=10, choices=DefectClass.choices)
    basis = models.CharField(
        max_length=12, choices=CriterionBasis.choices, default=CriterionBasis.PER_UNIT
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["standard", "pk"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(fields=["standard", "code"], name="criterion_code_per_standard")
        ]

    def __str__(self) -> str:
        return f"{self.standard.code}: {self.characteristic} {self.get_comparison_display()} " \
            f"{self.limit.normalize():f} {self.unit}"  # fmt: skip

    def passes(self, value: Decimal) -> bool:
        """Whether a measured value meets this limit."""
        if self.comparison == Comparison.AT_LEAST:
            return value >= self.limit
        if self.comparison == Comparison.BELOW:
            return value < self.limit
        return value <= self.limit


class Severity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    TIGHTENED = "tightened", _("Tightened")
    REDUCED = "reduced", _("Reduced")


class InspectionPlan(models.Model):
    """How lots of a product category are sampled: inspection level and AQL per defect class."""

    category = models.CharField(max_length=20, choices=ProductCategory.choices, unique=True)
    sampling_standard = models.CharField(
        max_length=60,
        default="MIL-STD-105E (1989)",
        help_text="The edition of the sampling tables the plan follows.",
    )
    level = models.CharField(max_length=4, default="II")
    aql_critical = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("0.65"))
    aql_major = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("2.5"))
    aql_minor = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal("4.0"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["category"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: level {self.level}"

    def aql_for(self, defect_class: str) -> Decimal:
        return getattr(self, f"aql_{defect_class}")


class InspectionStage(models.TextChoices):
    FIRST = "first", _("First inspection")
    SECOND = "second", _("Second inspection")
    FURTHER = "further", _("Further inspection")


class Verdict(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Outcome(models.TextChoices):
    """What the inspection decided for its lot (set by the decision services)."""

    RELEASED = "released", _("Lot released")
    AWAITING_OVERRIDE = "awaiting_override", _("Accepted; release needs an officer's override")
    KEPT = "kept", _("Accepted; lot status kept (an officer's hold stands)")
    ON_HOLD = "on_hold", _("Lot put on hold; a second inspection is required")
    REJECTED = "rejected", _("Lot rejected")
    RECALL_REQUIRED = "recall_required", _("Units at hospitals: a recall is required")
    CONFLICT = "conflict", _("Conflicting results: an officer decides")
    RECORDED = "recorded", _("Recorded")


class Inspection(models.Model):
    """One inspection of a lot: the plan used (snapshot), what was found, the computed verdict."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="inspections")
    stage = models.CharField(max_length=10, choices=InspectionStage.choices)
    standard = models.ForeignKey(
        Standard, on_delete=models.PROTECT, related_name="+",
        help_text="Judged against the standard the order required, not the one claimed.",
    )  # fmt: skip
    laboratory = models.CharField(max_length=200)
    performed_by = models.CharField(max_length=200, help_text="Who tested the samples.")
    performed_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    # The sampling plan used, snapshotted.
    severity = models.CharField(max_length=10, choices=Severity.choices)
    level = models.CharField(max_length=4)
    code_letter = models.CharField(max_length=1)
    sample_size = models.PositiveIntegerField()
    hundred_percent = models.BooleanField(default=False)
    verdict = models.CharField(max_length=10, choices=Verdict.choices, editable=False)
    accepted_in_gap = models.BooleanField(default=False, editable=False)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, editable=False)
    report_file = models.FileField(
        upload_to="inspections/reports/%Y/%m/",
        blank=True,
        validators=[
            FileExtensionValidator(["pdf", "png", "jpg", "jpeg"]),
            validate_report_file_size,
        ],
    )
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} of {self.lot}: {self.get_verdict_display()}"

    @property
    def is_original(self) -> bool:
        """The switching rules count only original (first) inspections, not resubmissions."""
        return self.stage == InspectionStage.FIRST


class ClassResult(models.Model):
    """Per defect class: the plan snapshot (AQL, n, Ac, Re) and the nonconforming count."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="classes")
    defect_class = models.CharField(max_length=10, choices=DefectClass.choices)
    aql = models.DecimalField(max_digits=6, decimal_places=3)
    plan_letter = models.CharField(max_length=1)
    sample_size = models.PositiveIntegerField()
    accept = models.PositiveIntegerField()
    reject = models.PositiveIntegerField()
    nonconforming = models.PositiveIntegerField()
    verdict = models.CharField(max_length=10, choices=Verdict.choices)

    class Meta:
        ordering = ["inspection", "defect_class"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "defect_class"], name="one_result_per_defect_class"
            )
        ]

    def __str__(self) -> str:
        found = self.nonconforming
        return f"{self.get_defect_class_display()}: {found} vs {self.accept}/{self.reject}"


class CriterionResult(models.Model):
    """What was found for one criterion: per-unit measurements, a count, or a panel figure."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    units_tested = models.PositiveIntegerField()
    nonconforming = models.PositiveIntegerField()
    measurements = models.JSONField(
        default=list, blank=True, help_text="One value per sampled unit, in sample order."
    )
    panel_value = models.DecimalField(
        max_digits=7, decimal_places=3, null=True, blank=True,
        help_text="Sensitivity or specificity in %, computed from the panel.",
    )  # fmt: skip
    # The limit judged against, as it stood: a later edit of the criterion rewrites nothing.
    comparison = models.CharField(max_length=10, choices=Comparison.choices, blank=True)
    limit = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    unit = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["inspection", "criterion"]

    def __str__(self) -> str:
        return f"{self.criterion.characteristic}: {self.nonconforming}/{self.units_tested}"


class PanelResult(models.Model):
    """A rapid test's reference panel against RT-PCR; sensitivity and specificity follow."""

    inspection = models.OneToOneField(Inspection, on_delete=models.CASCADE, related_name="panel")
    true_positives = models.PositiveIntegerField()
    false_negatives = models.PositiveIntegerField()
    true_negatives = models.PositiveIntegerField()
    false_positives = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"sensitivity {self.sensitivity:.1f} %, specificity {self.specificity:.1f} %"

    @property
    def sensitivity(self) -> Decimal:
        return _percent(self.true_positives, self.true_positives + self.false_negatives)

    @property
    def specificity(self) -> Decimal:
        return _percent(self.true_negatives, self.true_negatives + self.false_positives)


def _percent(part: int, whole: int) -> Decimal:
    return (
        (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.001")) if whole else Decimal(0)
    )


class InspectionEvent(models.Model):
    """A decision taken on an inspection's result (who, when, what, why)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="events")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.inspection}: {self.get_outcome_display()}"


class LevelState(models.TextChoices):
    NORMAL = "normal", _("Normal")
    TIGHTENED = "tightened", _("Tightened")
    REDUCED = "reduced", _("Reduced")
    DISCONTINUED = "discontinued", _("Discontinued")


class SupplierLevel(models.Model):
    """The inspection severity in force for one supplier and product category (switching rules of
    MIL-STD-105E section 4.7), with the counters the rules need."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="levels")
    category = models.CharField(max_length=20, choices=ProductCategory.choices)
    state = models.CharField(
        max_length=12, choices=LevelState.choices, default=LevelState.NORMAL, editable=False
    )
    recent_original = models.CharField(
        max_length=10, blank=True, editable=False,
        help_text="The last original inspections, newest last: A accepted, R not accepted.",
    )  # fmt: skip
    consecutive_accepted = models.PositiveIntegerField(default=0, editable=False)
    rejected_while_tightened = models.PositiveIntegerField(default=0, editable=False)
    reduced_proposed = models.BooleanField(
        default=False, editable=False,
        help_text="10 lots in a row accepted on normal: an officer may approve reduced inspection.",
    )  # fmt: skip

    history = HistoricalRecords()

    class Meta:
        ordering = ["supplier", "category"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "category"], name="one_level_per_category")
        ]

    def __str__(self) -> str:
        return f"{self.supplier} / {self.get_category_display()}: {self.get_state_display()}"


class SupplierLevelEvent(models.Model):
    """A change of a supplier's inspection level."""

    level = models.ForeignKey(SupplierLevel, on_delete=models.PROTECT, related_name="events")
    from_state = models.CharField(max_length=12, choices=LevelState.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=LevelState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()
    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.level}: {self.from_state} -> {self.to_state}"


class VerificationStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Unverified")
    VERIFIED = "verified", _("Verified")
    INVALID = "invalid", _("Invalid")


class Certificate(models.Model):
    """A certificate for a product or a lot: standard, issuer, notified body, validity, file."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="certificates"
    )
    lot = models.ForeignKey(
        Lot, on_delete=models.PROTECT, null=True, blank=True, related_name="certificates"
    )
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="+")
    issuer = models.CharField(max_length=200)
    notified_body_number = models.CharField(max_length=20, blank=True)
    certificate_number = models.CharField(max_length=100)
    valid_until = models.DateField(null=True, blank=True)
    file = models.FileField(
        upload_to="certificates/%Y/%m/",
        blank=True,
        validators=[
            FileExtensionValidator(["pdf", "png", "jpg", "jpeg"]),
            validate_report_file_size,
        ],
    )
    verification_status = models.CharField(
        max_length=12,
        choices=VerificationStatus.choices,
        default=VerificationStatus.UNVERIFIED,
        editable=False,
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["certificate_number"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(product__isnull=False) & Q(lot__isnull=True))
                | (Q(product__isnull=True) & Q(lot__isnull=False)),
                name="certificate_for_a_product_or_a_lot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate_number} ({self.standard.code}, {self.issuer})"


class CertificateEvent(models.Model):
    """A change of a certificate's verification status."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=12, choices=VerificationStatus.choices)
    to_status = models.CharField(max_length=12, choices=VerificationStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.certificate}: {self.from_status} -> {self.to_status}"


# ---------------------------------------------------------------------------------------------
# Complaints from hospitals


class ComplaintCategory(models.TextChoices):
    FIT = "fit", _("Fit (does not seal or close)")
    FILTRATION = "filtration", _("Filtration")
    PACKAGING = "packaging", _("Packaging")
    LABELLING = "labelling", _("Labelling")
    COUNTERFEIT = "counterfeit", _("Suspected counterfeit")
    OTHER = "other", _("Other")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    INVESTIGATING = "investigating", _("Under investigation")
    CLOSED = "closed", _("Closed")


class Complaint(models.Model):
    """A problem a hospital reports with units of a lot it received (one of its deliveries).

    The ministry triages it from the admin's complaint queue: it may put the lot on hold and ask
    the inspectors for an inspection, which then waits in their queue until one is recorded.
    """

    distribution = models.ForeignKey(
        Distribution, on_delete=models.PROTECT, related_name="complaints"
    )
    # Copies of the delivery's hospital and lot, so queues and scoping need no join.
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="complaints")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="complaints")
    category = models.CharField(max_length=20, choices=ComplaintCategory.choices)
    description = models.TextField()
    quantity_affected = models.PositiveIntegerField()
    photo = models.FileField(
        upload_to="complaints/%Y/%m/",
        blank=True,
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"]), validate_photo],
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(
        max_length=15,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.OPEN,
        editable=False,
    )
    inspection_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution = models.TextField(blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-reported_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_affected__gt=0), name="complaint_quantity_positive"
            )
        ]
        indexes = [models.Index(fields=["status", "reported_at"])]

    def __str__(self) -> str:
        return f"Complaint #{self.pk}: {self.get_category_display()} ({self.lot})"


class ComplaintEvent(models.Model):
    """Something that happened to a complaint: reported, lot put on hold, inspection asked for,
    closed."""

    class Kind(models.TextChoices):
        REPORTED = "reported", _("Reported")
        LOT_HELD = "lot_held", _("Lot put on hold")
        INSPECTION_REQUESTED = "inspection_requested", _("Inspection requested")
        CLOSED = "closed", _("Closed")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=25, choices=Kind.choices)
    from_status = models.CharField(max_length=15, choices=ComplaintStatus.choices, blank=True)
    to_status = models.CharField(max_length=15, choices=ComplaintStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint}: {self.get_kind_display()}"


# ---------------------------------------------------------------------------------------------
# Recalls (STANDARDS.md, "Recalls": class, depth, effectiveness check level, notice contents)


class RecallClass(models.TextChoices):
    # E741: "I" is the class's name in 21 CFR 7.3.
    I = "I", _("Class I: serious harm or death is reasonably probable")  # noqa: E741
    II = "II", _("Class II: temporary or medically reversible consequences")
    III = "III", _("Class III: adverse health consequences are not likely")


# Notices of these classes are marked URGENT.
URGENT_CLASSES = frozenset({RecallClass.I, RecallClass.II})


class RecallDepth(models.TextChoices):
    WAREHOUSE = "warehouse", _("Central warehouse (wholesale level)")
    HOSPITAL = "hospital", _("Hospital stores (retail level)")
    WARD = "ward", _("Wards (user level)")


class RecallAction(models.TextChoices):
    RETURN = "return", _("Stop use and return to the central warehouse")
    QUARANTINE = "quarantine", _("Stop use and quarantine on site")
    DESTROY = "destroy", _("Stop use and destroy on site")


class EffectivenessLevel(models.TextChoices):
    # "percent" in words: gettext would read "100 % of" as a format placeholder ("% o").
    A = "A", _("A: every consignee (100 percent)")
    B = "B", _("B: between 10 and 100 percent of consignees")
    C = "C", _("C: 10 percent of consignees")
    D = "D", _("D: 2 percent of consignees")
    E = "E", _("E: no effectiveness checks")


class RecallStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    CLOSING = "closing", _("Closing")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


RECALL_TRANSITIONS: dict[str, frozenset[str]] = {
    RecallStatus.DRAFT: frozenset({RecallStatus.ISSUED, RecallStatus.CANCELLED}),
    RecallStatus.ISSUED: frozenset({RecallStatus.CLOSING, RecallStatus.CLOSED}),
    RecallStatus.CLOSING: frozenset({RecallStatus.ISSUED, RecallStatus.CLOSED}),
    RecallStatus.CLOSED: frozenset(),
    RecallStatus.CANCELLED: frozenset(),
}


class Recall(models.Model):
    """A recall of one or more lots: why, how dangerous, how deep, what hospitals must do and by
    when, who coordinates. Issued, it recalls its lots and sends every hospital that received
    units of them a notice."""

    reference = models.CharField(max_length=30, unique=True)
    lots = models.ManyToManyField(Lot, related_name="recalls")
    reason = models.TextField(help_text="The problem found, as the notice states it.")
    hazard = models.TextField(
        help_text="The risk to patients and staff, including from units used."
    )
    recall_class = models.CharField("class", max_length=3, choices=RecallClass.choices)
    depth = models.CharField(max_length=10, choices=RecallDepth.choices, default=RecallDepth.WARD)
    action = models.CharField(
        "action asked of hospitals",
        max_length=12,
        choices=RecallAction.choices,
        default=RecallAction.RETURN,
    )
    effectiveness_level = models.CharField(
        "effectiveness check level",
        max_length=1,
        choices=EffectivenessLevel.choices,
        default=EffectivenessLevel.A,
    )
    response_deadline = models.DateField(help_text="Hospitals answer the notice by this date.")
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    source_inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, null=True, blank=True, related_name="recalls"
    )
    status = models.CharField(
        max_length=10, choices=RecallStatus.choices, default=RecallStatus.DRAFT, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_urgent(self) -> bool:
        return self.recall_class in URGENT_CLASSES


class RecallEvent(models.Model):
    """A status change of a recall: who, when, from, to, why."""

    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=10, choices=RecallStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=RecallStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.recall}: {self.from_status} -> {self.to_status}"


class Notice(models.Model):
    """The recall notice one hospital gets: what it received of each recalled lot (from the
    ledger, when the recall was issued) and, per channel, its delivery."""

    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="notices")
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="notices")
    # {lot number: units received}, fixed when the recall was issued.
    received = models.JSONField(default=dict)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(auto_now_add=True)
    # Kept by the reminder service (beat): how many reminders went out, and when the recall's
    # coordinator was alerted that this hospital does not answer.
    reminders_sent = models.PositiveSmallIntegerField(default=0, editable=False)
    last_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    coordinator_alerted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["recall", "hospital__code"]
        constraints = [
            models.UniqueConstraint(fields=["recall", "hospital"], name="one_notice_per_hospital")
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The notice's own reference, printed on it and used as the idempotency key."""
        return f"{self.recall.reference}/{self.hospital.code}"

    @property
    def units_received(self) -> int:
        return sum(self.received.values())


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed for good")


class NoticeDelivery(models.Model):
    """One channel of a notice (the outbox row): claimed by a task, sent outside any
    transaction, retried with backoff on transient failures; never deleted."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempt_count = models.PositiveIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["notice", "channel"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "channel"], name="one_delivery_per_notice_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.notice} by {self.channel}: {self.status}"


class NoticeAttempt(models.Model):
    """One try at delivering a notice on a channel, and what came of it."""

    delivery = models.ForeignKey(NoticeDelivery, on_delete=models.PROTECT, related_name="attempts")
    at = models.DateTimeField(auto_now_add=True)
    succeeded = models.BooleanField()
    permanent = models.BooleanField(default=False, help_text="A failure no retry can mend.")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.delivery} at {self.at:%Y-%m-%d %H:%M}"


class NoticeReply(models.Model):
    """A hospital's answer to a notice (the response card): acknowledged, and per lot the units
    on hand, used and destroyed on site. Answering again updates this row; every answer is kept
    as a `NoticeReplyVersion`."""

    notice = models.OneToOneField(Notice, on_delete=models.PROTECT, related_name="reply")
    acknowledged = models.BooleanField(default=False)
    respondent_name = models.CharField(max_length=200)
    respondent_role = models.CharField(max_length=200)
    explanation = models.TextField(
        blank=True, help_text="Required when the quantities add up to more than was received."
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    first_answered_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Reply to {self.notice}"


class NoticeReplyLine(models.Model):
    """What a reply says of one lot."""

    reply = models.ForeignKey(NoticeReply, on_delete=models.CASCADE, related_name="lines")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    quantity_on_hand = models.PositiveIntegerField(default=0)
    quantity_used = models.PositiveIntegerField(default=0)
    quantity_destroyed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["lot__lot_number"]
        constraints = [
            models.UniqueConstraint(fields=["reply", "lot"], name="one_reply_line_per_lot")
        ]

    def __str__(self) -> str:
        return f"{self.reply}: {self.lot}"


class NoticeReplyVersion(models.Model):
    """One answer as it was given (the reply's history): its fields and lines as data."""

    reply = models.ForeignKey(NoticeReply, on_delete=models.PROTECT, related_name="versions")
    data = models.JSONField()
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.reply} at {self.at:%Y-%m-%d %H:%M}"


class ReturnStatus(models.TextChoices):
    SHIPPED = "shipped", _("Shipped by the hospital")
    RECEIVED = "received", _("Received at the warehouse")


class HospitalReturn(models.Model):
    """Units of a recalled lot a hospital sends back: shipped (hospital -> returns in transit)
    and then received by the warehouse (in transit -> warehouse), both ledger movements. A
    different count on arrival is a discrepancy; the units keep their lot's recalled status, so
    they stay out of dispatch."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="returns")
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, related_name="returns")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="hospital_returns")
    quantity_shipped = models.PositiveIntegerField()
    reference = models.CharField("shipment reference", max_length=100, blank=True)
    shipped_movement = models.OneToOneField(
        StockMovement, on_delete=models.PROTECT, related_name="+", editable=False
    )
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shipped_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=ReturnStatus.choices, default=ReturnStatus.SHIPPED, editable=False
    )
    quantity_received = models.PositiveIntegerField(null=True, blank=True, editable=False)
    received_movement = models.OneToOneField(
        StockMovement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    received_at = models.DateTimeField(null=True, blank=True, editable=False)
    receipt_remark = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-shipped_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_shipped__gt=0), name="hospital_return_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity_shipped} x {self.lot} from {self.hospital.code}"

    @property
    def discrepancy(self) -> int | None:
        """Units received minus units shipped; None until received."""
        if self.quantity_received is None:
            return None
        return self.quantity_received - self.quantity_shipped
