"""The evidence of the yearly rating: every registered piece, computed set-based for a subtree at once
and kept on the ratings with the draft level it gives."""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import selectinload

from handbook.clock import utcnow, year_bounds
from handbook.organizations.models import Organization
from handbook.ratings.models import MemberRating, RatingRuleSet
from handbook.ratings.rules import level_for
from handbook.registry import YearContext, registry
from handbook.scope import path_within

# Ratings updated per executemany: the province's 108,600 go in a few dozen round trips.
UPDATE_BATCH = 5000


def rated_members(year: int, org_path: str | None = None):
    """A subquery of the members rated in ``year`` (member_id, organization_id), within a subtree if given."""
    query = select(MemberRating.member_id, MemberRating.organization_id).where(MemberRating.year == year)
    if org_path is not None:
        query = query.where(MemberRating.organization_id.in_(
            select(Organization.id).where(path_within(Organization.path, org_path))))
    return query.subquery()


def year_context(session, year: int, org_path: str | None = None, now: datetime | None = None) -> YearContext:
    """What the domains compute ``year``'s evidence over, taken at its end or at ``now`` if earlier."""
    start, end = year_bounds(year)
    return YearContext(year=year, start=start, end=min(end, now or utcnow()),
                       members=rated_members(year, org_path), session=session)


def gather(ctx: YearContext) -> dict[int, dict]:
    """Every registered piece of evidence of the rated members: {member id: {key: value}}."""
    values: dict[int, dict] = defaultdict(dict)
    for compute in registry().evidence_sources:
        for member_id, key, value in compute(ctx):
            if value is not None:
                values[member_id][key] = value
    return values


def rule_set_of(session, year: int) -> RatingRuleSet | None:
    """The rules of ``year`` with their criteria and conditions loaded."""
    return session.execute(select(RatingRuleSet).where(RatingRuleSet.year == year).options(
        selectinload(RatingRuleSet.criteria), selectinload(RatingRuleSet.conditions))).scalar_one_or_none()


def refresh_evidence(session, year: int, org_path: str | None = None, now: datetime | None = None) -> int:
    """Compute the evidence of ``year``'s ratings in a subtree (all by default), store it with the draft
    level it gives; the number of ratings. The caller commits."""
    rule_set = rule_set_of(session, year)
    if rule_set is None:
        return 0
    now = now or utcnow()
    ctx = year_context(session, year, org_path, now)
    values = gather(ctx)
    ratings = session.execute(select(MemberRating.id, MemberRating.member_id, MemberRating.proposed_score,
                                     MemberRating.self_score)
                              .where(MemberRating.member_id.in_(select(ctx.members.c.member_id)),
                                     MemberRating.year == year)).all()
    table = MemberRating.__table__
    statement = (update(table).where(table.c.id == bindparam("rating_id"))
                 .values(evidence=bindparam("evidence"), draft_level=bindparam("draft"), evidence_at=now))
    # A level depends only on the score and the evidence the conditions name: a province has few
    # distinct pairs, so each is worked out once.
    named = sorted({condition.key for condition in rule_set.conditions if condition.subject == "member"})
    levels: dict[tuple, str] = {}
    rows = []
    for rating_id, member_id, proposed_score, self_score in ratings:
        evidence = values.get(member_id, {})
        score = proposed_score if proposed_score is not None else self_score
        key = (score, *(evidence.get(name) for name in named))
        draft = levels.get(key)
        if draft is None:
            draft = levels[key] = level_for(rule_set, score, evidence)
        rows.append({"rating_id": rating_id, "evidence": evidence, "draft": draft})
        if len(rows) == UPDATE_BATCH:
            session.execute(statement, rows)
            rows = []
    if rows:
        session.execute(statement, rows)
    # The bulk UPDATE bypassed the identity map: loaded ratings must read the new evidence.
    session.expire_all()
    return len(ratings)
