"""Distribution plans: units of one or more released lots sent to many hospitals at once, typed into
the warehouse's planning page or imported from a CSV file.

The write side is one service, `procurement.services.planning.distribution_plan_dispatch`: every
allocation or none; the planner's reads are `procurement.selectors.planning`. The CSV side
(`csv_import.py`) is a pure parser (`plan_rows_from_csv`: text in, rows and row errors out;
`plan_rows_from_lines` the same over a file read line by line, for the panel's import jobs) and one
read (`plan_resolve`: codes and numbers to hospitals and lots, checked against what the warehouse
holds). The import's preview and its confirmation both run `plan_from_csv`, so what the clerk
confirmed is checked again, against the stock of that moment, before anything moves. What a plan is
made of lives in `plan.py`.
"""

from .csv_import import (
    csv_delimiter,
    plan_from_csv,
    plan_from_lines,
    plan_header_errors,
    plan_resolve,
    plan_rows_from_csv,
    plan_rows_from_lines,
    plan_text_from_bytes,
)
from .plan import (
    COLUMNS,
    MAX_QUANTITY,
    MAX_ROWS,
    MAX_UPLOAD_BYTES,
    NOTE_MAX_LENGTH,
    Allocation,
    LotTotal,
    ParsedPlan,
    PlanRow,
    ResolvedPlan,
    RowError,
)

__all__ = [
    "COLUMNS",
    "MAX_QUANTITY",
    "MAX_ROWS",
    "MAX_UPLOAD_BYTES",
    "NOTE_MAX_LENGTH",
    "Allocation",
    "LotTotal",
    "ParsedPlan",
    "PlanRow",
    "ResolvedPlan",
    "RowError",
    "csv_delimiter",
    "plan_from_csv",
    "plan_from_lines",
    "plan_header_errors",
    "plan_resolve",
    "plan_rows_from_csv",
    "plan_rows_from_lines",
    "plan_text_from_bytes",
]
