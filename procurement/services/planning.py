"""The write side of a plan: `distribution_plan_dispatch`, every allocation or none, and the
reads the planning pages show before it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from core.errors import DomainError, InsufficientStock, InvalidInput
from core.roles import Role, require_role

from .. import services
from ..models import Distribution, Lot, StockBalance
from ..planning.plan import NOTE_MAX_LENGTH, Allocation, format_units
from . import ledger


def distribution_plan_dispatch(
    *, allocations: Sequence[Allocation], actor, note: str = ""
) -> list[Distribution]:
    """Dispatch a plan: units of released lots to many hospitals, all of them or none.

    Refuses an empty plan, a quantity that is not a whole number above zero and the same hospital
    twice for one lot. In one transaction it locks the plan's lots in ascending id order (so two
    plans sharing lots cannot deadlock), refuses any lot whose planned total exceeds what the
    warehouse holds, and dispatches each lot's allocations at once through
    `services.distribution_dispatch_many` (a ledger movement, a Distribution and a lot event per
    allocation, written in bulk). Any refusal rolls back the whole plan. Returns the
    distributions in the order of the allocations.
    """
    require_role(
        actor, Role.WAREHOUSE_CLERK, Role.MINISTRY_OFFICER, action="dispatch a distribution plan"
    )
    note = _check_plan(allocations, note)
    # A hospital's stock location is created on its first delivery. Created inside the
    # transaction, two plans of different lots naming the same new hospitals in opposite orders
    # deadlock (each waits for the other's uncommitted location row); created here, each one is
    # committed at once. Creating one for a plan that is then refused is harmless.
    ledger.hospital_locations(a.hospital for a in allocations)
    with transaction.atomic():
        lots = _lock_lots({a.lot.pk for a in allocations})
        _check_stock(allocations, lots)
        made: dict[int, Distribution] = {}
        for lot_id, indexes in _indexes_by_lot(allocations).items():
            group = [allocations[index] for index in indexes]
            distributions = _dispatch_lot(group, lots[lot_id], actor=actor, note=note)
            made.update(zip(indexes, distributions, strict=True))
        return [made[index] for index in range(len(allocations))]


def _check_plan(allocations: Sequence[Allocation], note: str) -> str:
    if not allocations:
        raise InvalidInput(_("A distribution plan needs at least one hospital and quantity."))
    seen: dict[tuple[int, int], Allocation] = {}
    for allocation in allocations:
        quantity = allocation.quantity
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise InvalidInput(
                _("%(where)s: the quantity must be a whole number above zero.")
                % {"where": _label(allocation)}
            )
        key = (allocation.hospital.pk, allocation.lot.pk)
        if key in seen:
            raise InvalidInput(
                _("%(where)s: this hospital is already planned for this lot (%(first)s).")
                % {"where": _label(allocation), "first": _label(seen[key])}
            )
        seen[key] = allocation
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise InvalidInput(
            _("The note may be at most %(limit)s characters.") % {"limit": NOTE_MAX_LENGTH}
        )
    return note


def _label(allocation: Allocation) -> str:
    names = {"hospital": allocation.hospital.code, "lot": allocation.lot.lot_number}
    if allocation.row is not None:
        return _("Row %(row)s (hospital %(hospital)s, lot %(lot)s)") % {
            **names,
            "row": allocation.row,
        }
    return _("Hospital %(hospital)s, lot %(lot)s") % names


def _lock_lots(lot_ids: set[int]) -> dict[int, Lot]:
    """Lock the lot rows (only them, as `services._lock_lot` does) in ascending id order:
    PostgreSQL takes row locks in the order of the ORDER BY."""
    lots = (
        Lot.objects.select_for_update(of=("self",))
        .select_related("order_line__product")
        .filter(pk__in=lot_ids)
        .order_by("pk")
    )
    return {lot.pk: lot for lot in lots}


def _check_stock(allocations: Sequence[Allocation], lots: dict[int, Lot]) -> None:
    """Every lot's planned total against the warehouse balance, read under the lot locks (every
    service drawing from the warehouse locks the lot first, so the balance cannot move now)."""
    planned: dict[int, int] = defaultdict(int)
    rows: dict[int, list[int]] = defaultdict(list)
    for allocation in allocations:
        planned[allocation.lot.pk] += allocation.quantity
        if allocation.row is not None:
            rows[allocation.lot.pk].append(allocation.row)
    held = dict(
        StockBalance.objects.filter(
            lot_id__in=planned, location=ledger.warehouse_location()
        ).values_list("lot_id", "quantity")
    )
    for lot_id in sorted(planned):
        requested, available = planned[lot_id], held.get(lot_id, 0)
        if requested > available:
            raise InsufficientStock(
                _over_allocation_message(lots[lot_id], requested, available, rows[lot_id])
            )


def _over_allocation_message(lot: Lot, requested: int, available: int, rows: list[int]) -> str:
    message = _(
        "Lot %(lot)s: %(requested)s units planned but the warehouse holds %(available)s "
        "(%(excess)s too many)."
    ) % {
        "lot": lot.lot_number,
        "requested": format_units(requested),
        "available": format_units(available),
        "excess": format_units(requested - available),
    }
    if rows:
        message += " " + _("Rows %(rows)s.") % {
            "rows": get_text_list([str(r) for r in rows], _("and"))
        }
    return message


def _indexes_by_lot(allocations: Sequence[Allocation]) -> dict[int, list[int]]:
    """Positions of the allocations per lot id, the lots in the order the plan first names them:
    a refusal then names the same allocation as dispatching them one by one would."""
    indexes: dict[int, list[int]] = defaultdict(list)
    for index, allocation in enumerate(allocations):
        indexes[allocation.lot.pk].append(index)
    return indexes


def _dispatch_lot(group: Sequence[Allocation], lot: Lot, *, actor, note: str) -> list[Distribution]:
    try:
        return services.distribution_dispatch_many(
            lot=lot,
            rows=[(allocation.hospital, allocation.quantity) for allocation in group],
            actor=actor,
            note=note,
        )
    except DomainError as exc:
        # Name the allocation: in a plan of forty rows "lot X is on hold" alone is not enough.
        raise type(exc)(f"{_label(group[0])}: {exc.message}") from exc


# ---------------------------------------------------------------------------------------------
# Reads
