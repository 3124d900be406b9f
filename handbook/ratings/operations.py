"""The rating's workflow: open a year for a subtree, the member's self-assessment, the branch's
proposal, the grassroots committee's decision under the quota, and the organizations' ratings.

Each step checks who may take it on the values given before anything is written, and appends a
``RatingStep`` with what it changed. The caller commits.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, cast, func, insert, literal, or_, select

from handbook.clock import utcnow
from handbook.organizations.models import Member, Organization
from handbook.ratings.evidence import refresh_evidence, rule_set_of
from handbook.ratings.models import (LEVELS, MemberRating, OrganizationRating, RatingCondition, RatingCriterion,
                                     RatingRuleSet, RatingStep, level_short)
from handbook.ratings.rules import as_score, check_scores, level_for, organization_level, quota_allowed
from handbook.ratings.tree import grassroots_of
from handbook.scope import path_ids, path_within

# Members rated: in the party and taking part in its life (exempt members are not rated).
RATED_STATUSES = ("official", "probationary")
STAFF_WHO_DECIDE = ("admin", "committee")
STAFF_WHO_PROPOSE = ("admin", "committee", "secretary")
MAX_TEXT = 2000


class RatingRefused(Exception):
    """A step that may not be taken, with the reason in Vietnamese (shown to the user as it is)."""

    def __init__(self, message: str, errors: dict | None = None):
        super().__init__(message)
        self.message, self.errors = message, errors or {}


@dataclass(frozen=True)
class Quota:
    """The quota of one grassroots organization: decided (or about to be) HTXSNV and HTTNV, and the most HTXSNV allowed."""

    organization_id: int
    excellent: int
    good: int
    allowed: int

    @property
    def within(self) -> bool:
        """HTXSNV within the quota."""
        return self.excellent <= self.allowed


def _step(session, rating: MemberRating | None, step: str, by_id: int | None, level=None, score=None,
          org_rating: OrganizationRating | None = None, **detail) -> RatingStep:
    row = RatingStep(member_rating_id=rating.id if rating else None,
                     organization_rating_id=org_rating.id if org_rating else None,
                     step=step, level=level, score=score, detail=detail, by_id=by_id, at=utcnow())
    session.add(row)
    return row


def _changes(rating, **after) -> dict:
    """{field: [before, after]} of the fields that change, as text (scores and levels as people read them)."""
    changed = {}
    for name, value in after.items():
        before = getattr(rating, name)
        if before != value:
            changed[name] = [None if before is None else str(before), None if value is None else str(value)]
    return changed


def _clean_text(value, what: str) -> str | None:
    text = (value or "").strip()
    if len(text) > MAX_TEXT:
        raise RatingRefused(f"{what} dài quá {MAX_TEXT} ký tự.")
    return text or None


# -- opening a year ----------------------------------------------------------------------------
def open_year(session, rule_set: RatingRuleSet, org: Organization | None, now: datetime | None = None) -> int:
    """Create the year's rating of every member in the party in ``org``'s subtree (all if None) who has
    none yet, in one INSERT … SELECT, then compute their evidence; the number created."""
    now = now or utcnow()
    empty = literal("{}")
    if session.get_bind().dialect.name == "postgresql":
        empty = cast(empty, JSON)  # a text parameter is not a json value there
    source = select(literal(rule_set.year), literal(rule_set.id), Member.id, Member.organization_id, literal("open"),
                    empty, empty, literal(now), literal(1)).where(
        Member.status.in_(RATED_STATUSES),
        ~select(MemberRating.id).where(MemberRating.member_id == Member.id,
                                       MemberRating.year == rule_set.year).exists())
    if org is not None:
        source = source.where(Member.organization_id.in_(
            select(Organization.id).where(path_within(Organization.path, org.path))))
    columns = ["year", "rule_set_id", "member_id", "organization_id", "status", "evidence", "self_scores",
               "created_at", "version"]
    subtree = org.path if org is not None else None
    before = _rated_count(session, rule_set.year, subtree)
    session.execute(insert(MemberRating.__table__).from_select(columns, source))
    refresh_evidence(session, rule_set.year, subtree, now)
    # Counted, not the INSERT's rowcount: psycopg may give -1 for an INSERT … SELECT.
    return _rated_count(session, rule_set.year, subtree) - before


def _rated_count(session, year: int, org_path: str | None) -> int:
    """How many members are rated in ``year`` (within a subtree if given)."""
    query = select(func.count()).select_from(MemberRating).where(MemberRating.year == year)
    if org_path is not None:
        query = query.where(MemberRating.organization_id.in_(
            select(Organization.id).where(path_within(Organization.path, org_path))))
    return session.execute(query).scalar()


# -- the member's self-assessment ----------------------------------------------------------------
def self_assess(session, rating: MemberRating, scores: dict, comment: str | None, by_id: int | None) -> MemberRating:
    """The member scores each criterion and comments; their level follows from the rules. Refused once
    the branch has proposed, or when the year is closed."""
    rule_set = rule_set_of(session, rating.year)
    if rule_set is None or not rule_set.is_open:
        raise RatingRefused(f"Đợt đánh giá, xếp loại năm {rating.year} chưa mở hoặc đã kết thúc.")
    if rating.status not in ("open", "self"):
        raise RatingRefused("Chi bộ đã đề xuất mức xếp loại: không thể sửa bản tự đánh giá.")
    kept, total, errors = check_scores(rule_set, scores)
    if errors:
        raise RatingRefused("Điểm tự chấm chưa hợp lệ.", errors)
    comment = _clean_text(comment, "Nhận xét")
    level = level_for(rule_set, total, rating.evidence or {})
    changes = _changes(rating, self_score=total, self_level=level, self_comment=comment)
    rating.self_scores, rating.self_score, rating.self_level = kept, total, level
    rating.self_comment, rating.self_at, rating.status = comment, utcnow(), "self"
    rating.draft_level = level
    _step(session, rating, "self", by_id, level, total, scores=kept, comment=comment, changes=changes)
    return rating


# -- the branch's proposal -------------------------------------------------------------------------
@dataclass(frozen=True)
class Proposal:
    """What a secretary proposes for one rating: the level, optionally a score, and a reason."""

    rating_id: int
    level: str
    score: str | None = None
    reason: str | None = None


def propose(session, user, proposals: list[Proposal], ratings: dict[int, MemberRating]) -> int:
    """Record the branch's proposals (``ratings``: the scoped ratings by id, already fetched through the
    scope). A level unlike the member's own, or the draft's without one, needs a reason; a decided
    rating is not proposed again. Every proposal is checked before any is applied; how many changed."""
    if user.role not in STAFF_WHO_PROPOSE:
        raise RatingRefused("Chỉ chi bộ hoặc cấp ủy mới đề xuất mức xếp loại.")
    errors, planned = {}, []
    for proposal in proposals:
        rating = ratings.get(proposal.rating_id)
        if rating is None:
            raise RatingRefused("Có đảng viên không thuộc phạm vi quản lý.")
        if proposal.level not in LEVELS:
            errors[proposal.rating_id] = "Chọn một mức xếp loại."
            continue
        if rating.status == "decided":
            if proposal.level != rating.proposed_level:
                errors[proposal.rating_id] = "Cấp ủy đã quyết định: không thể đề xuất lại."
            continue
        try:
            score = as_score(proposal.score)
        except ValueError:
            errors[proposal.rating_id] = "Điểm phải là một số."
            continue
        if score is not None and not 0 <= score <= 100:
            errors[proposal.rating_id] = "Điểm từ 0 đến 100."
            continue
        try:
            reason = _clean_text(proposal.reason, "Lý do")
        except RatingRefused as exc:
            errors[proposal.rating_id] = exc.message
            continue
        reference = rating.self_level or rating.draft_level
        if reference and proposal.level != reference and not reason:
            errors[proposal.rating_id] = (f"Đề xuất khác mức {level_short(reference)} "
                                          f"{'đảng viên tự đánh giá' if rating.self_level else 'dự kiến'}: ghi rõ lý do.")
            continue
        if (proposal.level, score, reason) != (rating.proposed_level, rating.proposed_score, rating.proposal_reason):
            planned.append((rating, proposal.level, score, reason))
    if errors:
        raise RatingRefused("Chưa lưu đề xuất: có dòng chưa hợp lệ.", errors)
    now = utcnow()
    for rating, level, score, reason in planned:
        changes = _changes(rating, proposed_level=level, proposed_score=score, proposal_reason=reason)
        rating.proposed_level, rating.proposed_score, rating.proposal_reason = level, score, reason
        rating.proposed_by_id, rating.proposed_at, rating.status = user.id, now, "proposed"
        _step(session, rating, "proposal", user.id, level, score, reason=reason, changes=changes)
    return len(planned)


# -- the committee's decision --------------------------------------------------------------------
def quota_of(session, rule_set: RatingRuleSet, grassroots_id: int, pending: dict[int, str] | None = None) -> Quota:
    """The quota of a grassroots organization from its decided levels, with ``pending`` decisions
    (rating id -> level) counted in place of what is stored."""
    grassroots = session.get(Organization, grassroots_id)
    rows = session.execute(select(MemberRating.id, MemberRating.decided_level).where(
        MemberRating.year == rule_set.year,
        MemberRating.organization_id.in_(select(Organization.id).where(path_within(Organization.path, grassroots.path)))
    )).all()
    levels = {rating_id: level for rating_id, level in rows}
    levels.update(pending or {})
    counted = Counter(levels.values())
    return Quota(grassroots_id, counted["excellent"], counted["good"], quota_allowed(rule_set, counted["good"]))


def decide(session, user, scope, grassroots: Organization, decisions: dict[int, tuple[str, str | None]]) -> int:
    """The grassroots committee decides levels (rating id -> (level, note)) for ratings of its subtree.
    Refused to anyone but a committee (or the admin) whose scope holds the grassroots organization, for
    a rating outside it, and when HTXSNV would pass the quota: nothing is written then. How many changed."""
    if user.role not in STAFF_WHO_DECIDE:
        raise RatingRefused("Chỉ cấp ủy cơ sở quyết định xếp loại; chi bộ chỉ đề xuất.")
    if not scope.allows_org(grassroots):
        raise RatingRefused("Tổ chức không thuộc phạm vi quản lý.")
    ratings = {rating.id: rating for rating in session.execute(select(MemberRating).where(
        MemberRating.id.in_(list(decisions)),
        MemberRating.organization_id.in_(select(Organization.id).where(path_within(Organization.path, grassroots.path)))
    )).scalars()}
    if len(ratings) != len(decisions):
        raise RatingRefused("Có đảng viên không thuộc tổ chức cơ sở đảng này.")
    years = {rating.year for rating in ratings.values()}
    if len(years) > 1:
        raise RatingRefused("Mỗi lần chỉ quyết định xếp loại của một năm.")
    errors, planned = {}, []
    for rating_id, (level, note) in decisions.items():
        rating = ratings[rating_id]
        if level not in LEVELS:
            errors[rating_id] = "Chọn một mức xếp loại."
            continue
        if rating.proposed_level is None:
            errors[rating_id] = "Chi bộ chưa đề xuất."
            continue
        try:
            note = _clean_text(note, "Ghi chú")
        except RatingRefused as exc:
            errors[rating_id] = exc.message
            continue
        if level != rating.proposed_level and not note:
            errors[rating_id] = f"Quyết định khác đề xuất {level_short(rating.proposed_level)} của chi bộ: ghi rõ lý do."
            continue
        if (level, note) != (rating.decided_level, rating.decision_note):
            planned.append((rating, level, note))
    if errors:
        raise RatingRefused("Chưa lưu quyết định: có dòng chưa hợp lệ.", errors)
    if not planned:
        return 0
    year = years.pop()
    rule_set = rule_set_of(session, year)
    quota = quota_of(session, rule_set, grassroots.id, {rating.id: level for rating, level, _ in planned})
    if not quota.within:
        raise RatingRefused(
            f"Vượt hạn mức: {quota.excellent} đảng viên HTXSNV, trong khi {quota.good} đảng viên HTTNV chỉ cho phép "
            f"tối đa {quota.allowed} (không quá {rule_set.quota_percent.normalize():f}% số HTTNV). Chưa lưu quyết định nào.")
    now = utcnow()
    for rating, level, note in planned:
        changes = _changes(rating, decided_level=level, decision_note=note)
        rating.decided_level, rating.decision_note = level, note
        rating.decided_by_id, rating.decided_at, rating.status = user.id, now, "decided"
        _step(session, rating, "decision", user.id, level, rating.proposed_score, note=note, changes=changes)
    session.flush()
    count_organizations(session, rule_set, [grassroots])
    return len(planned)


# -- organizations ---------------------------------------------------------------------------------
def count_organizations(session, rule_set: RatingRuleSet, roots: list[Organization],
                        now: datetime | None = None) -> list[OrganizationRating]:
    """Count the decided levels of the year's ratings for every organization in the roots' subtrees and
    above them up to the top, and store each one's counts and draft level. One GROUP BY per branch
    over the year's ratings; organizations without rated members get no row."""
    now = now or utcnow()
    within = or_(*(path_within(Organization.path, root.path) for root in roots))
    targets = dict(session.execute(select(Organization.path, Organization.id).where(within)).all())
    above = {ancestor for root in roots for ancestor in path_ids(root.path)}
    targets.update(session.execute(select(Organization.path, Organization.id).where(Organization.id.in_(above))).all())
    counts: dict[int, Counter] = {org_id: Counter() for org_id in targets.values()}
    per_branch = session.execute(
        select(Organization.path, MemberRating.decided_level, func.count())
        .join(Organization, Organization.id == MemberRating.organization_id)
        .where(MemberRating.year == rule_set.year)
        .group_by(Organization.path, MemberRating.decided_level))
    for path, level, n in per_branch:
        for prefix in _path_prefixes(path):
            org_id = targets.get(prefix)
            if org_id is None:
                continue
            counts[org_id]["rated"] += n
            if level:
                counts[org_id][level] += n
    existing = {row.organization_id: row for row in session.execute(select(OrganizationRating).where(
        OrganizationRating.year == rule_set.year, OrganizationRating.organization_id.in_(list(counts)))).scalars()}
    stored = []
    for org_id, counted in counts.items():
        if not counted["rated"]:
            continue
        row = existing.get(org_id)
        if row is None:
            row = OrganizationRating(year=rule_set.year, rule_set_id=rule_set.id, organization_id=org_id)
            session.add(row)
        row.counts, row.counted_at = dict(counted), now
        row.draft_level = organization_level(rule_set, counted)
        stored.append(row)
    session.flush()
    return stored


