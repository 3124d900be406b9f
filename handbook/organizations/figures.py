"""The tree's monthly figures: the members each organization counted at the month's end, by status."""
from __future__ import annotations

from sqlalchemy import func, select

from handbook.organizations.models import MEMBER_STATUSES
from handbook.organizations.queries import COUNTED_STATUSES
from handbook.registry import Figure, MonthContext

GROUP = "Đảng viên"
FIGURES = [Figure("members", "Tổng số đảng viên", GROUP, headline=True)] + [
    Figure(f"status_{status}", MEMBER_STATUSES[status], GROUP) for status in COUNTED_STATUSES
]


def monthly_figures(ctx: MonthContext):
    """(key, organization id, count) of the members by status, where and as what they were then."""
    members = ctx.members
    query = (select(members.c.organization_id, members.c.status, func.count())
             .group_by(members.c.organization_id, members.c.status))
    for org_id, status, count in ctx.session.execute(query):
        yield "members", org_id, count
        yield f"status_{status}", org_id, count
