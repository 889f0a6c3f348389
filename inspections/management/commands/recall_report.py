"""python manage.py recall_report REFERENCE [--json]: a recall's status report, with exactly the
figures the ministry panel shows (both read `selectors.recall_effectiveness`): hospitals
notified, reached, answered and overdue, failed deliveries, where the units are, per lot and per
hospital. `--json` prints the same data as JSON with stable keys, for other systems."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from ...models import Recall
from ...selectors import Effectiveness, Units, recall_effectiveness

# The unit columns of the tables: (heading, field of `Units`).
UNIT_COLUMNS = [
    ("delivered", "delivered"),
    ("returned", "returned"),
    ("in transit", "in_transit"),
    ("used", "used"),
    ("destroyed", "destroyed"),
    ("held", "held"),
    ("unaccounted", "unaccounted"),
]


class Command(BaseCommand):
    help = (
        "Print a recall's effectiveness report (the figures the ministry panel shows): hospitals "
        "notified, answered and overdue, failed deliveries, and where the units are."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("reference", help="The recall's reference, e.g. RC-2020-001.")
        parser.add_argument(
            "--json",
            action="store_true",
            dest="as_json",
            help="Print the figures as JSON (stable keys).",
        )

    def handle(self, *args, reference: str, as_json: bool = False, **options) -> None:
        recall = Recall.objects.filter(reference=reference.strip()).first()
        if recall is None:
            raise CommandError(f"No recall has the reference {reference!r}.")
        figures = recall_effectiveness(recall)
        if as_json:
            self.stdout.write(render_json(figures))
        else:
            self.stdout.write(render_report(recall, figures))


def render_json(figures: Effectiveness) -> str:
    return json.dumps(figures.as_dict(), indent=2, sort_keys=True)


def render_report(recall: Recall, figures: Effectiveness) -> str:
    lots = ", ".join(line.lot_number for line in figures.lots) or "-"
    lines = [
        f"Recall {recall.reference}: class {recall.recall_class}, {recall.get_status_display()}",
        f"Lots: {lots}",
        f"Response deadline: {recall.response_deadline:%Y-%m-%d}",
        "",
        *_pairs(
            [
                ("Hospitals notified", figures.hospitals_notified),
                ("Notice delivered to", figures.hospitals_delivered),
                ("Answered", figures.hospitals_answered),
                ("Overdue", figures.hospitals_overdue),
                ("Failed deliveries", len(figures.failed_deliveries)),
            ]
        ),
        *[
            f"  {f.hospital_code} {f.channel_label}: failed after {f.attempts} attempt(s): "
            f"{f.last_error or 'no error recorded'}"
            for f in figures.failed_deliveries
        ],
        "",
        "Units",
        *_pairs([(heading, getattr(figures.units, name)) for heading, name in UNIT_COLUMNS], 2),
        "",
        "Per lot",
        *_table(
            ["lot", *(heading for heading, _ in UNIT_COLUMNS)],
            [[line.lot_number, *_unit_cells(line.units)] for line in figures.lots],
        ),
        "",
        "Per hospital",
        *_table(
            ["code", "name", "answered", *(h for h, _ in UNIT_COLUMNS), "on hand", "overdue"],
            [
                [
                    row.code,
                    row.name,
                    "yes" if row.answered else "no",
                    *_unit_cells(row.units),
                    _reported(row.units.reported_on_hand),
                    "OVERDUE" if row.overdue else "",
                ]
                for row in figures.hospitals
            ],
        ),
    ]
    gaps = figures.gaps()
    lines += ["", f"To close: {'; '.join(gaps)}." if gaps else "To close: nothing is missing."]
    return "\n".join(lines).rstrip() + "\n"


def _reported(on_hand: int | None) -> str:
    """What the reply says is on hand ("-": no reply)."""
    return "-" if on_hand is None else f"{on_hand:,}"


def _unit_cells(units: Units) -> list[str]:
    return [f"{getattr(units, name):,}" for _, name in UNIT_COLUMNS]


def _pairs(pairs: list[tuple[str, int]], indent: int = 0) -> list[str]:
    width = max(len(label) for label, _ in pairs)
    return [f"{' ' * indent}{label:<{width}}  {value:>9,}" for label, value in pairs]


def _table(headings: list[str], rows: list[list[str]]) -> list[str]:
    """Text columns: the first ones (code, name, lot) left-aligned, figures right-aligned."""
    if not rows:
        return ["  (none)"]
    columns = zip(headings, *rows, strict=True)
    widths = [max(len(str(cell)) for cell in column) for column in columns]
    left = {"lot", "code", "name", "answered", "overdue"}

    def line(cells) -> str:
        return "  ".join(
            f"{cell:<{w}}" if heading in left else f"{cell:>{w}}"
            for cell, w, heading in zip(cells, widths, headings, strict=True)
        ).rstrip()

    return [line(headings), *(line(row) for row in rows)]
