"""The points' evidence for the yearly rating: points earned in the year and whether they reached the target."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from handbook.registry import Evidence, YearContext
from handbook.study.models import PointEntry


def evidence(target: int) -> list[Evidence]:
    """The pieces, titled with the province's yearly target."""
    return [Evidence("points_year", "Điểm tích lũy trong năm"),
            Evidence("points_reached", f"Đạt {target} điểm", kind="flag")]


def points_evidence(ctx: YearContext):
    """(member id, key, value): each rated member's points in the year and whether they reach the target."""
    target = current_app.config["POINTS_YEARLY_TARGET"]
    earned = (select(PointEntry.member_id, func.sum(PointEntry.points).label("points"))
              .where(PointEntry.created_at >= ctx.start, PointEntry.created_at < ctx.end)
              .group_by(PointEntry.member_id).subquery())
    query = (select(ctx.members.c.member_id, earned.c.points)
             .outerjoin(earned, earned.c.member_id == ctx.members.c.member_id))
    for member_id, points in ctx.session.execute(query):
        points = int(points or 0)
        yield member_id, "points_year", points
        yield member_id, "points_reached", points >= target
