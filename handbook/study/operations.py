"""Awarding points and adding them up; the ledger is only ever appended to."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text

from handbook.clock import day_start, utcnow, year_bounds
from handbook.extensions import dialect_insert
from handbook.study.models import PointEntry, PointRule

# Defaults while no PointRule row says otherwise (DESIGN §5: a daily cap per source stops click-farming).
DEFAULT_DAILY_CAPS = {"read": 30, "quiz": 50, "meeting": None, "manual": None}


def daily_cap(session, source: str) -> int | None:
    """The most points one member may earn from ``source`` in a day (None: no cap)."""
    rule = session.execute(select(PointRule.daily_cap, PointRule.id).where(PointRule.source == source)).first()
    if rule is not None:
        return rule.daily_cap
    return DEFAULT_DAILY_CAPS.get(source)


def earned_today(session, member_id: int, source: str, now: datetime | None = None) -> int:
    """Points ``member_id`` earned from ``source`` since the start of today (Vietnam time)."""
    now = now or utcnow()
    return session.execute(
        select(func.coalesce(func.sum(PointEntry.points), 0)).where(
            PointEntry.member_id == member_id,
            PointEntry.source == source,
            PointEntry.created_at >= day_start(now),
        )
    ).scalar_one()


AWARD_LOCK_CLASS = 7401  # first key of PostgreSQL advisory locks on a member's awards


def _lock_member_awards(session, member_id: int) -> None:
    """Hold, until this transaction ends, the right to award capped points to ``member_id``."""
    if session.get_bind().dialect.name == "postgresql":
        # READ COMMITTED would let two transactions each read the day's total before either inserts.
        session.execute(text("SELECT pg_advisory_xact_lock(:cls, :key)"),
                        {"cls": AWARD_LOCK_CLASS, "key": member_id & 0x7FFFFFFF})
    else:
        # SQLite: a write statement takes the database's write lock until commit, so the day's total
        # read after it includes every committed award and no other award can commit in between.
        session.execute(text("UPDATE point_rule SET id = id WHERE 0 = 1"))


def award_points(session, member_id: int, source: str, reference: str, points: int,
                 now: datetime | None = None) -> int:
    """Award ``points`` once per (member, source, reference); return the points awarded (0 if none).

    The insert relies on the unique constraint (ON CONFLICT DO NOTHING), so concurrent clicks
    award once. The daily cap trims an award to what is left of the day's allowance; the member's
    capped awards are serialized (``_lock_member_awards``) so that simultaneous awards for different
    references cannot both pass it.
    """
    if points <= 0:
        return 0
    now = now or utcnow()
    cap = daily_cap(session, source)
    if cap is not None:
        _lock_member_awards(session, member_id)
        points = min(points, cap - earned_today(session, member_id, source, now))
        if points <= 0:
            return 0
    stmt = dialect_insert(session)(PointEntry).values(
        member_id=member_id, source=source, reference=reference[:120], points=points, created_at=now
    ).on_conflict_do_nothing(index_elements=["member_id", "source", "reference"]).returning(PointEntry.id)
    inserted = session.execute(stmt).scalar_one_or_none()
    return points if inserted is not None else 0


def member_total(session, member_id: int) -> int:
    """A member's points: the sum of their ledger."""
    return session.execute(
        select(func.coalesce(func.sum(PointEntry.points), 0)).where(PointEntry.member_id == member_id)
    ).scalar_one()


def member_year_total(session, member_id: int, year: int) -> int:
    """A member's points earned in ``year`` (Vietnam time): the province's target is yearly."""
    start, end = year_bounds(year)
    return session.execute(
        select(func.coalesce(func.sum(PointEntry.points), 0)).where(
            PointEntry.member_id == member_id, PointEntry.created_at >= start, PointEntry.created_at < end
        )
    ).scalar_one()


def has_award(session, member_id: int, source: str, reference: str) -> bool:
    """Has ``member_id`` already been awarded for (source, reference)?"""
    return session.execute(
        select(PointEntry.id).where(
            PointEntry.member_id == member_id, PointEntry.source == source, PointEntry.reference == reference
        )
    ).first() is not None
