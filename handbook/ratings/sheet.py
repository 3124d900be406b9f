"""The rating sheet of an organization for a year: every member rated in its subtree, one row each, with
the totals per level and the HTXSNV quota of each grassroots organization — what the Excel and PDF
files print and the secretary signs.

The rows stream from one SQL query as plain tuples (no ORM object per member), so a province of
108,600 members is written in bounded memory; the totals are GROUP BY queries.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterator

from sqlalchemy import Float, case, func, select, type_coerce
from sqlalchemy.orm import aliased

from handbook.organizations.models import PARTY_POSITIONS, Member, Organization
from handbook.ratings.models import LEVEL_ORDER, LEVELS, MemberRating, RatingRuleSet, level_short
from handbook.ratings.rules import quota_allowed, within_quota
from handbook.ratings.tree import grassroots_of
from handbook.registry import Evidence, registry
from handbook.scope import subtree_ids
from handbook.spreadsheets import NO, YES

# A row's columns around the evidence: (title, kind); kinds are "text", "number", "date", "score" and,
# for evidence, "percent" too. The files type and format cells by these kinds.
HEAD_COLUMNS = (("STT", "number"), ("Họ và tên", "text"), ("Ngày sinh", "date"), ("Chức vụ", "text"),
                ("Chi bộ", "text"))
TAIL_COLUMNS = (("Tự đánh giá", "text"), ("Điểm tự chấm", "score"), ("Chi bộ đề xuất", "text"),
                ("Điểm chi bộ", "score"), ("Cấp ủy quyết định", "text"), ("Ghi chú", "text"))
STEP_TITLES = ("Tự đánh giá", "Chi bộ đề xuất", "Cấp ủy quyết định")
NO_LEVEL = "none"  # the totals' row of ratings not (yet) at a level in that step
NO_LEVEL_LABEL = "Chưa xếp loại"
NOTE_SEPARATOR = "; "


@dataclass(frozen=True)
class SheetColumn:
    """One column of the sheet: its title, the kind of its cells, and digits after the comma (evidence)."""

    title: str
    kind: str
    decimals: int = 0


@dataclass(frozen=True)
class SheetRoot:
    """The organization the sheet is for."""

    id: int
    code: str
    name: str
    kind: str
    path: str
    parent_name: str | None


@dataclass(frozen=True)
class LevelCount:
    """How many ratings stand at one level in each step (``level`` NO_LEVEL: at none yet)."""

    level: str
    short: str
    label: str
    self_assessed: int
    proposed: int
    decided: int


@dataclass(frozen=True)
class QuotaLine:
    """The quota of one grassroots organization, over the sheet's branches: decided HTXSNV and HTTNV,
    the most HTXSNV allowed, and whether it holds. ``partial``: the grassroots organization lies above
    the sheet's root, so only the sheet's branches are counted."""

    org_id: int
    code: str
    name: str
    excellent: int
    good: int
    allowed: int
    within: bool
    partial: bool = False

    @property
    def verdict(self) -> str:
        """"Trong hạn mức" or "Vượt hạn mức"."""
        return "Trong hạn mức" if self.within else "Vượt hạn mức"


def _evidence_converter(item: Evidence):
    """How a stored evidence value becomes a cell: a number, a rate from 0 to 1, "Có"/"Không"; None for none."""
    if item.kind == "flag":
        return lambda value: None if value is None else YES if value else NO
    if item.kind == "percent":
        return lambda value: None if value is None else float(value)
    return lambda value: value


@dataclass
class RatingSheet:
    """One organization's rating sheet of a year: its root, rule set, evidence columns, totals per
    level (``levels``, NO_LEVEL last), quota per grassroots organization and number of rows;
    ``chunks`` streams the rows through ``session``."""

    session: Any
    year: int
    root: SheetRoot
    rule_set: RatingRuleSet
    evidence: list[Evidence]
    levels: list[LevelCount]
    quota: list[QuotaLine]
    rows: int

    @property
    def regulation(self) -> str:
        """The regulation the year's rules follow ("366-QĐ/TW")."""
        return self.rule_set.regulation

    @property
    def columns(self) -> list[SheetColumn]:
        """Every column of a row, in order: the member, one per registered evidence, the three steps."""
        return ([SheetColumn(title, kind) for title, kind in HEAD_COLUMNS]
                + [SheetColumn(item.label, item.kind, item.decimals) for item in self.evidence]
                + [SheetColumn(title, kind) for title, kind in TAIL_COLUMNS])

    def _statement(self):
        """The one query of the rows: ratings of the year in the subtree, with member and branch, in
        tree order (the branch's path) and then by name (the Vietnamese sort key)."""
        columns = [Member.full_name, Member.date_of_birth, Member.position, Organization.name,
                   MemberRating.self_level, type_coerce(MemberRating.self_score, Float),
                   MemberRating.proposed_level, type_coerce(MemberRating.proposed_score, Float),
                   MemberRating.decided_level, MemberRating.proposal_reason, MemberRating.decision_note]
        if self.evidence:  # the JSON is only read (and parsed) when some evidence is shown
            columns.append(MemberRating.evidence)
        return (select(*columns).select_from(MemberRating)
                .join(Member, Member.id == MemberRating.member_id)
                .join(Organization, Organization.id == MemberRating.organization_id)
                .where(*_in_subtree(self.year, self.root.path))
                .order_by(Organization.path, Member.sort_key, Member.id))

    def chunks(self, size: int = 2000) -> Iterator[list[tuple]]:
        """The rows, ``size`` at a time, as tuples in the order of ``columns``: STT, name, birth date,
        position, branch, the evidence (number, rate 0..1, "Có"/"Không", None), the self-assessed level
        (short) and score, the branch's proposal and score, the decision, and the notes joined."""
        evidence = [(item.key, _evidence_converter(item)) for item in self.evidence]
        positions = PARTY_POSITIONS
        shorts = {level: level_short(level) for level in LEVELS}
        # Core rows streamed from the session's connection: nothing per row but the tuple built here.
        # The options go with this statement: set on the connection itself (SQLAlchemy 2 changes it in
        # place), PostgreSQL would run every later statement of the session through a named cursor.
        result = self.session.execute(self._statement(),
                                      execution_options={"stream_results": True, "yield_per": size})
        number = 0
        for rows in result.partitions(size):
            chunk = []
            for row in rows:
                number += 1
                name, born, position, branch, self_level, self_score, proposed_level, proposed_score, \
                    decided_level, reason, note = row[:11]
                if evidence:
                    stored = row[11] or {}
                    values = tuple(convert(stored.get(key)) for key, convert in evidence)
                else:
                    values = ()
                notes = NOTE_SEPARATOR.join(text for text in (reason, note) if text) if reason or note else None
                chunk.append((number, name, born, positions.get(position, position), branch, *values,
                              shorts.get(self_level), self_score, shorts.get(proposed_level), proposed_score,
                              shorts.get(decided_level), notes))
            yield chunk


