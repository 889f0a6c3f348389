"""A distribution plan from CSV as an import job: the warehouse planner's own parser and checks
(`procurement.planning`: hospital_code, lot_number, quantity; released, unexpired lots; no lot
asked for beyond what the warehouse holds) and its all-or-nothing dispatch, for files of up to
IMPORT_MAX_ROWS rows instead of the planner page's 5,000."""

from __future__ import annotations

from collections.abc import Iterator

from core.roles import Role

from ...models import ImportJob, ImportKind
from ...planning import (
    COLUMNS,
    NOTE_MAX_LENGTH,
    RowError,
    plan_from_lines,
    plan_header_errors,
)
from .. import ledger
from ..planning import distribution_plan_dispatch
from .base import PREVIEW_ROWS, Checked, Importer, Progress

# Allocations per call of the dispatch service inside the job's one transaction: its written
# rows are let go after each call, so memory does not grow with the file.
DISPATCH_CHUNK = 5_000
LOTS_SHOWN = 50


class DistributionPlanImporter(Importer):
    kind = ImportKind.DISTRIBUTION_PLAN
    # The planner's rule (`distribution_plan_dispatch`): warehouse clerks and ministry officers.
    roles = (Role.WAREHOUSE_CLERK, Role.MINISTRY_OFFICER)
    action = "import a distribution plan"
    columns = (
        (COLUMNS[0], "the code of the hospital that receives the units"),
        (COLUMNS[1], "a released, unexpired lot in the warehouse"),
        (COLUMNS[2], "units, a whole number above zero (no thousands separators)"),
    )

    def header_errors(self, header: list[str]) -> list[RowError]:
        return plan_header_errors(header)

    def check(self, lines: Iterator[str], *, max_rows: int, progress: Progress) -> Checked:
        read = [0]

        def counted(rows: int) -> None:
            read[0] = rows
            progress(rows)

        plan = plan_from_lines(lines, max_rows=max_rows, progress=counted)
        preview = {"rows": read[0], **_preview(plan)}
        return Checked(rows=read[0], errors=plan.errors, preview=preview, plan=plan)

    def before_write(self, checked: Checked) -> None:
        # Hospitals' first stock locations, committed before the write transaction as the
        # planner does (`distribution_plan_dispatch`): created inside it, two plans naming the
        # same new hospitals in opposite orders could deadlock.
        ledger.hospital_locations(a.hospital for a in checked.plan.allocations)

    def write(
        self, lines: Iterator[str], checked: Checked, *, job: ImportJob, actor, max_rows: int
    ) -> dict:
        """The checked plan through the planner's dispatch, DISPATCH_CHUNK allocations at a time
        in the caller's transaction, lot by lot in ascending id order (the order every dispatch
        locks lots in, so no two plans wait for each other in a circle). A lot asked for beyond
        its stock, or put on hold since the check, refuses the whole file."""
        allocations = sorted(checked.plan.allocations, key=lambda a: a.lot.pk)
        note = f"CSV import {job.pk} ({job.original_name})"[:NOTE_MAX_LENGTH]
        distributions = units = 0
        for start in range(0, len(allocations), DISPATCH_CHUNK):
            made = distribution_plan_dispatch(
                allocations=allocations[start : start + DISPATCH_CHUNK], actor=actor, note=note
            )
            distributions += len(made)
            units += sum(distribution.quantity for distribution in made)
        return {
            "rows": checked.rows,
            "distributions": distributions,
            "units": units,
            "lots": len({a.lot.pk for a in allocations}),
            "hospitals": len({a.hospital.pk for a in allocations}),
        }


def _preview(plan) -> dict:
    return {
        "units": plan.units,
        "allocations": len(plan.allocations),
        "hospitals": len({a.hospital.pk for a in plan.allocations}),
        "lots": [
            {
                "lot": total.lot.lot_number,
                "product": str(total.lot.order_line.product),
                "requested": total.requested,
                "available": total.available,
                "remaining": total.remaining,
            }
            for total in plan.lot_totals[:LOTS_SHOWN]
        ],
        "lot_count": len(plan.lot_totals),
        "first_rows": [
            {
                "row": a.row,
                "hospital_code": a.hospital.code,
                "hospital": a.hospital.name,
                "lot": a.lot.lot_number,
                "quantity": a.quantity,
            }
            for a in plan.allocations[:PREVIEW_ROWS]
        ],
    }
