"""What a domain plugs into the house, in one place.

A domain is a folder ``handbook/<domain>/`` whose ``init_app(app)`` registers its blueprint and CLI
group with Flask directly, and everything else here: its back-office screens, periodic jobs,
seeders, member-home items and dashboard figures. ``create_app`` lists the domains once, in
dependency order; nothing outside a domain's folder names what is inside it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterable

from flask import Flask, current_app


@dataclass(frozen=True)
class Figure:
    """A figure of the monthly statistics, per organization and rolled up the tree.

    A count (``ratio`` None) is additive: a parent's value is its own plus its children's. A
    ratio is never summed: it is ``numerator / denominator`` of the rolled-up counts, so a
    parent's rate is not an average of its children's rates."""

    key: str
    label: str  # the column's title, in Vietnamese
    group: str = "Khác"  # the section of the report it appears in
    ratio: tuple[str, str] | None = None  # (numerator key, denominator key) of two counts
    percent: bool = False  # a ratio read as a percentage
    decimals: int = 0  # digits after the comma when shown
    headline: bool = False  # one of the key figures on top of the dashboard
    chart: bool = False  # the one figure charted per organization (and month) in the files and the dashboard

    def value(self, totals: dict[str, int]) -> float | int | None:
        """This figure from an organization's counts: the count itself, or the ratio (None over zero)."""
        if self.ratio is None:
            return totals.get(self.key, 0)
        numerator, denominator = (totals.get(key, 0) for key in self.ratio)
        return numerator / denominator if denominator else None


@dataclass(frozen=True)
class Flag:
    """A mark on an organization of the dashboard ("silent": fewer than half its members used the
    handbook), decided by ``test(values)`` on its figures of the month (key -> value, ratios
    included, None where a ratio has no denominator)."""

    key: str
    label: str  # shown on the dashboard, in Vietnamese
    test: Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class MonthContext:
    """What a domain's figures are computed over: one month in Vietnam's time.

    ``start``/``end`` bound the month in UTC (naive, as stored); ``end`` is the moment the figures
    are taken at (the month's end, or now for the month under way). ``members`` is a subquery of
    the counted members as they were then (columns ``member_id``, ``organization_id``, ``status``):
    in the party at ``end`` (official, probationary or exempt), in the branch they belonged to then."""

    month: date  # the first day of the month
    start: datetime
    end: datetime
    year_start: datetime  # the start of the month's year (UTC), for year-to-date figures
    members: Any
    session: Any


@dataclass(frozen=True)
class Evidence:
    """A piece of evidence of the yearly rating, per member: a column of the rating sheet, a line of the
    member's rating page, and a key the rule set's conditions may name."""

    key: str
    label: str  # the column's title, in Vietnamese
    kind: str = "number"  # "number", "percent" (a rate from 0 to 1) or "flag" (True/False)
    decimals: int = 0  # digits after the comma when shown (a percent: of the percentage)


@dataclass(frozen=True)
class YearContext:
    """What a domain's evidence is computed over: one year of one organization's subtree.

    ``start``/``end`` bound the year in Vietnam's time, in UTC (naive, as stored); ``end`` is the
    moment the evidence is taken at (the year's end, or now for the year under way). ``members`` is a
    subquery of the rated members (columns ``member_id``, ``organization_id``)."""

    year: int
    start: datetime
    end: datetime
    members: Any
    session: Any


@dataclass
class Registry:
    """The things the domains of one app registered, in registration (= domain) order."""

    jobs: dict[str, object] = field(default_factory=dict)  # name -> handbook.jobs.Job
    demo_seeders: list[Callable] = field(default_factory=list)  # fn(session, ctx: DemoContext)
    province_seeders: list[Callable] = field(default_factory=list)  # fn(session, ctx: ActivityContext) -> int | dict
    # Seeders that link a domain's rows to what later domains seed (study's topics to content's documents).
    last_demo_seeders: list[Callable] = field(default_factory=list)
    last_province_seeders: list[Callable] = field(default_factory=list)
    member_today: list[Callable] = field(default_factory=list)  # fn(user) -> list[dict]
    member_nav: list[tuple] = field(default_factory=list)  # (position, label, path, icon)
    unread_notices: Callable | None = None  # fn(user) -> int, the header's badge
    dashboard: list[tuple[str, Callable]] = field(default_factory=list)  # (template, fn(scope) -> dict)
    figures: list[Figure] = field(default_factory=list)  # the monthly statistics' figures, in report order
    figure_sources: list[Callable] = field(default_factory=list)  # fn(ctx: MonthContext) -> rows (key, org_id, value)
    usage_sources: list[Callable] = field(default_factory=list)  # fn(ctx: MonthContext) -> Select of member ids
    flags: list[Flag] = field(default_factory=list)  # what marks an organization on the dashboard
    evidence: list[Evidence] = field(default_factory=list)  # the yearly rating's evidence, in sheet order
    evidence_sources: list[Callable] = field(default_factory=list)  # fn(ctx: YearContext) -> rows (member_id, key, value)


