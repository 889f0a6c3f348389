"""`manage.py recall_report REFERENCE [--json]`: the effectiveness figures the panel shows, as a
readable table or as JSON with stable keys; an unknown reference is a clear error (exit 1)."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from inspections.selectors import recall_effectiveness
from tests.inspections.recall_scenario import make_overdue, recall_in_every_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(officer, clerk):
    recall = recall_in_every_state(officer, clerk)
    make_overdue(recall.recall)
    return recall


def _report(*args: str) -> str:
    out = io.StringIO()
    call_command("recall_report", *args, stdout=out)
    return out.getvalue()


def _section(text: str, heading: str) -> list[list[str]]:
    """The rows of a table under a heading, as cells (columns are 2+ spaces apart)."""
    lines = text.split("\n")
    start = lines.index(heading) + 1
    rows = []
    for line in lines[start:]:
        if not line.strip():
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return rows


def test_the_table_shows_the_selectors_figures_per_hospital(scenario):
    figures = recall_effectiveness(scenario.recall)

    text = _report("RC-2020-001")

    header, *rows = _section(text, "Per hospital")
    assert header == [
        "code",
        "name",
        "answered",
        "delivered",
        "returned",
        "in transit",
        "used",
        "destroyed",
        "held",
        "unaccounted",
        "on hand",
        "overdue",
    ]
    expected = []
    for row in figures.hospitals:
        u = row.units
        cells = [row.code, row.name, "yes" if row.answered else "no"]
        cells += [f"{n:,}" for n in (u.delivered, u.returned, u.in_transit, u.used)]
        cells += [f"{n:,}" for n in (u.destroyed, u.held, u.unaccounted)]
        cells += ["-" if u.reported_on_hand is None else f"{u.reported_on_hand:,}"]
        expected.append(cells + (["OVERDUE"] if row.overdue else []))
    assert rows == expected
    silent = ["H-SILENT", "H-Silent Hospital", "no", "100", "0", "0", "0", "0", "100", "100"]
    assert [*silent, "-", "OVERDUE"] in rows


def test_the_table_shows_the_recall_figures_and_the_failed_delivery(scenario):
    text = _report("RC-2020-001")

    assert "Recall RC-2020-001: class I, Issued" in text
    for label, value in [
        ("Hospitals notified", 7),
        ("Notice delivered to", 6),
        ("Answered", 5),
        ("Overdue", 2),
        ("Failed deliveries", 1),
    ]:
        assert re.search(rf"^{label}\s+{value}$", text, re.MULTILINE), label
    assert re.search(r"^  H-FAILED E-mail: failed after 1 attempt\(s\): .*no such user", text, re.M)
    for label, value in [("delivered", "720"), ("held", "360"), ("unaccounted", "195")]:
        assert re.search(rf"^  {label}\s+{value}$", text, re.MULTILINE), label
    per_lot = _section(text, "Per lot")
    assert per_lot[1] == [scenario.first.lot_number, "650", "275", "60", "0", "10", "300", "155"]
    assert "To close: 2 of 7 hospitals have not answered; 195 units are unaccounted for; " in text
    assert "360 units are still at hospitals" in text


def test_the_json_is_the_selectors_figures(scenario):
    data = json.loads(_report("RC-2020-001", "--json"))

    expected = json.loads(json.dumps(recall_effectiveness(scenario.recall).as_dict()))
    assert data == expected
    assert data["units"]["unaccounted"] == 195
    assert data["hospitals_overdue"] == 2
    assert sorted(data) == [
        "action",
        "all_answered",
        "failed_deliveries",
        "gaps",
        "hospitals",
        "hospitals_answered",
        "hospitals_delivered",
        "hospitals_notified",
        "hospitals_overdue",
        "lots",
        "reference",
        "response_deadline",
        "status",
        "units",
    ]
    silent = next(row for row in data["hospitals"] if row["code"] == "H-SILENT")
    assert silent["overdue"] is True
    assert silent["units"]["reported_on_hand"] is None
    assert silent["lots"] == [
        {
            "lot_number": scenario.first.lot_number,
            "units": {
                "delivered": 100,
                "returned": 0,
                "in_transit": 0,
                "used": 0,
                "destroyed": 0,
                "held": 100,
                "lost_in_return": 0,
                "reported_on_hand": None,
                "unaccounted": 100,
            },
        }
    ]


def test_an_unknown_reference_is_a_clear_error_with_exit_code_1(db):
    with pytest.raises(CommandError, match="No recall has the reference 'RC-1999-404'") as error:
        _report("RC-1999-404")

    assert error.value.returncode == 1
