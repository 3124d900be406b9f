"""The back-office dashboard: the month's key figures of an organization in the user's scope against
the month before, its trend, the organizations directly below it with their flags, down to any depth."""
from __future__ import annotations

from datetime import date

from flask import request
from flask_login import current_user
from sqlalchemy import select

from handbook.clock import local_time
from handbook.extensions import db
from handbook.organizations.models import Organization
from handbook.organizations.queries import ancestors
from handbook.registry import Figure, registry
from handbook.reports.files import chart_figure, figure_text
from handbook.reports.models import MonthlyStatistics
from handbook.reports.operations import ensure_month, root_id
from handbook.reports.report import OrgFigures
from handbook.reports.statistics import current_month, month_report, parse_month, previous_month, trend
from handbook.scope import Scope, get_scoped_or_404, parse_id

TREND_MONTHS = 12
# The bar chart's geometry (SVG user units): a row per organization.
BAR_ROW, BAR_LABEL, BAR_WIDTH = 22, 260, 360


def _month_asked() -> date:
    """The month in ``?month=YYYY-MM``, else (or if it is not a past or current month) this month."""
    this = current_month()
    try:
        asked = parse_month(request.args.get("month", ""))
    except ValueError:
        return this
    return asked if asked <= this else this


def _months_back(month: date, count: int) -> list[date]:
    """``count`` months ending with ``month``, oldest first."""
    months = [month]
    while len(months) < count:
        months.append(previous_month(months[-1]))
    return months[::-1]


def _delta(figure: Figure, now, before) -> str:
    """The change since last month beside a key figure ("+3", "-2,5%"), empty when either month is missing."""
    if now is None or before is None:
        return ""
    return figure_text(figure, now - before, signed=True)


def _bars(children: list[OrgFigures], figure: Figure | None) -> dict | None:
    """The bar chart of ``figure`` (a rate) for each organization below: geometry for the SVG."""
    if figure is None or not children:
        return None
    rows = []
    for i, org in enumerate(children):
        value = org.value(figure)
        rows.append({"y": i * BAR_ROW, "name": org.name, "id": org.id, "text": figure_text(figure, value),
                     "width": round(BAR_WIDTH * min(max(value or 0, 0), 1), 1), "flagged": bool(org.flags)})
    return {"rows": rows, "height": len(rows) * BAR_ROW + 24, "label": BAR_LABEL, "width": BAR_WIDTH,
            "half": BAR_LABEL + BAR_WIDTH / 2, "figure": figure}


def _line(points: list[tuple[date, float | None]], figure: Figure | None) -> dict | None:
    """The trend of ``figure`` (a rate) over the stored months: geometry for the SVG polyline."""
    points = [(month, value) for month, value in points if value is not None]
    if figure is None or len(points) < 2:
        return None
    step = 560 / (len(points) - 1)
    marks = [{"x": round(40 + i * step, 1), "y": round(150 - 130 * min(max(value, 0), 1), 1),
              "label": f"{month.month}/{month.year % 100:02d}", "text": figure_text(figure, value)}
             for i, (month, value) in enumerate(points)]
    return {"marks": marks, "points": " ".join(f"{m['x']},{m['y']}" for m in marks), "figure": figure}


def dashboard_figures(scope: Scope) -> dict:
    """What the dashboard shows for ``?org=`` (default: the top of the user's scope) and ``?month=``:
    404 for an organization outside the scope."""
    session = db.session
    figures = registry().figures
    month = _month_asked()
    top_id = current_user.organization_id or root_id(session)
    if top_id is None:
        return {"empty": True}
    org = get_scoped_or_404(Organization, parse_id(request.args.get("org")) if request.args.get("org") else top_id)
    if month == current_month():
        ensure_month(session, month)
    report = month_report(session, month, org.id, with_levels=False)
    top = session.get(Organization, top_id)
    trail = [o for o in ancestors(session, org) if top is not None and o.path.startswith(top.path)]
    stored = list(session.execute(select(MonthlyStatistics.month).where(MonthlyStatistics.organization_id == org.id)
                                  .order_by(MonthlyStatistics.month.desc()).limit(24)).scalars())
    choices = sorted(set(stored) | {current_month()}, reverse=True)
    if report is None:
        return {"empty": False, "missing": True, "org": org, "trail": trail, "month": month, "months": choices}
    # The key figures in the report's order of sections: members, use, points, reading…
    headline = [f for _group, items in report.groups() for f in items if f.headline]
    rate = chart_figure(figures)
    previous = report.previous
    rows = trend(session, org.id, _months_back(month, TREND_MONTHS))
    parents = set(session.execute(select(MonthlyStatistics.parent_id).distinct().where(
        MonthlyStatistics.month == month, MonthlyStatistics.parent_id.in_([c.id for c in report.children]))).scalars())
    return {
        "empty": False, "missing": False, "org": org, "trail": trail, "month": month, "months": choices,
        "report": report, "computed_at": local_time(report.computed_at),
        "cards": [{"figure": f, "text": figure_text(f, report.root.value(f)),
                   "before": figure_text(f, previous.value(f)) if previous else None,
                   "delta": _delta(f, report.root.value(f), previous.value(f) if previous else None)}
                  for f in headline],
        "groups": [(group, [{"figure": f, "now": figure_text(f, report.root.value(f)),
                             "before": figure_text(f, previous.value(f)) if previous else "—"} for f in items])
                   for group, items in report.groups()],
        "columns": headline,
        "children": [{"org": child, "cells": [figure_text(f, child.value(f)) for f in headline],
                      "has_children": child.id in parents} for child in report.children],
        "bars": _bars(report.children, rate),
        "line": _line([(m, rate.value(totals)) for m, totals in rows], rate) if rate else None,
        "flags": report.root.flags,
    }
