"""The monthly statistics: every registered figure per organization, rolled up the tree as it was.

A month is computed once for the whole tree: each domain's figures come from its registered
``compute(ctx)`` as one set-based query per figure, grouped by the branch each member belonged to
at the month's end (``members_as_of``); the tree as it was then (``tree_as_of``) rolls them up in
memory (a few thousand organizations), and the rows of ``monthly_statistics`` are replaced in one
transaction. A parent's counts are its own members' plus its children's; ratios are never stored,
they are computed from the rolled-up counts when read (``Figure.value``).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import delete, func, select, union_all

from handbook.bulk import insert_rows
from handbook.clock import local_now, month_bounds, utcnow, year_bounds
from handbook.organizations.queries import members_as_of, tree_as_of
from handbook.registry import MonthContext, registry
from handbook.reports.models import MonthlyStatistics
from handbook.reports.report import LEVEL_TITLES, MonthReport, OrgFigures


def parse_month(text: str) -> date:
    """"2026-11" as the first day of that month (ValueError if it is not a month)."""
    try:
        parsed = datetime.strptime(text.strip(), "%Y-%m")
    except (AttributeError, ValueError):
        raise ValueError(f"not a month (YYYY-MM): {text!r}") from None
    if parsed.year < 2000:
        raise ValueError(f"not a month (YYYY-MM): {text!r}")
    return parsed.date()


def current_month(now: datetime | None = None) -> date:
    """The month under way in Vietnam."""
    return local_now(now).date().replace(day=1)


def previous_month(month: date) -> date:
    """The month before ``month``."""
    return date(month.year - 1, 12, 1) if month.month == 1 else date(month.year, month.month - 1, 1)


def context(session, month: date, now: datetime | None = None) -> MonthContext:
    """What the domains compute ``month``'s figures over, taken at its end or at ``now`` if earlier."""
    start, end = month_bounds(month.year, month.month)
    taken = min(end, now or utcnow())
    return MonthContext(month=month, start=start, end=taken, year_start=year_bounds(month.year)[0],
                        members=members_as_of(taken, counted_only=True), session=session)


def usage_figures(ctx: MonthContext):
    """The members who used the handbook in the month, by any registered kind of use, counted once each."""
    sources = [source(ctx) for source in registry().usage_sources]
    if not sources:
        return []
    used = union_all(*sources).subquery()
    members = ctx.members
    query = (select(members.c.organization_id, func.count(func.distinct(members.c.member_id)))
             .join(used, used.c[used.c.keys()[0]] == members.c.member_id)
             .group_by(members.c.organization_id))
    return [("active_members", org, n) for org, n in ctx.session.execute(query)]


def own_counts(session, ctx: MonthContext) -> dict[int, dict[str, int]]:
    """Every registered count of every organization's own members: {organization id: {key: value}}."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for compute in registry().figure_sources:
        for key, org_id, value in compute(ctx):
            if org_id is not None and value:
                counts[org_id][key] = counts[org_id].get(key, 0) + int(value)
    return counts


def compute_month(session, month: date, now: datetime | None = None) -> int:
    """Compute ``month`` for the whole tree and store it in place of what was stored; the number of
    organizations. The caller commits (the old rows stay readable until then)."""
    now = now or utcnow()
    ctx = context(session, month, now)
    counts = own_counts(session, ctx)
    tree = tree_as_of(session, ctx.end)
    known = {row[0] for row in tree}
    children: dict[int | None, list[int]] = defaultdict(list)
    for org_id, _code, _name, _kind, parent_id in tree:
        children[parent_id if parent_id in known else None].append(org_id)
    totals: dict[int, dict[str, int]] = {}
    depth: dict[int, int] = {}

    def roll_up(org_id: int, level: int) -> dict[str, int]:
        depth[org_id] = level
        total = dict(counts.get(org_id, {}))
        for child in children.get(org_id, ()):
            for key, value in roll_up(child, level + 1).items():
                total[key] = total.get(key, 0) + value
        totals[org_id] = total
        return total

    for root in children[None]:
        roll_up(root, 0)
    final = now >= month_bounds(month.year, month.month)[1]
    rows = [{"month": month, "organization_id": org_id, "parent_id": parent_id if parent_id in known else None,
             "depth": depth[org_id], "code": code, "name": name, "kind": kind, "totals": totals[org_id],
             "own": counts.get(org_id, {}), "computed_at": now, "final": final}
            for org_id, code, name, kind, parent_id in tree]
    session.execute(delete(MonthlyStatistics).where(MonthlyStatistics.month == month))
    insert_rows(session, MonthlyStatistics.__table__, rows)
    return len(rows)


def _figures(row: MonthlyStatistics, depth: int, parent_name: str | None, flags) -> OrgFigures:
    """A stored row as the report reads it, with the flags its figures raise."""
    org = OrgFigures(id=row.organization_id, code=row.code, name=row.name, kind=row.kind, depth=depth,
                     parent_id=row.parent_id, parent_name=parent_name, totals=row.totals or {}, own=row.own or {})
    values = org.values(registry().figures)
    org.flags = [flag for flag in flags if flag.test(values)]
    return org


def stored_row(session, month: date, org_id: int) -> MonthlyStatistics | None:
    """An organization's stored figures for ``month``."""
    return session.execute(select(MonthlyStatistics).where(
        MonthlyStatistics.month == month, MonthlyStatistics.organization_id == org_id)).scalar_one_or_none()


