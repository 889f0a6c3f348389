"""The ministry panel's start page (`/admin/`): for ministry officers and superusers, the
dashboard (`inspections.dashboard`) above the usual list of models; for every other member of
staff (inspectors, warehouse clerks) the plain index, as before. People who are not staff never
get this far: the admin sends them to its sign-in page.

It lives on the quality side because the dashboard reads both apps; `config/urls.py` routes
`/admin/` here ahead of the admin's own URLs, and this view hands over to `AdminSite.index`, so
the page keeps its app list, sidebar and permissions.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.safestring import SafeString

from core.roles import Role, has_role

from .. import charts
from ..selectors.dashboard import Dashboard, Recovery, ministry_dashboard


def admin_index(request: HttpRequest) -> TemplateResponse:
    """The admin index, with the dashboard for those who may see it."""
    if not has_role(request.user, Role.MINISTRY_OFFICER):
        return admin.site.index(request)
    return admin.site.index(request, extra_context=dashboard_context(ministry_dashboard()))


def dashboard_context(data: Dashboard) -> dict:
    """What the template needs: the figures, each open recall with its recovery and its chart,
    and the two other charts as SVG markup."""
    return {
        "dashboard": data,
        "recall_panels": [
            {"recall": recall, "recovery": recovery, "chart": _recovery_chart(recovery)}
            for recall, recovery in zip(data.recalls, data.recovery, strict=True)
        ],
        "dispatched_chart": _dispatched_chart(data),
        "rejections_chart": _rejections_chart(data),
    }


def _day(day) -> str:
    return f"{day.day} {day:%b}"


def _dispatched_chart(data: Dashboard) -> SafeString:
    weeks = data.dispatched
    total = sum(week.units for week in weeks)
    return charts.column_chart(
        ident="chart-dispatched",
        title="Units dispatched to hospitals per week",
        desc=(
            f"Units dispatched in each of the last {len(weeks)} weeks, from the week of "
            f"{weeks[0].week:%Y-%m-%d} to this week: {total:,} in all."
        ),
        bars=[
            charts.Bar(
                _day(week.week), week.units, f"Week of {week.week:%Y-%m-%d}: {week.units:,} units"
            )
            for week in weeks
        ],
        x_label="Week starting (Monday)",
        y_label="Units dispatched",
    )


def _rejections_chart(data: Dashboard) -> SafeString:
    return charts.percent_bar_chart(
        ident="chart-rejections",
        title="Rejection rate per supplier",
        desc=(
            "The share of each supplier's lots that their first inspection rejected, the "
            "highest first."
        ),
        bars=[
            charts.Bar(
                row.name,
                row.percent,
                f"{row.name}: {row.rejected} of {row.inspected} lots rejected at first "
                f"inspection ({row.percent} %)",
            )
            for row in data.rejections
        ],
        x_label="Lots rejected at their first inspection",
    )


def _recovery_chart(recovery: Recovery) -> SafeString:
    first, last = recovery.days[0], recovery.days[-1]
    delivered = recovery.delivered
    return charts.line_chart(
        ident=f"chart-recovery-{recovery.recall_id}",
        title=f"{recovery.reference}: units accounted for, by day",
        desc=(
            f"Units accounted for at the end of each day from the recall's issue on "
            f"{first.day:%Y-%m-%d} to today, against the {delivered:,} units delivered: "
            f"{first.accounted:,} on the first day, {last.accounted:,} today."
        ),
        points=[
            charts.Bar(
                _day(day.day),
                day.accounted,
                f"{day.day:%Y-%m-%d}: {day.accounted:,} of {delivered:,} units accounted for",
            )
            for day in recovery.days
        ],
        target=delivered,
        target_label=f"Delivered: {delivered:,}",
        x_label="Day",
        y_label="Units accounted for",
    )