def registry(app: Flask | None = None) -> Registry:
    """The registry of ``app`` (default: the current app)."""
    app = app or current_app
    return app.extensions.setdefault("handbook", Registry())


def add_admin_views(app: Flask, *views) -> None:
    """Add back-office screens, shown in the menu in the order they are added."""
    admin = app.extensions["handbook_admin"]
    for view in views:
        admin.add_view(view)


def add_menu_link(app: Flask, link) -> None:
    """Add a link (a ``flask_admin.menu.MenuLink``) to the back-office menu."""
    app.extensions["handbook_admin"].add_link(link)


def add_jobs(app: Flask, *functions) -> None:
    """Schedule periodic jobs: functions declared with ``handbook.jobs.job``."""
    jobs = registry(app).jobs
    for function in functions:
        job = function.job
        if job.name in jobs and jobs[job.name] is not job:
            raise ValueError(f"two jobs are named {job.name!r}")
        jobs[job.name] = job


def add_seeders(app: Flask, demo: Callable | None = None, province: Callable | None = None,
                last: bool = False) -> None:
    """Fill this domain's tables in the demo data set and in the province (``thaibinh``) data set; with
    ``last``, after every domain's own seeders (to link rows to what later domains seed)."""
    reg = registry(app)
    if demo is not None:
        (reg.last_demo_seeders if last else reg.demo_seeders).append(demo)
    if province is not None:
        (reg.last_province_seeders if last else reg.province_seeders).append(province)


def add_member_today(app: Flask, items: Callable) -> None:
    """Add items to the member home's "today" list: ``items(user) -> list[dict]``."""
    registry(app).member_today.append(items)


def add_member_nav(app: Flask, position: int, label: str, path: str, icon: str) -> None:
    """Add an entry to the member pages' bottom navigation, ordered by ``position`` (home is 0)."""
    registry(app).member_nav.append((position, label, path, icon))
    registry(app).member_nav.sort()


def set_unread_notices(app: Flask, counter: Callable) -> None:
    """Count a user's unread notices for the member pages' header: ``counter(user) -> int``."""
    registry(app).unread_notices = counter


def add_monthly_figures(app: Flask, figures: Iterable[Figure], compute: Callable | None = None) -> None:
    """Add figures to the monthly statistics; ``compute(ctx: MonthContext)`` gives their values as
    rows ``(key, organization_id, value)`` of the organizations' own members (set-based SQL: the
    statistics roll them up the tree). A ratio of other figures needs no ``compute``."""
    reg = registry(app)
    known = {figure.key for figure in reg.figures}
    for figure in figures:
        if figure.key in known:
            raise ValueError(f"two monthly figures are named {figure.key!r}")
        known.add(figure.key)
        reg.figures.append(figure)
    if compute is not None:
        reg.figure_sources.append(compute)


def add_usage(app: Flask, members: Callable) -> None:
    """Count a kind of activity as "used the handbook": ``members(ctx: MonthContext)`` is a SELECT
    of the ids of the members who did it in the month (one column; repeats are fine)."""
    registry(app).usage_sources.append(members)


def add_flag(app: Flask, flag: Flag) -> None:
    """Mark the organizations whose month's figures pass ``flag.test`` on the dashboard."""
    registry(app).flags.append(flag)


def add_dashboard(app: Flask, template: str, figures: Callable) -> None:
    """Add a card to the back-office dashboard: ``template`` rendered with ``figures(scope)`` as ``figures``."""
    registry(app).dashboard.append((template, figures))


def add_rating_evidence(app: Flask, evidence: Iterable[Evidence], compute: Callable) -> None:
    """Add evidence to the yearly rating; ``compute(ctx: YearContext)`` gives its values as rows
    ``(member_id, key, value)`` for the rated members (set-based SQL; a member without a row has none)."""
    reg = registry(app)
    known = {item.key for item in reg.evidence}
    for item in evidence:
        if item.key in known:
            raise ValueError(f"two pieces of rating evidence are named {item.key!r}")
        if item.kind not in ("number", "percent", "flag"):
            raise ValueError(f"unknown kind of evidence: {item.kind}")
        known.add(item.key)
        reg.evidence.append(item)
    reg.evidence_sources.append(compute)
