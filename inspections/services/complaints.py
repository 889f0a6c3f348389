"""Writes about complaints: a hospital reports a problem with units it received; the ministry
puts the lot on hold and asks the inspectors to look, then closes the complaint with what was
found. Each step is a `ComplaintEvent`; lot holds go through `procurement.services.lot_hold`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.errors import IllegalTransition, InvalidInput, NotPermitted
from core.outbox import emails as outbox
from core.roles import Role, require_role
from core.validation import require_reason
from procurement import services as procurement
from procurement.models import Distribution, LotStatus
from procurement.selectors import user_language, user_may_act_for_hospital

from ..models import Complaint, ComplaintCategory, ComplaintEvent, ComplaintStatus
from ..validators import photo_extension

# A lot in one of these can still be put on hold because of a complaint.
HOLDABLE = frozenset({LotStatus.QUARANTINED, LotStatus.RELEASED})


def complaint_report(
    *,
    distribution: Distribution,
    category: str,
    description: str,
    quantity_affected: int,
    actor,
    photo: UploadedFile | None = None,
) -> Complaint:
    """A hospital reports a problem with units of a delivery it received.

    Only staff of the receiving hospital may. The affected quantity cannot exceed what the
    delivery brought (as counted by the hospital, once confirmed). The reporter and the hospital
    get an acknowledgement in their language; the ministry's quality desk gets an alert.
    """
    if not user_may_act_for_hospital(actor, distribution.hospital):
        raise NotPermitted(_("Only staff of the receiving hospital can report on this delivery."))
    if category not in ComplaintCategory.values:
        raise InvalidInput(_("Choose what kind of problem it is."))
    description = (description or "").strip()
    if not description:
        raise InvalidInput(_("Describe the problem: what you saw, and on how many units."))
    delivered = distribution.quantity_received or distribution.quantity
    if quantity_affected is None or not 1 <= quantity_affected <= delivered:
        raise InvalidInput(
            ngettext(
                "The quantity affected must be between 1 and the %(units)s unit delivered.",
                "The quantity affected must be between 1 and the %(units)s units delivered.",
                delivered,
            )
            % {"units": number_format(delivered, force_grouping=True)}
        )
    if photo:
        try:
            extension = photo_extension(photo)
        except ValidationError as error:
            raise InvalidInput(" ".join(error.messages)) from error
        # Stored under a name that says what the file is, whatever the phone called it: the
        # name decides how the file is served later.
        photo.name = f"complaint-photo.{extension}"
    complaint = Complaint(
        distribution=distribution,
        hospital=distribution.hospital,
        lot=distribution.lot,
        category=category,
        description=description,
        quantity_affected=quantity_affected,
        reported_by=actor,
    )
    try:
        with transaction.atomic():
            if photo:
                complaint.photo = photo
            complaint.save()
            _event(complaint, ComplaintEvent.Kind.REPORTED, actor=actor, from_status="")
            _acknowledge(complaint, actor)
    except Exception:
        # The photo was written to storage when the row was saved; without the row it is an
        # orphan nobody could find, so it goes too.
        if complaint.photo:
            complaint.photo.delete(save=False)
        raise
    return complaint


# The e-mails a new complaint sends: the acknowledgement to the hospital, the ministry's alert.
COMPLAINT_EMAILS = ("received", "alert")


def complaint_email_key(complaint_id: int, email: str) -> str:
    """The outbox key of one of a complaint's e-mails (`COMPLAINT_EMAILS`)."""
    return f"complaint-{complaint_id}-{email}"


def _acknowledge(complaint: Complaint, actor) -> None:
    context = {"complaint": complaint, "actor": actor}
    outbox.email_enqueue(
        key=complaint_email_key(complaint.pk, "received"),
        to=[actor.email, complaint.hospital.contact_email],
        template="complaint_received",
        context=context,
        language=user_language(actor) or complaint.hospital.language,
    )
    outbox.email_enqueue(
        key=complaint_email_key(complaint.pk, "alert"),
        to=settings.MINISTRY_ALERT_EMAILS,
        template="complaint_alert",
        context=context,
        language=settings.LANGUAGE_CODE,
    )


def complaint_escalate(
    *, complaint: Complaint, actor, reason: str, hold_lot: bool, request_inspection: bool
) -> Complaint:
    """From a complaint, an officer puts the lot on hold and/or asks for an inspection.

    The hold goes through `lot_hold` (nothing more of the lot is dispatched); a lot that is
    already on hold, recalled, rejected or disposed keeps its status and the event says so. An
    inspection request puts the lot in the inspectors' queue until an inspection is recorded.
    """
    require_role(actor, Role.MINISTRY_OFFICER, action="act on complaints")  # the panel: English
    reason = require_reason(reason, "acting on a complaint")
    if not (hold_lot or request_inspection):
        raise InvalidInput("Choose at least one: put the lot on hold, or ask for an inspection.")
    with transaction.atomic():
        complaint = _lock(complaint)
        if complaint.status == ComplaintStatus.CLOSED:
            raise IllegalTransition(f"Complaint #{complaint.pk} is closed.")
        lot = complaint.lot
        if hold_lot:
            lot.refresh_from_db(fields=["status"])
            if lot.status in HOLDABLE:
                procurement.lot_hold(
                    lot=lot, actor=actor, reason=f"Complaint #{complaint.pk}: {reason}"
                )
                note = reason
            else:
                # A record for the ministry, in English whoever acted and in whatever language.
                with translation.override("en"):
                    status = str(LotStatus(lot.status).label)
                note = f"{reason} (lot {lot.lot_number} was already {status})"
            _move(complaint, ComplaintEvent.Kind.LOT_HELD, actor=actor, note=note)
        if request_inspection:
            # A second request while one is waiting keeps the first moment: the wait counts
            # from the first.
            if complaint.inspection_requested_at is None:
                complaint.inspection_requested_at = timezone.now()
                complaint.save(update_fields=["inspection_requested_at"])
            _move(complaint, ComplaintEvent.Kind.INSPECTION_REQUESTED, actor=actor, note=reason)
    return complaint


def complaint_close(*, complaint: Complaint, actor, resolution: str) -> Complaint:
    """Close a complaint with what was found and done (the hospital sees the resolution)."""
    require_role(actor, Role.MINISTRY_OFFICER, action="close complaints")
    resolution = (resolution or "").strip()
    if not resolution:
        raise InvalidInput("Write the resolution: what was found and what was done.")
    with transaction.atomic():
        complaint = _lock(complaint)
        if complaint.status == ComplaintStatus.CLOSED:
            raise IllegalTransition(f"Complaint #{complaint.pk} is already closed.")
        complaint.resolution = resolution
        complaint.save(update_fields=["resolution"])
        _move(
            complaint,
            ComplaintEvent.Kind.CLOSED,
            actor=actor,
            note=resolution,
            to_status=ComplaintStatus.CLOSED,
        )
    return complaint


def _lock(complaint: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("lot", "hospital")
        .get(pk=complaint.pk)
    )


def _move(
    complaint: Complaint,
    kind: str,
    *,
    actor,
    note: str,
    to_status: str = ComplaintStatus.INVESTIGATING,
) -> None:
    from_status = complaint.status
    if from_status != to_status:
        complaint.status = to_status
        complaint.save(update_fields=["status"])
    _event(complaint, kind, actor=actor, from_status=from_status, note=note)


def _event(complaint: Complaint, kind: str, *, actor, from_status: str, note: str = "") -> None:
    ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        from_status=from_status,
        to_status=complaint.status,
        actor=actor,
        note=note,
    )
