"""Awarding points and adding them up; the ledger is only ever appended to."""
from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Date, DateTime, bindparam, func, select, text

from handbook.clock import day_start, local_today, utcnow, year_bounds
from handbook.extensions import dialect_insert
from handbook.organizations.models import Member
from handbook.scope import Scope, path_ids, scoped
from handbook.study.models import LeaderboardSetting, PointEntry, PointRule, StudyTopic, TopicRead

# Defaults while no PointRule row says otherwise (DESIGN §5: a daily cap per source stops click-farming).
DEFAULT_DAILY_CAPS = {"read": 30, "quiz": 50, "meeting": None, "topic": 20, "manual": None, "correction": None}


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


# -- manual awards and corrections -----------------------------------------------------------------
class LedgerError(ValueError):
    """A manual award or correction that cannot be made; the message is for the person who asked."""


MANUAL_POINTS_RANGE = (1, 50)  # one manual award: at least 1, at most 50 points
REASON_RANGE = (5, 500)  # a reason a reader can understand later


def _clean_reason(reason: str | None) -> str:
    """The reason, trimmed, or a LedgerError saying what is wrong with it."""
    reason = " ".join((reason or "").split())
    if len(reason) < REASON_RANGE[0]:
        raise LedgerError(f"Hãy ghi lý do (ít nhất {REASON_RANGE[0]} ký tự).")
    if len(reason) > REASON_RANGE[1]:
        raise LedgerError(f"Lý do dài quá {REASON_RANGE[1]} ký tự.")
    return reason


def manual_award(session, member_id: int, points: int, reason: str, by_user_id: int | None,
                 now: datetime | None = None) -> PointEntry:
    """Award ``points`` to a member by a committee's decision, with its reason: a new ledger entry.

    The caller has checked that the member is in the user's scope. The reference is unique per award,
    so two awards for the same reason are two entries (a double click is stopped by the form's token)."""
    if not isinstance(points, int) or not MANUAL_POINTS_RANGE[0] <= points <= MANUAL_POINTS_RANGE[1]:
        raise LedgerError(f"Số điểm cộng phải từ {MANUAL_POINTS_RANGE[0]} đến {MANUAL_POINTS_RANGE[1]}.")
    entry = PointEntry(member_id=member_id, source="manual", reference=f"manual:{secrets.token_hex(8)}",
                       points=points, note=_clean_reason(reason), created_by_id=by_user_id,
                       created_at=now or utcnow())
    session.add(entry)
    session.flush()
    return entry


def correct_entry(session, entry: PointEntry, reason: str, by_user_id: int | None, points: int | None = None,
                  now: datetime | None = None) -> PointEntry:
    """Correct a ledger entry by a new one of opposite sign (never by editing it): by default the whole
    entry is taken back; ``points`` takes back only part of it. An entry is corrected once, and a
    correction is not itself corrected (award again instead)."""
    if entry.source == "correction":
        raise LedgerError("Không điều chỉnh một mục điều chỉnh; hãy cộng điểm lại nếu cần.")
    amount = entry.points if points is None else points
    if not isinstance(amount, int) or not 1 <= amount <= entry.points:
        raise LedgerError(f"Số điểm trừ lại phải từ 1 đến {entry.points}.")
    stmt = dialect_insert(session)(PointEntry).values(
        member_id=entry.member_id, source="correction", reference=f"correction:{entry.id}", points=-amount,
        note=_clean_reason(reason), created_by_id=by_user_id, created_at=now or utcnow(),
    ).on_conflict_do_nothing(index_elements=["member_id", "source", "reference"]).returning(PointEntry.id)
    new_id = session.execute(stmt).scalar_one_or_none()
    if new_id is None:
        raise LedgerError("Mục này đã được điều chỉnh.")
    return session.get(PointEntry, new_id)


# -- what a member sees of their points ----------------------------------------------------------
def points_by_source(session, member_id: int, year: int) -> dict[str, int]:
    """A member's points earned in ``year`` per source (corrections as their own negative source)."""
    start, end = year_bounds(year)
    rows = session.execute(
        select(PointEntry.source, func.sum(PointEntry.points))
        .where(PointEntry.member_id == member_id, PointEntry.created_at >= start, PointEntry.created_at < end)
        .group_by(PointEntry.source)
    )
    return {source: int(points or 0) for source, points in rows}


def recent_entries(session, member_id: int, limit: int = 20) -> list[PointEntry]:
    """A member's newest ledger entries."""
    return list(session.execute(
        select(PointEntry).where(PointEntry.member_id == member_id)
        .order_by(PointEntry.created_at.desc(), PointEntry.id.desc()).limit(limit)
    ).scalars())


# -- leaderboards ------------------------------------------------------------------------------
IN_PARTY = ("official", "probationary", "exempt")


@dataclass(frozen=True)
class Standing:
    """A member's place on their branch's leaderboard."""

    rank: int
    member_id: int
    full_name: str
    points: int


