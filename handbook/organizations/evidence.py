"""The members' evidence for the yearly rating: a party discipline decided in the year."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from handbook.clock import local_now
from handbook.organizations.models import Discipline
from handbook.registry import Evidence, YearContext

EVIDENCE = [Evidence("disciplined", "Bị kỷ luật trong năm", kind="flag")]


def discipline_evidence(ctx: YearContext):
    """(member id, "disciplined", flag) for every rated member: disciplined or not in the year (Vietnam's dates)."""
    first = date(ctx.year, 1, 1)
    last = min(date(ctx.year, 12, 31), (local_now(ctx.end) - timedelta(microseconds=1)).date())
    disciplined = set(ctx.session.execute(select(Discipline.member_id).where(
        Discipline.member_id.in_(select(ctx.members.c.member_id)),
        Discipline.decided_on >= first, Discipline.decided_on <= last)).scalars())
    for member_id in ctx.session.execute(select(ctx.members.c.member_id)).scalars():
        yield member_id, "disciplined", member_id in disciplined