def _path_prefixes(path: str) -> list[str]:
    """The paths of an organization and of every organization above it ('/1/2/' -> ['/1/', '/1/2/'])."""
    parts = [part for part in path.strip("/").split("/") if part]
    return ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]


def decides_organization(user, scope, org: Organization) -> bool:
    """May ``user`` decide ``org``'s rating: a committee (or the admin) strictly above it, never its own staff."""
    if user.role not in STAFF_WHO_DECIDE:
        return False
    return scope.sees_all or (scope.org_path is not None and org.path != scope.org_path and org.is_within(scope.org_path))


def decide_organization(session, user, scope, org_rating: OrganizationRating, level: str, note: str | None) -> None:
    """The committee above an organization decides its level; never the organization's own staff."""
    if user.role not in STAFF_WHO_DECIDE:
        raise RatingRefused("Chỉ cấp ủy cấp trên quyết định xếp loại tổ chức đảng.")
    if not decides_organization(user, scope, org_rating.organization):
        raise RatingRefused("Chỉ cấp ủy cấp trên quyết định xếp loại tổ chức này.")
    if level not in LEVELS:
        raise RatingRefused("Chọn một mức xếp loại.")
    note = _clean_text(note, "Ghi chú")
    if org_rating.draft_level and level != org_rating.draft_level and not note:
        raise RatingRefused(f"Quyết định khác mức dự kiến {level_short(org_rating.draft_level)}: ghi rõ lý do.")
    changes = _changes(org_rating, decided_level=level, decision_note=note)
    org_rating.decided_level, org_rating.decision_note = level, note
    org_rating.decided_by_id, org_rating.decided_at = user.id, utcnow()
    _step(session, None, "decision", user.id, level, org_rating=org_rating, note=note, changes=changes)


def grassroots_for(session, org: Organization) -> Organization:
    """The grassroots organization deciding for ``org`` (itself if it is one)."""
    return session.get(Organization, grassroots_of(session, [org.id])[org.id])


def copy_rule_set(session, source: RatingRuleSet, year: int) -> RatingRuleSet:
    """A new year's rules as a copy of ``source`` (criteria and conditions included), closed until opened."""
    if session.execute(select(RatingRuleSet.id).where(RatingRuleSet.year == year)).first() is not None:
        raise RatingRefused(f"Năm {year} đã có bộ tiêu chí.")
    copy = RatingRuleSet(year=year, name=source.name.replace(str(source.year), str(year)), regulation=source.regulation,
                         excellent_min=source.excellent_min, good_min=source.good_min, pass_min=source.pass_min,
                         quota_percent=source.quota_percent, is_open=False, note=source.note)
    copy.criteria = [RatingCriterion(group=c.group, code=c.code, title=c.title, max_score=c.max_score,
                                     position=c.position) for c in source.criteria]
    copy.conditions = [RatingCondition(subject=c.subject, level=c.level, key=c.key, operator=c.operator,
                                       value=c.value, note=c.note) for c in source.conditions]
    session.add(copy)
    session.flush()
    return copy