@dataclass(frozen=True)
class Board:
    """How a branch's leaderboard is shown: "shown", "hidden" or "frozen" (at ``frozen_at``)."""

    mode: str
    frozen_at: datetime | None = None
    organization_id: int | None = None  # the organization whose setting decided


def board_setting(session, branch_path: str) -> Board:
    """The leaderboard setting in force for the branch at ``branch_path``: the nearest organization on the
    path (the branch itself first, then up to the root) that has one decides; none: shown."""
    ids = path_ids(branch_path)
    rows = {row.organization_id: row for row in session.execute(
        select(LeaderboardSetting).where(LeaderboardSetting.organization_id.in_(ids))).scalars()}
    for org_id in reversed(ids):
        row = rows.get(org_id)
        if row is not None:
            return Board(row.mode, row.frozen_at if row.mode == "frozen" else None, org_id)
    return Board("shown")


@functools.cache
def _board_statement():
    """The leaderboard's SELECT, built once: composing it took twice as long as running it."""
    earned = (select(PointEntry.member_id, func.sum(PointEntry.points).label("points"),
                     func.max(PointEntry.created_at).label("reached_at"))
              .join(Member, Member.id == PointEntry.member_id)
              .where(Member.organization_id == bindparam("branch"),
                     PointEntry.created_at >= bindparam("start", type_=DateTime),
                     PointEntry.created_at < bindparam("end", type_=DateTime))
              .group_by(PointEntry.member_id).subquery())
    points = func.coalesce(earned.c.points, 0)
    # The moment each total was reached orders the rows and is not read back (a parsed time per member
    # would cost as much again on SQLite).
    return (select(Member.id, Member.full_name, points)
            .outerjoin(earned, earned.c.member_id == Member.id)
            .where(Member.organization_id == bindparam("branch"), Member.status.in_(IN_PARTY))
            .order_by(points.desc(), earned.c.reached_at.asc().nulls_last(), Member.sort_key, Member.id))


def branch_leaderboard(session, branch_id: int, year: int, until: datetime | None = None) -> list[Standing]:
    """The members of a branch in the party, ranked by their points earned in ``year`` (up to ``until``
    for a frozen board).

    Ties break as in CTFd's standings: with equal points, whoever reached that total first (the time
    of their last counted entry) ranks higher; members still at equal time, or with no points at all,
    follow in Vietnamese alphabetical order of their names (the member's sort key), then by id.
    Every member has their own rank: no two share one."""
    start, end = year_bounds(year)
    if until is not None:
        end = min(end, until)
    rows = session.execute(_board_statement(), {"branch": branch_id, "start": start, "end": end}).all()
    return [Standing(rank, member_id, name, int(total)) for rank, (member_id, name, total) in enumerate(rows, start=1)]


# -- the monthly topic -----------------------------------------------------------------------------
TOPIC_SOURCE = "topic"


def study_topic(session, member_id: int, topic: StudyTopic, now: datetime | None = None) -> tuple[bool, int]:
    """Record that a member studied ``topic`` (the first time is kept) and award its points once;
    return (newly recorded, points awarded)."""
    now = now or utcnow()
    stmt = dialect_insert(session)(TopicRead).values(member_id=member_id, topic_id=topic.id, read_at=now)
    new = session.execute(stmt.on_conflict_do_nothing(index_elements=["member_id", "topic_id"])
                          .returning(TopicRead.id)).scalar_one_or_none() is not None
    awarded = award_points(session, member_id, TOPIC_SOURCE, f"topic:{topic.id}", topic.points, now) if topic.points else 0
    return new, awarded


def topics_query(scope, now: datetime | None = None):
    """Published topics ``scope`` (a reading scope) may read, newest month first."""
    return (scoped(select(StudyTopic), StudyTopic, scope).where(StudyTopic.visible_now(now))
            .order_by(StudyTopic.month.desc(), StudyTopic.published_at.desc(), StudyTopic.id.desc()))


def reading_key(scope: Scope) -> Scope:
    """What the audience rule reads of a reading scope (role, organizations, reading): the members of one
    branch share it, so a statement scoped by it is built once per branch and process, not per request."""
    return replace(scope, user_id=None, member_id=None)


@functools.lru_cache(maxsize=4096)
def _current_topic_statement(key: Scope):
    """The study home's topic SELECT for readers of ``key``, scoped by the one rule; time and month bound
    at run time. Composing it cost more than running it."""
    return (scoped(select(StudyTopic), StudyTopic, key)
            .where(StudyTopic.status == "published", StudyTopic.published_at <= bindparam("now", type_=DateTime),
                   StudyTopic.month <= bindparam("month", type_=Date))
            .order_by(StudyTopic.month.desc(), StudyTopic.published_at.desc(), StudyTopic.id.desc()).limit(1))


def current_topic(session, scope, now: datetime | None = None) -> StudyTopic | None:
    """The topic of the month for a reader: the newest published topic for this month or before (the
    nearest organization's first when several publish for the same month)."""
    params = {"now": now or utcnow(), "month": local_today().replace(day=1)}
    return session.execute(_current_topic_statement(reading_key(scope)), params).scalar_one_or_none()