def child_rows(session, month: date, org_id: int) -> list[MonthlyStatistics]:
    """The stored figures of the organizations directly below ``org_id`` in ``month``'s tree, in tree order."""
    return list(session.execute(select(MonthlyStatistics).where(
        MonthlyStatistics.month == month, MonthlyStatistics.parent_id == org_id).order_by(MonthlyStatistics.id)).scalars())


def month_report(session, month: date, org_id: int, with_levels: bool = True) -> MonthReport | None:
    """``month``'s report of the subtree of ``org_id`` as it was then, from the stored figures (None
    if the month or the organization is not stored)."""
    flags = registry().flags
    root = stored_row(session, month, org_id)
    if root is None:
        return None
    parent = stored_row(session, month, root.parent_id) if root.parent_id else None
    before = stored_row(session, previous_month(month), org_id)
    report = MonthReport(
        month=month, root=_figures(root, 0, parent.name if parent else None, flags),
        previous=_figures(before, 0, None, flags) if before else None, children=[], levels=[],
        figures=list(registry().figures), computed_at=root.computed_at, superior_name=parent.name if parent else None)
    if not with_levels:
        report.children = [_figures(row, 1, root.name, flags) for row in child_rows(session, month, org_id)]
        return report
    # The month's tree is in the stored parents: read the subtree level by level (an indexed query
    # per level, only this subtree's rows), then walk it in tree order.
    below: dict[int, list[MonthlyStatistics]] = defaultdict(list)
    names = {root.organization_id: root.name}
    frontier = [root.organization_id]
    while frontier:
        rows = session.execute(select(MonthlyStatistics).where(
            MonthlyStatistics.month == month, MonthlyStatistics.parent_id.in_(frontier))
            .order_by(MonthlyStatistics.id)).scalars().all()
        for row in rows:
            below[row.parent_id].append(row)
            names[row.organization_id] = row.name
        frontier = [row.organization_id for row in rows]
    by_kind: dict[str, list[OrgFigures]] = defaultdict(list)

    def walk(row: MonthlyStatistics, level: int) -> None:
        for child in below.get(row.organization_id, ()):
            org = _figures(child, level, names.get(child.parent_id), flags)
            if level == 1:
                report.children.append(org)
            by_kind[child.kind].append(org)
            walk(child, level + 1)

    walk(root, 1)
    # A sheet per level: the organizations of one kind, in tree order (a branch sits under a
    # grassroots committee or a sub-committee, so a level is a kind, not a depth).
    order = list(LEVEL_TITLES)
    report.levels = [(LEVEL_TITLES.get(kind, kind), orgs)
                     for kind, orgs in sorted(by_kind.items(), key=lambda item: _rank(order, item[0]))]
    return report


def _rank(order: list[str], kind: str) -> int:
    """A kind's place from the top of the tree (unknown kinds last)."""
    return order.index(kind) if kind in order else len(order)


def trend(session, org_id: int, months: list[date]) -> list[tuple[date, dict]]:
    """The stored totals of ``org_id`` for each of ``months`` that is stored, oldest first."""
    rows = session.execute(select(MonthlyStatistics.month, MonthlyStatistics.totals).where(
        MonthlyStatistics.organization_id == org_id, MonthlyStatistics.month.in_(months))
        .order_by(MonthlyStatistics.month)).all()
    return [(month, totals or {}) for month, totals in rows]
