"""The supplier's inspection level per product category: the switching rules applied after each
original inspection, and the officer's decisions (reduced inspection, reinstatement)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from core.errors import IllegalTransition
from core.roles import Role, require_role
from core.validation import require_reason
from procurement.models import Lot, PurchaseOrder

from .. import switching
from ..models import (
    Inspection,
    LevelState,
    SupplierLevel,
    SupplierLevelEvent,
    Verdict,
)

# ---------------------------------------------------------------------------------------------
# Supplier inspection level


def supplier_level_record(inspection: Inspection, lot: Lot, actor) -> None:
    level = _lock_level(lot.order_line.order.supplier_id, lot.order_line.product.category)
    before = _counters(level)
    after, reason = switching.level_after(
        before,
        accepted=inspection.verdict == Verdict.ACCEPTED,
        in_gap=inspection.accepted_in_gap,
    )
    _save_level(level, after, actor=actor, reason=reason, inspection=inspection)


def _lock_level(supplier_id: int, category: str) -> SupplierLevel:
    level, _ = SupplierLevel.objects.get_or_create(supplier_id=supplier_id, category=category)
    return SupplierLevel.objects.select_for_update().get(pk=level.pk)


def _counters(level: SupplierLevel) -> switching.LevelCounters:
    return switching.LevelCounters(
        state=level.state,
        recent=level.recent_original,
        consecutive_accepted=level.consecutive_accepted,
        rejected_while_tightened=level.rejected_while_tightened,
        reduced_proposed=level.reduced_proposed,
    )


def _save_level(level, after, *, actor, reason: str, inspection=None) -> None:
    from_state = level.state
    level.state = after.state
    level.recent_original = after.recent
    level.consecutive_accepted = after.consecutive_accepted
    level.rejected_while_tightened = after.rejected_while_tightened
    level.reduced_proposed = after.reduced_proposed
    level.save()
    if from_state != after.state:
        SupplierLevelEvent.objects.create(
            level=level,
            from_state=from_state,
            to_state=after.state,
            actor=actor,
            reason=reason,
            inspection=inspection,
        )


def supplier_level_approve_reduced(*, level: SupplierLevel, actor, reason: str) -> SupplierLevel:
    """An officer confirms the proposal to inspect this supplier's category on reduced."""
    require_role(actor, Role.MINISTRY_OFFICER, action="approve reduced inspection")
    reason = require_reason(reason, "approving reduced inspection")
    with transaction.atomic():
        level = SupplierLevel.objects.select_for_update().get(pk=level.pk)
        if level.state != LevelState.NORMAL or not level.reduced_proposed:
            raise IllegalTransition(
                "Reduced inspection can be approved only on normal inspection after 10 lots in "
                "a row were accepted."
            )
        _save_level(level, switching.fresh(LevelState.REDUCED), actor=actor, reason=reason)
    return level


def supplier_level_return_to_normal(*, level: SupplierLevel, actor, reason: str) -> SupplierLevel:
    """An officer ends reduced inspection: irregular production or other conditions warrant it."""
    require_role(actor, Role.MINISTRY_OFFICER, action="end reduced inspection")
    reason = require_reason(reason, "ending reduced inspection (say what warrants it)")
    with transaction.atomic():
        level = SupplierLevel.objects.select_for_update().get(pk=level.pk)
        if level.state != LevelState.REDUCED:
            raise IllegalTransition("Only a supplier on reduced inspection can return to normal.")
        _save_level(level, switching.fresh(LevelState.NORMAL), actor=actor, reason=reason)
    return level


def supplier_level_reinstate(*, level: SupplierLevel, actor, reason: str) -> SupplierLevel:
    """After the supplier's corrective action, an officer lets its lots in again, on tightened."""
    require_role(actor, Role.MINISTRY_OFFICER, action="reinstate a supplier")
    reason = require_reason(reason, "reinstating a supplier (name the corrective action)")
    with transaction.atomic():
        level = SupplierLevel.objects.select_for_update().get(pk=level.pk)
        if level.state != LevelState.DISCONTINUED:
            raise IllegalTransition("Only a discontinued supplier can be reinstated.")
        _save_level(level, switching.fresh(LevelState.TIGHTENED), actor=actor, reason=reason)
    return level


def refuse_discontinued_supplier(order: PurchaseOrder, lots: Sequence) -> None:
    """Receipt guard: no new lots of a category whose inspection is discontinued."""
    categories = {lot.order_line.product.category for lot in lots}
    stopped = SupplierLevel.objects.filter(
        supplier_id=order.supplier_id, category__in=categories, state=LevelState.DISCONTINUED
    ).first()
    if stopped:
        raise IllegalTransition(
            f"Inspection of {stopped.get_category_display().lower()} from {order.supplier} is "
            "discontinued: no new shipments are received until an officer reinstates the "
            "supplier after corrective action."
        )
