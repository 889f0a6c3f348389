"""What every kind of import provides to the job services, and the limits they share."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from core.roles import Role

from ...models import ImportJob, ImportKind
from ...planning import ResolvedPlan, RowError

# Rows read between two progress updates (and, for reference data, per lookup and per write).
CHUNK_ROWS = 2_000
# Rows shown in a preview, as they will be written.
PREVIEW_ROWS = 10

Progress = Callable[[int], None]


@dataclass
class Checked:
    """What a dry run found: the data rows read, every error, and what the preview shows.
    `plan` is a distribution plan's allocations, kept for the write that follows a re-check."""

    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    preview: dict = field(default_factory=dict)
    plan: ResolvedPlan | None = None


class Importer:
    """One kind of CSV import. `check` is the dry run (reads, looks up, writes nothing);
    `write` runs inside the job's transaction and raises a DomainError to refuse it all."""

    kind: ImportKind
    roles: tuple[Role, ...]
    action: str  # what the refusal of a role says: "Only a ministry officer may <action>."
    columns: tuple[tuple[str, str], ...]  # (column, what it holds) for the upload page

    def header_errors(self, header: list[str]) -> list[RowError]:
        raise NotImplementedError

    def check(self, lines: Iterator[str], *, max_rows: int, progress: Progress) -> Checked:
        raise NotImplementedError

    def before_write(self, checked: Checked) -> None:
        """Work committed on its own before the write transaction (nothing by default)."""

    def write(
        self, lines: Iterator[str], checked: Checked, *, job: ImportJob, actor, max_rows: int
    ) -> dict:
        raise NotImplementedError