def _in_subtree(year: int, path: str) -> tuple:
    """The conditions of a year's ratings in the subtree at ``path``: through the ids of its
    organizations, so that both the path index and (year, organization_id) are used."""
    return MemberRating.year == year, MemberRating.organization_id.in_(subtree_ids(path))


def _root(session, org_id: int) -> SheetRoot | None:
    """The organization with its parent's name; None if there is none with ``org_id``."""
    parent = aliased(Organization)
    row = session.execute(
        select(Organization.id, Organization.code, Organization.name, Organization.kind, Organization.path,
               parent.name).outerjoin(parent, parent.id == Organization.parent_id).where(Organization.id == org_id)
    ).first()
    return SheetRoot(*row) if row is not None else None


def _levels(session, year: int, path: str) -> tuple[list[LevelCount], int]:
    """The counts per level of each step, from one GROUP BY over the three levels; and the rows."""
    grouped = session.execute(
        select(MemberRating.self_level, MemberRating.proposed_level, MemberRating.decided_level, func.count())
        .where(*_in_subtree(year, path))
        .group_by(MemberRating.self_level, MemberRating.proposed_level, MemberRating.decided_level)).all()
    counts = [defaultdict(int) for _step in STEP_TITLES]
    rows = 0
    for *levels, count in grouped:
        rows += count
        for step, level in zip(counts, levels):
            step[level if level in LEVELS else NO_LEVEL] += count
    lines = [LevelCount(level, level_short(level), LEVELS[level][1], *(step[level] for step in counts))
             for level in LEVEL_ORDER]
    lines.append(LevelCount(NO_LEVEL, "", NO_LEVEL_LABEL, *(step[NO_LEVEL] for step in counts)))
    return lines, rows


def _quota(session, year: int, root: SheetRoot, rule_set: RatingRuleSet) -> list[QuotaLine]:
    """The quota per grassroots organization: decided HTXSNV and HTTNV counted per branch in SQL,
    summed per grassroots organization here, in tree order."""
    per_branch = session.execute(
        select(MemberRating.organization_id,
               func.sum(case((MemberRating.decided_level == "excellent", 1), else_=0)),
               func.sum(case((MemberRating.decided_level == "good", 1), else_=0)))
        .where(*_in_subtree(year, root.path))
        .group_by(MemberRating.organization_id)).all()
    deciding = grassroots_of(session, [branch for branch, _excellent, _good in per_branch])
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for branch, excellent, good in per_branch:
        total = totals[deciding[branch]]
        total[0] += int(excellent or 0)
        total[1] += int(good or 0)
    organizations = session.execute(select(Organization.id, Organization.code, Organization.name, Organization.path)
                                    .where(Organization.id.in_(list(totals))).order_by(Organization.path)).all()
    lines = []
    for org_id, code, name, path in organizations:
        excellent, good = totals[org_id]
        lines.append(QuotaLine(org_id, code, name, excellent, good, quota_allowed(rule_set, good),
                               within_quota(rule_set, excellent, good), partial=not path.startswith(root.path)))
    return lines


def _rule_set(session, year: int) -> RatingRuleSet | None:
    """The year's rule set; else the one the year's ratings name."""
    rule_set = session.execute(select(RatingRuleSet).where(RatingRuleSet.year == year)).scalar_one_or_none()
    if rule_set is None:
        rule_set = session.execute(select(RatingRuleSet).join(MemberRating, MemberRating.rule_set_id == RatingRuleSet.id)
                                   .where(MemberRating.year == year).limit(1)).scalar_one_or_none()
    return rule_set


def rating_sheet(session, org_id: int, year: int) -> RatingSheet | None:
    """The rating sheet of ``org_id``'s subtree for ``year``; None if the organization does not exist
    or no rating of that year lies in its subtree."""
    root = _root(session, org_id)
    if root is None:
        return None
    levels, rows = _levels(session, year, root.path)
    if not rows:
        return None
    rule_set = _rule_set(session, year)
    quota = _quota(session, year, root, rule_set)
    return RatingSheet(session, year, root, rule_set, list(registry().evidence), levels, quota, rows)
