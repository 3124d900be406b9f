"""The use of the handbook as evidence of the yearly rating: the months in which a member used it."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, literal, select, union_all

from handbook.clock import month_bounds
from handbook.registry import Evidence, MonthContext, YearContext, registry

EVIDENCE = [Evidence("months_used", "Số tháng sử dụng sổ tay")]


def months_used(ctx: YearContext):
    """(member id, "months_used", n) for every rated member: the months of the year, up to its end or
    now, in which they used the handbook by any registered kind of use (one query for the year)."""
    per_month = []
    for month in range(1, 13):
        start, end = month_bounds(ctx.year, month)
        if start >= ctx.end:
            break
        month_ctx = MonthContext(month=date(ctx.year, month, 1), start=start, end=min(end, ctx.end), year_start=ctx.start,
                                 members=ctx.members, session=ctx.session)
        for source in registry().usage_sources:
            used = source(month_ctx).subquery()
            per_month.append(select(used.c[used.c.keys()[0]].label("member_id"), literal(month).label("month")))
    if not per_month:
        return []
    used = union_all(*per_month).subquery()
    counted = (select(used.c.member_id, func.count(func.distinct(used.c.month)).label("months"))
               .group_by(used.c.member_id).subquery())
    query = (select(ctx.members.c.member_id, counted.c.months)
             .outerjoin(counted, counted.c.member_id == ctx.members.c.member_id))
    return [(member_id, "months_used", int(months or 0)) for member_id, months in ctx.session.execute(query)]
