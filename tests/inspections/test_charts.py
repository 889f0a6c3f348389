"""The dashboard's SVG charts: well-formed markup, named and described for screen readers, both
axes labelled, every figure in a tooltip, text escaped, and sizes that follow the figures."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from inspections import charts
from inspections.charts import Bar

SVG = "{http://www.w3.org/2000/svg}"


def _tree(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def _texts(root: ET.Element) -> list[str]:
    return [element.text for element in root.iter(f"{SVG}text")]


def _tooltips(root: ET.Element, shape: str) -> list[str]:
    return [element.find(f"{SVG}title").text for element in root.iter(f"{SVG}{shape}")]


def _columns(**kwargs):
    return charts.column_chart(
        ident="weeks",
        title="Units per week",
        desc="Units dispatched per week.",
        x_label="Week",
        y_label="Units",
        **kwargs,
    )


@pytest.mark.parametrize(
    ("maximum", "ticks"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (3, [0, 1, 2, 3]),
        (7, [0, 2, 4, 6, 8]),
        (100, [0, 50, 100]),
        (130, [0, 50, 100, 150]),
        (600_000, [0, 200_000, 400_000, 600_000]),
    ],
)
def test_axis_ticks_are_round_steps_from_zero_to_at_least_the_largest_figure(maximum, ticks):
    assert charts.axis_ticks(maximum) == ticks


def test_numbers_are_printed_with_thousands_separated_and_decimals_only_when_needed():
    assert [charts.number(v) for v in (0, 48_000, 12.5, 100.0)] == ["0", "48,000", "12.5", "100"]


def test_a_chart_is_named_and_described_by_its_title_and_desc():
    root = _tree(_columns(bars=[Bar("2 Mar", 10, "Week of 2020-03-02: 10 units")]))

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "weeks-title weeks-desc"
    assert root.find(f"{SVG}title").get("id") == "weeks-title"
    assert root.find(f"{SVG}title").text == "Units per week"
    assert root.find(f"{SVG}desc").get("id") == "weeks-desc"
    assert root.find(f"{SVG}desc").text == "Units dispatched per week."
    assert {"Week", "Units"} <= set(_texts(root))  # both axes are labelled


def test_a_column_chart_draws_a_bar_per_figure_as_tall_as_its_share_of_the_axis():
    bars = [Bar("2 Mar", 30, "thirty"), Bar("9 Mar", 0, "none"), Bar("16 Mar", 60, "sixty")]

    root = _tree(_columns(bars=bars))

    rects = list(root.iter(f"{SVG}rect"))
    assert _tooltips(root, "rect") == ["thirty", "none", "sixty"]
    heights = [float(rect.get("height")) for rect in rects]
    assert heights[1] == 0 and heights[2] == pytest.approx(2 * heights[0])
    # The axis runs to 60 (ticks 0, 20, 40, 60): the tallest bar fills the plot.
    assert "60" in _texts(root) and "2 Mar" in _texts(root) and "16 Mar" in _texts(root)


def test_a_column_chart_of_many_weeks_labels_every_other_one_ending_with_the_last():
    bars = [Bar(f"W{n}", n, f"week {n}") for n in range(12)]

    texts = _texts(_tree(_columns(bars=bars)))

    assert "W11" in texts and "W9" in texts and "W10" not in texts and "W0" not in texts
    assert len(_tooltips(_tree(_columns(bars=bars)), "rect")) == 12


def test_text_in_a_chart_is_escaped():
    markup = _columns(bars=[Bar("<b>", 1, 'Supplier "A" & <Co>')])

    assert "<b>" not in markup and "&lt;b&gt;" in markup
    assert _tooltips(_tree(markup), "rect") == ['Supplier "A" & <Co>']


def test_a_percent_bar_chart_draws_bars_as_long_as_their_share_and_cuts_long_names():
    name = "A supplier with a very long registered company name Ltd"
    markup = charts.percent_bar_chart(
        ident="rates",
        title="Rejection rate per supplier",
        desc="Share rejected.",
        bars=[Bar(name, 100, f"{name}: 4 of 4"), Bar("Careful", 25, "Careful: 1 of 4")],
        x_label="Lots rejected",
    )

    root = _tree(markup)
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] == pytest.approx(4 * widths[1])
    texts = _texts(root)
    assert "100 %" in texts and "25 %" in texts and "Lots rejected" in texts
    assert name not in texts and name[:25] + "\u2026" in texts
    assert _tooltips(root, "rect") == [f"{name}: 4 of 4", "Careful: 1 of 4"]


def test_a_percent_above_a_hundred_never_draws_past_the_axis():
    def width(value):
        markup = charts.percent_bar_chart(
            ident="r", title="T", desc="D", bars=[Bar("x", value, "x")], x_label="X"
        )
        return float(next(_tree(markup).iter(f"{SVG}rect")).get("width"))

    assert width(150) == width(100) and width(-5) == 0


def _line(points, target=100):
    return charts.line_chart(
        ident="recovery",
        title="RC-2020-001: units accounted for",
        desc="By day.",
        points=points,
        target=target,
        target_label=f"Delivered: {target}",
        x_label="Day",
        y_label="Units accounted for",
    )


def test_a_line_chart_joins_a_dot_per_day_and_draws_the_target_dashed():
    points = [Bar(f"{n} Mar", value, f"day {n}: {value}") for n, value in enumerate([0, 40, 90])]

    root = _tree(_line(points))

    (line,) = root.iter(f"{SVG}polyline")
    coordinates = [tuple(map(float, pair.split(","))) for pair in line.get("points").split()]
    assert len(coordinates) == 3
    xs, ys = zip(*coordinates, strict=True)
    assert xs[0] < xs[1] < xs[2] and ys[0] > ys[1] > ys[2]  # rising to the right
    assert _tooltips(root, "circle") == ["day 0: 0", "day 1: 40", "day 2: 90"]
    (target,) = [e for e in root.iter(f"{SVG}line") if e.get("class") == "chart-target"]
    assert target.get("stroke-dasharray") and "Delivered: 100" in _texts(root)


def test_a_line_chart_without_a_target_draws_no_target_line():
    root = _tree(_line([Bar("1 Mar", 5, "5")], target=0))

    assert not [e for e in root.iter(f"{SVG}line") if e.get("class") == "chart-target"]
    assert _tooltips(root, "circle") == ["5"]  # one day: one dot


def test_a_long_line_chart_labels_about_seven_days_the_first_and_the_last_among_them():
    points = [Bar(f"D{n}", n, str(n)) for n in range(90)]

    texts = _texts(_tree(_line(points)))

    labels = [text for text in texts if text.startswith("D") and text[1:].isdigit()]
    assert labels[0] == "D0" and labels[-1] == "D89"
    assert 5 <= len(labels) <= 8
