"""Server-side SVG charts for the ministry dashboard: pure functions from figures to markup.

No JavaScript and nothing from a CDN: the page carries the chart itself. Every chart is an
`<svg role="img">` named by its `<title>` and described by its `<desc>` (`aria-labelledby`), with
both axes labelled and every bar or point carrying its figure in a `<title>` of its own (a
tooltip). Colours come from classes that `inspections/static/inspections/dashboard.css` maps
onto the admin's colour variables (light and dark themes); the attributes here are the
fallback. The dashboard prints the same figures in a table next to each chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

FONT = 'font-family="sans-serif" font-size="11"'
LABEL_CHARS = 26  # a longer bar label is cut, the whole of it stays in its tooltip
DY = 'dy="0.32em"'  # centres a label vertically on its y


@dataclass(frozen=True)
class Bar:
    """One bar: its label on the axis, its value, and the sentence its tooltip says."""

    label: str
    value: float
    tooltip: str


@dataclass(frozen=True)
class _Frame:
    """The drawing area inside the margins."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def base(self) -> float:
        """The y of the x axis."""
        return self.height - self.bottom


def axis_ticks(maximum: float, *, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least `maximum`, about `count` steps of 1, 2 or 5 times a
    power of ten (never below 1, as the figures are whole units or percent)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    steps = math.ceil(maximum / step)
    return [step * n for n in range(steps + 1)]


def number(value: float) -> str:
    """A figure as the dashboard prints it: thousands separated, decimals only when needed."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _shorten(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _c(value: float) -> str:
    """A coordinate, to a tenth of a unit (format_html would turn a float into text first)."""
    return f"{value:.1f}"


def _text(
    x: float, y: float, content, *, anchor: str = "middle", css: str = "", extra: str = ""
) -> SafeString:
    """A label; `content` is escaped, `extra` is attributes this module wrote."""
    return format_html(
        '<text class="chart-text{}" x="{}" y="{}" text-anchor="{}" {} {}>{}</text>',
        f" {css}" if css else "",
        _c(x),
        _c(y),
        anchor,
        mark_safe(FONT),  # noqa: S308 - a constant of this module
        mark_safe(extra),  # noqa: S308 - attributes this module wrote (docstring), never input
        content,
    )


def _line(x1: float, x2: float, y1: float, y2: float, css: str, extra: str = "") -> SafeString:
    return format_html(
        '<line class="{}" x1="{}" x2="{}" y1="{}" y2="{}" stroke="#999"{}/>',
        css,
        _c(x1),
        _c(x2),
        _c(y1),
        _c(y2),
        mark_safe(extra),  # noqa: S308 - attributes this module wrote, never input
    )


def _svg(ident: str, frame: _Frame, title: str, desc: str, *parts: SafeString) -> SafeString:
    """The chart: named by its title and described by its desc, for screen readers."""
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {} {}" role="img" '
        'aria-labelledby="{}-title {}-desc"><title id="{}-title">{}</title>'
        '<desc id="{}-desc">{}</desc>{}</svg>',
        frame.width,
        frame.height,
        ident,
        ident,
        ident,
        title,
        ident,
        desc,
        mark_safe("".join(parts)),  # noqa: S308 - parts are format_html output (escaped)
    )


def _y_axis(frame: _Frame, ticks: Sequence[float], label: str) -> SafeString:
    """Horizontal grid lines with their values, and the axis label written upwards."""
    parts = []
    for tick in ticks:
        y = frame.base - frame.plot_height * tick / ticks[-1]
        parts.append(_line(frame.left, frame.width - frame.right, y, y, "chart-grid"))
        parts.append(_text(frame.left - 6, y, number(tick), anchor="end", extra=DY))
    middle = frame.top + frame.plot_height / 2
    rotate = f'transform="rotate(-90 14 {_c(middle)})"'
    parts.append(_text(14, middle, label, css="chart-axis-label", extra=rotate))
    return mark_safe("".join(parts))  # noqa: S308 - parts are format_html output (escaped)


def _x_axis(frame: _Frame, label: str) -> SafeString:
    """The x axis line and its label below the tick labels."""
    return format_html(
        "{}{}",
        _line(frame.left, frame.width - frame.right, frame.base, frame.base, "chart-axis"),
        _text(frame.left + frame.plot_width / 2, frame.height - 6, label),
    )


# ---------------------------------------------------------------------------------------------
# Column chart: one vertical bar per period (units dispatched per week)


def column_chart(
    *,
    ident: str,
    title: str,
    desc: str,
    bars: Sequence[Bar],
    x_label: str,
    y_label: str,
    width: int = 640,
    height: int = 240,
) -> SafeString:
    """Vertical bars in the order given, each labelled below (every other one, the last
    included, when there are more than eight), on a y axis from 0 to a round value above the
    largest."""
    frame = _Frame(width, height, left=72, right=12, top=12, bottom=44)
    ticks = axis_ticks(max((bar.value for bar in bars), default=0))
    slot = frame.plot_width / max(len(bars), 1)
    every = 1 if len(bars) <= 8 else 2
    parts = [_y_axis(frame, ticks, y_label)]
    for index, bar in enumerate(bars):
        bar_height = frame.plot_height * bar.value / ticks[-1]
        x = frame.left + slot * index
        parts.append(
            format_html(
                '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}" fill="#417690">'
                "<title>{}</title></rect>",
                _c(x + slot * 0.15),
                _c(frame.base - bar_height),
                _c(slot * 0.7),
                _c(bar_height),
                bar.tooltip,
            )
        )
        if (len(bars) - 1 - index) % every == 0:  # counted from the last: it is always labelled
            parts.append(_text(x + slot / 2, frame.base + 14, bar.label))
    parts.append(_x_axis(frame, x_label))
    return _svg(ident, frame, title, desc, *parts)


# ---------------------------------------------------------------------------------------------
# Bar chart: one horizontal bar per row, in percent (rejection rate per supplier)


def percent_bar_chart(
    *,
    ident: str,
    title: str,
    desc: str,
    bars: Sequence[Bar],
    x_label: str,
    width: int = 640,
    row_height: int = 24,
) -> SafeString:
    """Horizontal bars on a 0-100 % axis, a row per bar in the order given, the figure written
    after each bar; a label longer than the margin is cut (its tooltip has all of it)."""
    height = 24 + row_height * max(len(bars), 1) + 40
    frame = _Frame(width, height, left=180, right=60, top=24, bottom=40)
    parts = []
    for tick in (0, 25, 50, 75, 100):
        x = frame.left + frame.plot_width * tick / 100
        parts.append(_line(x, x, frame.top, frame.base, "chart-grid"))
        parts.append(_text(x, frame.top - 8, f"{tick} %"))
    for index, bar in enumerate(bars):
        middle = frame.top + row_height * index + row_height / 2
        length = frame.plot_width * min(max(bar.value, 0), 100) / 100
        parts.append(_text(frame.left - 8, middle, _shorten(bar.label), anchor="end", extra=DY))
        parts.append(
            format_html(
                '<rect class="chart-bar chart-bar--alert" x="{}" y="{}" width="{}" height="{}" '
                'fill="#ba2121"><title>{}</title></rect>',
                frame.left,
                _c(middle - row_height * 0.3),
                _c(length),
                _c(row_height * 0.6),
                bar.tooltip,
            )
        )
        parts.append(
            _text(
                frame.left + length + 6, middle, f"{number(bar.value)} %", anchor="start", extra=DY
            )
        )
    parts.append(_x_axis(frame, x_label))
    return _svg(ident, frame, title, desc, *parts)


# ---------------------------------------------------------------------------------------------
# Line chart: a running figure per day against its target (a recall's recovery)


def line_chart(
    *,
    ident: str,
    title: str,
    desc: str,
    points: Sequence[Bar],
    target: float | None,
    target_label: str,
    x_label: str,
    y_label: str,
    width: int = 640,
    height: int = 220,
) -> SafeString:
    """The points joined left to right, each a dot with its tooltip, and the target as a dashed
    line across; at most about seven x labels, the first and the last always."""
    frame = _Frame(width, height, left=72, right=12, top=16, bottom=44)
    ticks = axis_ticks(max([p.value for p in points] + [target or 0]))
    step = frame.plot_width / (len(points) - 1) if len(points) > 1 else 0
    xy = [
        (frame.left + step * i, frame.base - frame.plot_height * p.value / ticks[-1])
        for i, p in enumerate(points)
    ]
    parts = [_y_axis(frame, ticks, y_label)]
    if target:
        y = frame.base - frame.plot_height * target / ticks[-1]
        parts.append(
            _line(
                frame.left,
                frame.width - frame.right,
                y,
                y,
                "chart-target",
                ' stroke-dasharray="6 4"',
            )
        )
        parts.append(_text(frame.width - frame.right, y - 4, target_label, anchor="end"))
    parts.append(
        format_html(
            '<polyline class="chart-line" points="{}" fill="none" stroke="#417690" '
            'stroke-width="2"/>',
            " ".join(f"{_c(x)},{_c(y)}" for x, y in xy),
        )
    )
    for (x, y), point in zip(xy, points, strict=True):
        parts.append(
            format_html(
                '<circle class="chart-dot" cx="{}" cy="{}" r="3" fill="#417690"><title>{}</title>'
                "</circle>",
                _c(x),
                _c(y),
                point.tooltip,
            )
        )
    for index in _labelled(len(points)):
        # The last label ends at its point, so it never runs past the right edge.
        anchor = "end" if index == len(points) - 1 and index else "middle"
        parts.append(_text(xy[index][0], frame.base + 14, points[index].label, anchor=anchor))
    parts.append(_x_axis(frame, x_label))
    return _svg(ident, frame, title, desc, *parts)


def _labelled(count: int, most: int = 7) -> list[int]:
    """Which of `count` points get an x label: evenly spaced, the first and the last always,
    none so close to the last that they would overlap it."""
    if count == 0:
        return []
    every = max(math.ceil(count / most), 1)
    shown = list(range(0, count, every))
    if shown[-1] != count - 1:
        if count - 1 - shown[-1] <= every / 2 and len(shown) > 1:
            shown.pop()
        shown.append(count - 1)
    return shown
