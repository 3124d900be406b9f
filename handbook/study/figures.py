"""The points' monthly figures: points earned in the month and this year, and the yearly target."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import Integer, func, select

from handbook.registry import Figure, MonthContext
from handbook.study.models import PointEntry

GROUP = "Điểm tích lũy"


def figures(target: int) -> list[Figure]:
    """The figures, titled with the province's yearly target."""
    return [
        Figure("points_month", "Điểm tích lũy trong tháng", GROUP),
        Figure("points_year", "Điểm tích lũy từ đầu năm", GROUP),
        Figure("points_average", "Điểm bình quân mỗi đảng viên (năm)", GROUP, ratio=("points_year", "members"),
               decimals=1, headline=True),
        Figure("members_on_target", f"Đảng viên đạt từ {target} điểm", GROUP),
        Figure("on_target_rate", f"Tỷ lệ đạt {target} điểm", GROUP, ratio=("members_on_target", "members"),
               percent=True, headline=True),
    ]


def monthly_figures(ctx: MonthContext):
    """(key, organization id, value): points earned in the month and since the year began, and the
    members whose points this year reached the target by the month's end."""
    members = ctx.members
    target = current_app.config["POINTS_YEARLY_TARGET"]
    in_month = func.sum(PointEntry.points).filter(PointEntry.created_at >= ctx.start)
    per_member = (select(members.c.member_id, members.c.organization_id,
                         func.sum(PointEntry.points).label("year"), in_month.label("month"))
                  .join(PointEntry, PointEntry.member_id == members.c.member_id)
                  .where(PointEntry.created_at >= ctx.year_start, PointEntry.created_at < ctx.end)
                  .group_by(members.c.member_id, members.c.organization_id).subquery())
    reached = func.sum((per_member.c.year >= target).cast(Integer))
    query = (select(per_member.c.organization_id, func.sum(per_member.c.month), func.sum(per_member.c.year), reached)
             .group_by(per_member.c.organization_id))
    for org_id, month, year, on_target in ctx.session.execute(query):
        yield "points_month", org_id, month or 0
        yield "points_year", org_id, year or 0
        yield "members_on_target", org_id, on_target or 0
