"""What the quality side's webhook events carry (`data` of `inspection.recorded`,
`recall.issued`, `notice.answered`; the fields are listed in `procurement.services.webhooks`).

Each builder is handed to `webhook_publish` as a function, so it runs only when some system
subscribes to the event: a recall nobody listens to pays nothing for its payloads.
"""

from __future__ import annotations

from collections.abc import Sequence

from procurement.models import Lot
from procurement.services.webhook_payloads import lot_ref

from ..models import Inspection, Notice, NoticeReply, NoticeReplyVersion, Recall


def inspection_recorded_payload(inspection: Inspection) -> dict:
    lot = inspection.lot
    return {
        "inspection_id": inspection.pk,
        "lot": lot_ref(lot),
        "stage": inspection.stage,
        "standard": inspection.standard.code,
        "laboratory": inspection.laboratory,
        "performed_by": inspection.performed_by,
        "performed_on": inspection.performed_on,
        "sample_size": inspection.sample_size,
        "verdict": inspection.verdict,
        "outcome": inspection.outcome,
        # The lot after the decision the inspection took (hold, release, reject...).
        "lot_status": Lot.objects.values_list("status", flat=True).get(pk=lot.pk),
        "recorded_by": inspection.recorded_by.get_username(),
        "recorded_at": inspection.recorded_at,
    }


def recall_issued_payload(recall: Recall, lots: Sequence[Lot], notices: Sequence[Notice]) -> dict:
    return {
        "recall_id": recall.pk,
        "reference": recall.reference,
        "class": recall.recall_class,
        "urgent": recall.is_urgent,
        "reason": recall.reason,
        "hazard": recall.hazard,
        "action": recall.action,
        "depth": recall.depth,
        "response_deadline": recall.response_deadline,
        "issued_at": recall.issued_at,
        "lots": [{"id": lot.pk, "number": lot.lot_number} for lot in lots],
        "notice_count": len(notices),
        "hospitals": sorted(notice.hospital.code for notice in notices),
    }


def notice_answered_payload(
    notice: Notice, reply: NoticeReply, version: NoticeReplyVersion
) -> dict:
    lines = reply.lines.select_related("lot").order_by("lot__lot_number")
    return {
        "notice_id": notice.pk,
        "notice_reference": notice.reference,
        "recall": notice.recall.reference,
        "hospital": {"code": notice.hospital.code, "name": notice.hospital.name},
        "acknowledged": reply.acknowledged,
        "respondent_name": reply.respondent_name,
        "respondent_role": reply.respondent_role,
        "explanation": reply.explanation,
        "lines": [
            {
                "lot": line.lot.lot_number,
                "on_hand": line.quantity_on_hand,
                "used": line.quantity_used,
                "destroyed": line.quantity_destroyed,
            }
            for line in lines
        ],
        "answered_at": reply.answered_at,
        "version_id": version.pk,
    }
