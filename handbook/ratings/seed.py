"""The yearly rating in the data sets: a completed cycle of a past year (every rated member assessed
by themselves, proposed by their branch and decided by their grassroots committee under the quota,
each step recorded; the organizations counted and decided by the committee above) and, in the demo,
the current year opened and under way.

Each member's steps are drawn in Python as a small tuple, with the levels the rules give
(``level_for`` on the score and the evidence, as ``self_assess`` computes them) and the quota held
per grassroots organization in one pass; a past year's ratings are then inserted once, complete
(``insert_rows`` in batches), and their steps built from them in three INSERT … SELECT. The
province's ~100,000 ratings and ~300,000 steps take about 20 s on SQLite, 35 s on PostgreSQL.
"""
from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import String, bindparam, case, cast, func, insert, literal_column, null, select, update

from handbook.auth.models import User
from handbook.bulk import CHUNK, insert_rows
from handbook.clock import LOCAL_OFFSET, local_today, utcnow, year_bounds
from handbook.organizations.models import Member, Organization
from handbook.ratings.evidence import gather, rule_set_of
from handbook.ratings.models import MemberRating, OrganizationRating, RatingRuleSet, RatingStep, level_short
from handbook.ratings.operations import RATED_STATUSES, copy_rule_set, count_organizations, open_year
from handbook.ratings.rules import format_score, level_for, quota_allowed, unmet_conditions
from handbook.ratings.tree import grassroots_of
from handbook.registry import YearContext
from handbook.scope import path_ids

# The year of the rule set the migration writes (Quy định 366-QĐ/TW): the demo's completed cycle.
# What members give themselves: (level aimed at, share of members, lowest and highest total score).
SELF_SPREAD = (("excellent", 0.14, 90, 98), ("good", 0.775, 72, 89.5), ("pass", 0.08, 52, 69.5),
               ("fail", 0.005, 38, 49))
# How far one criterion's score strays from the member's overall level (a share of its maximum).
CRITERION_NOISE = 0.08
COMMENT_SHARE = 0.3  # members who add a comment to their scores
COMMENTS = (
    "Hoàn thành tốt nhiệm vụ chuyên môn; tham gia đầy đủ sinh hoạt chi bộ.",
    "Chấp hành nghiêm chủ trương của Đảng, pháp luật của Nhà nước; gương mẫu nơi cư trú.",
    "Còn hạn chế trong việc nghiên cứu, học tập nghị quyết; năm tới sẽ khắc phục.",
    "Đóng đảng phí đầy đủ, đúng hạn; hoàn thành nhiệm vụ chi bộ phân công.",
    "Tích cực tham gia các phong trào thi đua của địa phương, đơn vị.",
)
# Branches that see a member otherwise than the member did: (from, to, share of the members at ``from``, reason).
REVISIONS = (
    ("excellent", "good", 0.05, "Hoàn thành tốt nhiệm vụ nhưng chưa có thành tích nổi bật để đề nghị HTXSNV."),
    ("good", "pass", 0.02, "Chưa hoàn thành đúng hạn nhiệm vụ chi bộ phân công trong quý IV."),
    ("good", "pass", 0.01, "Tham gia sinh hoạt chi bộ chưa đầy đủ (vắng 3 buổi không có lý do)."),
    ("pass", "good", 0.1, "Đã khắc phục khuyết điểm được chỉ ra năm trước; hoàn thành tốt nhiệm vụ được giao."),
)
# Evidence the handbook collects only from its first year of use: over a year before it, a branch
# proposes on the score and says so (a discipline, by contrast, always keeps a member down).
WAIVED_KEYS = frozenset({"points_reached"})
# Shares of the demo's current year: members who assessed themselves, branches that proposed.
CURRENT_SELF_SHARE = 1 / 3
CURRENT_PROPOSED_BRANCHES = 2


@dataclass(frozen=True)
class Windows:
    """When a cycle's steps are taken (UTC, naive): self-assessments in [opened, proposals), one branch
    meeting per branch in [proposals, decisions), one committee meeting per grassroots organization in
    [decisions, organizations), the organizations' decisions in [organizations, end)."""

    opened: datetime
    proposals: datetime
    decisions: datetime
    organizations: datetime
    end: datetime

    @classmethod
    def december(cls, year: int) -> Windows:
        """A cycle run in December of ``year``, as the regulation has it, in Vietnam's days."""
        def local(day):
            return datetime(year, 12, day) - LOCAL_OFFSET
        return cls(local(1), local(11), local(19), local(29), local(31))


def _working_time(rng: random.Random, low: datetime, high: datetime, first: int, last: int) -> datetime:
    """A whole second of [low, high) between ``first`` and ``last`` o'clock in Vietnam (a meeting, an
    evening at home): on a day of the window, kept inside it."""
    day = (low + LOCAL_OFFSET).replace(hour=0, minute=0, second=0, microsecond=0) - LOCAL_OFFSET
    days = max(1, -(-(high - day) // timedelta(days=1)))
    seconds = int((first + rng.random() * (last - first)) * 3600)
    moment = day + timedelta(days=int(rng.random() * days), seconds=seconds)
    return min(max(moment, low.replace(microsecond=0)), high - timedelta(seconds=1))


def _half(halves: int) -> str:
    """A score counted in half points as stored text ("92.50"), as ``check_scores`` keeps it."""
    return f"{halves / 2:.2f}"


def _score(halves: int | None) -> Decimal | None:
    """A score counted in half points as a Decimal (92.5); None for none."""
    return None if halves is None else Decimal(halves) / 2


class _Cycle:
    """Draws one year's steps for a set of ratings and writes them."""

    def __init__(self, session, rule_set: RatingRuleSet, rng: random.Random, windows: Windows, waive: bool):
        self.session, self.rule_set, self.rng, self.windows, self.waive = session, rule_set, rng, windows, waive
        self.criteria = [(c.code, int(Decimal(c.max_score) * 2)) for c in rule_set.criteria]
        self.keys = sorted({c.key for c in rule_set.conditions if c.subject == "member"})
        self.levels: dict[tuple, str] = {}
        self.paths = dict(session.execute(select(Organization.id, Organization.path)).all())
        self.secretaries: dict[int, int] = {}
        self.offices: dict[int, int] = {}
        for user_id, role, org_id in session.execute(
                select(User.id, User.role, User.organization_id).where(User.role.in_(("secretary", "committee", "admin")),
                                                                        User.organization_id.is_not(None))
                .order_by(User.role.desc(), User.id)):  # a committee's office before the admin at the same place
            (self.secretaries if role == "secretary" else self.offices).setdefault(org_id, user_id)
        self.grassroots: dict[int, int] = {}
        self.steps = 0

    # -- the rules, memoized: ~200 possible scores and a few shapes of evidence --------------------
    def level(self, halves: int, evidence: dict) -> str:
        """``level_for`` the score (in half points) and the evidence."""
        key = (halves, tuple(evidence.get(k) for k in self.keys))
        if key not in self.levels:
            self.levels[key] = level_for(self.rule_set, _score(halves), evidence)
        return self.levels[key]

    def office_above(self, org_id: int, include_self: bool) -> int | None:
        """The account of the nearest committee office (or the admin) on the organization's path."""
        chain = path_ids(self.paths[org_id])
        for ancestor in reversed(chain if include_self else chain[:-1]):
            if ancestor in self.offices:
                return self.offices[ancestor]
        return None

    # -- drawing ---------------------------------------------------------------------------------
    def scores(self) -> tuple[int, ...]:
        """Half points per criterion around an overall level drawn from ``SELF_SPREAD``."""
        r = self.rng.random()
        for _level, share, low, high in SELF_SPREAD:
            r -= share
            if r < 0:
                break
        target = (low + self.rng.random() * (high - low)) / 100
        return tuple(min(top, max(0, round(top * (target + (self.rng.random() - 0.5) * 2 * CRITERION_NOISE))))
                     for _code, top in self.criteria)

    def proposal(self, halves: int, self_level: str, evidence: dict) -> tuple[str, int, str | None]:
        """The branch's (level, score in half points, reason) after the member's self-assessment."""
        if self.waive:
            reached = self.level(halves, {})
            unmet = unmet_conditions(self.rule_set, reached, evidence) if reached != self_level else []
            if unmet and all(condition.key in WAIVED_KEYS for condition in unmet):
                notes = "; ".join(condition.note or condition.key for condition in unmet)
                return reached, halves, (f"Đạt {format_score(_score(halves))} điểm, đề nghị {level_short(reached)}: "
                                         f"tiêu chí “{notes}” chưa xét vì năm {self.rule_set.year} Sổ tay đảng viên "
                                         "chưa được sử dụng đủ năm.")
        for before, after, share, reason in REVISIONS:
            if self_level == before and self.rng.random() < share:
                return after, self.within(after, halves), reason
        return self_level, halves, None

    def within(self, level: str, halves: int) -> int:
        """The score nearest ``halves`` that reaches ``level`` and no better (in half points)."""
        r = self.rule_set
        floors = {"excellent": r.excellent_min, "good": r.good_min, "pass": r.pass_min, "fail": 0}
        ceilings = {"excellent": 100, "good": r.excellent_min - Decimal("0.5"), "pass": r.good_min - Decimal("0.5"),
                    "fail": r.pass_min - Decimal("0.5")}
        return int(min(max(Decimal(halves), 2 * Decimal(floors[level])), 2 * Decimal(ceilings[level])))

    def plan(self, rows, stage_of) -> list[tuple]:
        """One tuple per rating from (rating id or None, member, branch, member's account, evidence):
        (those five, scores, total, self level, proposal, draft level, stage); a rating left ``open`` is left out."""
        plans = []
        for rating_id, member_id, branch_id, account_id, evidence in rows:
            stage = stage_of(rating_id, branch_id, account_id)
            if stage == "open":
                continue
            evidence = evidence or {}
            scores = self.scores()
            total = sum(scores)
            self_level = self.level(total, evidence)
            proposal = self.proposal(total, self_level, evidence) if stage != "self" else None
            draft = self.level(proposal[1] if proposal else total, evidence)
            plans.append((rating_id, member_id, branch_id, account_id, evidence, scores, total, self_level, proposal,
                          draft, stage))
        return plans

    def hold_quota(self, plans) -> dict[int, str]:
        """The committees' decisions: the branch's proposal, but the lowest-scored HTXSNV of a grassroots
        organization beyond its quota decided HTTNV instead (member id -> the decision's note)."""
        self.grassroots = grassroots_of(self.session, {plan[2] for plan in plans})
        excellent, good = defaultdict(list), defaultdict(int)
        for _rating, member_id, branch_id, *_drawn, proposal, _draft, stage in plans:
            if stage != "decided":
                continue
            if proposal[0] == "excellent":
                excellent[self.grassroots[branch_id]].append((proposal[1], member_id))
            elif proposal[0] == "good":
                good[self.grassroots[branch_id]] += 1
        percent = f"{Decimal(self.rule_set.quota_percent).normalize():f}"
        note = f"Vượt hạn mức: đảng bộ cơ sở xếp HTXSNV không quá {percent}% số đảng viên HTTNV; cấp ủy quyết định HTTNV."
        demoted = {}
        for org_id, candidates in excellent.items():
            candidates.sort()
            kept, goods = len(candidates), good[org_id]
            while kept > quota_allowed(self.rule_set, goods):
                demoted[candidates[len(candidates) - kept][1]] = note
                kept, goods = kept - 1, goods + 1
        return demoted

    # -- writing ---------------------------------------------------------------------------------
    def values(self, plans, demoted: dict[int, str]):
        """(plan, the rating's columns after its steps) for each plan, in order."""
        w, rng = self.windows, self.rng
        meetings: dict[int, datetime] = {}
        decisions: dict[int, tuple[datetime, int | None]] = {}  # grassroots -> its committee's meeting, its account
        for plan in plans:
            _rating, member_id, branch_id, _account, _evidence, scores, total, self_level, proposal, draft, stage = plan
            comment = rng.choice(COMMENTS) if rng.random() < COMMENT_SHARE else None
            row = {"status": "self", "version": 2, "draft_level": draft,
                   "self_scores": {code: _half(h) for (code, _top), h in zip(self.criteria, scores)},
                   "self_score": _score(total), "self_level": self_level, "self_comment": comment,
                   "self_at": _working_time(rng, w.opened, w.proposals, 7, 22), "proposed_score": None,
                   "proposed_level": None, "proposal_reason": None, "proposed_by_id": None, "proposed_at": None,
                   "decided_level": None, "decision_note": None, "decided_by_id": None, "decided_at": None}
            if stage in ("proposed", "decided"):
                level, halves, reason = proposal
                if branch_id not in meetings:
                    meetings[branch_id] = _working_time(rng, w.proposals, w.decisions, 14, 17)
                row.update(status="proposed", version=3, proposed_score=_score(halves), proposed_level=level,
                           proposal_reason=reason, proposed_by_id=self.secretaries.get(branch_id),
                           proposed_at=meetings[branch_id])
            if stage == "decided":
                grassroots = self.grassroots[branch_id]
                if grassroots not in decisions:
                    decisions[grassroots] = (_working_time(rng, w.decisions, w.organizations, 8, 11),
                                             self.office_above(grassroots, include_self=True))
                note = demoted.get(member_id)
                row.update(status="decided", version=4, decided_level="good" if note else proposal[0],
                           decision_note=note, decided_at=decisions[grassroots][0],
                           decided_by_id=decisions[grassroots][1])
            yield plan, row

    def insert(self, plans, demoted: dict[int, str]) -> None:
        """Insert the planned ratings with their evidence, a batch at a time, then record their steps."""
        batch = []
        for (_rating, member_id, branch_id, _account, evidence, *_drawn), row in self.values(plans, demoted):
            row.update(year=self.rule_set.year, rule_set_id=self.rule_set.id, member_id=member_id,
                       organization_id=branch_id, evidence=evidence, evidence_at=self.windows.opened,
                       created_at=self.windows.opened)
            batch.append(row)
            if len(batch) == CHUNK:
                insert_rows(self.session, MemberRating.__table__, batch)
                batch = []
        insert_rows(self.session, MemberRating.__table__, batch)
        self.steps += record_steps(self.session, self.rule_set.year)

    def update(self, plans) -> None:
        """Take the planned steps on ratings already open, then record the steps."""
        table = MemberRating.__table__
        statement = None
        batch = []
        for (rating_id, *_planned), row in self.values(plans, {}):
            if statement is None:
                statement = update(table).where(table.c.id == bindparam("r_id")).values(
                    {name: bindparam(f"r_{name}") for name in row})
            batch.append({"r_id": rating_id, **{f"r_{name}": value for name, value in row.items()}})
        if batch:
            self.session.execute(statement, batch)
        self.steps += record_steps(self.session, self.rule_set.year)

    def decide_organizations(self, roots) -> int:
        """Count the organizations' members and have the committee above each decide its draft level
        (the top of the tree is rated above the province: left counted only)."""
        stored = count_organizations(self.session, self.rule_set, roots, now=self.windows.organizations)
        decisions, steps = [], []
        for org_rating in stored:
            if org_rating.draft_level is None or len(path_ids(self.paths[org_rating.organization_id])) == 1:
                continue
            decider = self.office_above(org_rating.organization_id, include_self=False)
            at = _working_time(self.rng, self.windows.organizations, self.windows.end, 8, 17)
            decisions.append({"o_id": org_rating.id, "o_level": org_rating.draft_level, "o_by": decider, "o_at": at,
                              "o_version": org_rating.version + 1})
            steps.append({"member_rating_id": None, "organization_rating_id": org_rating.id, "step": "decision",
                          "level": org_rating.draft_level, "score": None, "by_id": decider, "at": at,
                          "detail": {"note": None, "changes": {"decided_level": [None, org_rating.draft_level]}}})
        table = OrganizationRating.__table__
        if decisions:
            self.session.execute(update(table).where(table.c.id == bindparam("o_id")).values(
                decided_level=bindparam("o_level"), decided_by_id=bindparam("o_by"), decided_at=bindparam("o_at"),
                version=bindparam("o_version")), decisions)
            # The bulk UPDATE bypassed the identity map: the counted rows must read their decisions.
            self.session.expire_all()
        insert_rows(self.session, RatingStep.__table__, steps)
        self.steps += len(steps)
        return len(stored)


class _Json:
    """JSON built in SQL, as each dialect spells it."""

    def __init__(self, session):
        postgres = session.get_bind().dialect.name == "postgresql"
        self.object = func.json_build_object if postgres else func.json_object
        self.array = func.json_build_array if postgres else func.json_array
        self.embed = (lambda column: column) if postgres else func.json
        # A score as ``check_scores`` keeps it ("92.50"); PostgreSQL's numeric(5,2) reads so already.
        self.score = (lambda column: cast(column, String)) if postgres else (lambda column: func.printf("%.2f", column))

    def change(self, column, text=None):
        """[None, the new value] of ``_changes``."""
        return self.array(null(), column if text is None else text)

    def with_optional(self, optional, pairs: list, key: str):
        """An object of ``pairs``, with ``key`` -> [None, optional] only when ``optional`` is set, as
        ``_changes`` leaves out what did not change."""
        flat = [part for name, value in pairs for part in (_key(name), value)]
        return case((optional.is_(None), self.object(*flat)),
                    else_=self.object(*flat, _key(key), self.change(optional)))


def _key(name: str):
    """A JSON key as SQL text, not a parameter (PostgreSQL cannot type a parameter of ``json_build_object``)."""
    return literal_column(f"'{name}'")


def record_steps(session, year: int) -> int:
    """Append the self-assessment, proposal and decision steps of ``year``'s ratings that have them
    taken but not recorded, built from the ratings in three INSERT … SELECT with the detail the
    workflow writes (its scores, comment or reason, and what changed); the number of steps."""
    json, rating, step = _Json(session), MemberRating, RatingStep
    account = select(User.id).where(User.member_id == rating.member_id).scalar_subquery()
    # Counted, not taken from rowcount: psycopg gives none for an INSERT … SELECT.
    before = session.execute(select(func.count()).select_from(step)).scalar()
    for name, at, by_id, level, score, detail in (
        ("self", rating.self_at, account, rating.self_level, rating.self_score, json.object(
            _key("scores"), json.embed(rating.self_scores), _key("comment"), rating.self_comment,
            _key("changes"), json.with_optional(rating.self_comment, [
                ("self_score", json.change(rating.self_score, json.score(rating.self_score))),
                ("self_level", json.change(rating.self_level))], "self_comment"))),
        ("proposal", rating.proposed_at, rating.proposed_by_id, rating.proposed_level, rating.proposed_score, json.object(
            _key("reason"), rating.proposal_reason, _key("changes"), json.with_optional(rating.proposal_reason, [
                ("proposed_level", json.change(rating.proposed_level)),
                ("proposed_score", json.change(rating.proposed_score, json.score(rating.proposed_score)))],
                "proposal_reason"))),
        ("decision", rating.decided_at, rating.decided_by_id, rating.decided_level, rating.proposed_score, json.object(
            _key("note"), rating.decision_note, _key("changes"), json.with_optional(rating.decision_note, [
                ("decided_level", json.change(rating.decided_level))], "decision_note"))),
    ):
        source = select(rating.id, literal_column(f"'{name}'"), level, score, detail, by_id, at).where(
            rating.year == year, at.is_not(None),
            ~select(step.id).where(step.member_rating_id == rating.id, step.step == name).exists())
        session.execute(insert(step.__table__).from_select(
            ["member_rating_id", "step", "level", "score", "detail", "by_id", "at"], source))
    return session.execute(select(func.count()).select_from(step)).scalar() - before


def _ratings(session, year: int):
    """(rating id, member id, branch id, the member's account id, evidence) of ``year``'s ratings, by id."""
    return session.execute(
        select(MemberRating.id, MemberRating.member_id, MemberRating.organization_id, User.id, MemberRating.evidence)
        .outerjoin(User, User.member_id == MemberRating.member_id)
        .where(MemberRating.year == year).order_by(MemberRating.id)).all()


def _roots(session) -> list[Organization]:
    """The organizations at the top of the tree (the province)."""
    return list(session.execute(select(Organization).where(Organization.parent_id.is_(None))).scalars())


def rule_set_for(session, year: int) -> RatingRuleSet:
    """``year``'s rule set; a copy of the nearest earlier year's (else the first one) when it has none."""
    rule_set = rule_set_of(session, year)
    if rule_set is None:
        earlier = session.execute(select(RatingRuleSet).where(RatingRuleSet.year < year)
                                  .order_by(RatingRuleSet.year.desc()).limit(1)).scalar_one_or_none()
        source = earlier or session.execute(select(RatingRuleSet).order_by(RatingRuleSet.year).limit(1)).scalar_one()
        copy_rule_set(session, source, year)
        rule_set = rule_set_of(session, year)
    return rule_set


def complete_year(session, rule_set: RatingRuleSet, rng: random.Random, windows: Windows | None = None) -> dict[str, int]:
    """The whole tree's rating of a past year, from opening to the organizations' decisions: every member
    in the party now and admitted by the year's end rated, every step recorded. Counts per table and level.

    The members ``open_year`` would rate get their evidence as ``refresh_evidence`` computes it (the
    registered pieces, set-based, taken at the opening) and their rows inserted once, complete, rather
    than inserted open and written twice more."""
    windows = windows or Windows.december(rule_set.year)
    members = select(Member.id.label("member_id"), Member.organization_id.label("organization_id")).where(
        Member.status.in_(RATED_STATUSES), Member.admitted_on <= date(rule_set.year, 12, 31),
        ~select(MemberRating.id).where(MemberRating.member_id == Member.id, MemberRating.year == rule_set.year).exists()
    ).subquery()
    start, end = year_bounds(rule_set.year)
    evidence = gather(YearContext(year=rule_set.year, start=start, end=min(end, windows.opened), members=members,
                                  session=session))
    rows = session.execute(select(members.c.member_id, members.c.organization_id, User.id)
                           .outerjoin(User, User.member_id == members.c.member_id).order_by(members.c.member_id))
    cycle = _Cycle(session, rule_set, rng, windows, waive=True)
    plans = cycle.plan(((None, member_id, branch_id, account_id, evidence.get(member_id, {}))
                        for member_id, branch_id, account_id in rows), lambda *_: "decided")
    del evidence
    cycle.insert(plans, cycle.hold_quota(plans))
    organizations = cycle.decide_organizations(_roots(session))
    return {"member_rating": len(plans), "rating_step": cycle.steps, "organization_rating": organizations}


def seed_demo_ratings(session, rng: random.Random) -> dict[str, int]:
    """Last year's rating completed, and the current year's opened: a third of the members assessed,
    two branches proposed (for the committee account to decide), the demo member's own left to fill."""
    rng = random.Random(rng.getrandbits(64))
    year = local_today().year
    rule_set = rule_set_for(session, year - 1)
    counts = complete_year(session, rule_set, rng)
    current = rule_set_of(session, year) or copy_rule_set(session, rule_set, year)
    current.is_open = True
    now = utcnow().replace(microsecond=0)
    opened = max(year_bounds(year)[0], now - timedelta(days=14))
    span = now - opened
    windows = Windows(opened, opened + span * 0.6, opened + span * 0.9, now, now)
    open_year(session, current, None, now=opened)
    rows = _ratings(session, year)
    cycle = _Cycle(session, current, rng, windows, waive=False)
    roles = dict(session.execute(select(User.id, User.role).where(User.member_id.is_not(None))).all())
    grassroots = grassroots_of(session, {row[2] for row in rows})
    branches = sorted({row[2] for row in rows})
    # Branches whose committee has an account and whose secretary has none: proposals waiting for a decision.
    ready = [b for b in branches if b not in cycle.secretaries and cycle.office_above(grassroots[b], include_self=True)]
    proposed = set((ready or branches)[:CURRENT_PROPOSED_BRANCHES])
    assessing = [row[0] for row in rows if row[2] not in proposed and roles.get(row[3]) != "member"]
    wanted = round(CURRENT_SELF_SHARE * len(rows)) - sum(row[2] in proposed for row in rows)
    assessed = set(rng.sample(assessing, max(0, min(wanted, len(assessing)))))

    def stage_of(rating_id, branch_id, _account):
        return "proposed" if branch_id in proposed else "self" if rating_id in assessed else "open"

    cycle.grassroots = grassroots
    cycle.update(cycle.plan(rows, stage_of))
    return {"member_rating": counts["member_rating"] + len(rows), "rating_step": counts["rating_step"] + cycle.steps,
            "organization_rating": counts["organization_rating"]}


def seed_province_ratings(session, ctx) -> dict[str, int]:
    """The province's rating of the year before the seeded year's end, completed for every rated member."""
    year = (ctx.end.year if ctx.end else local_today().year) - 1
    rng = random.Random(ctx.rng.getrandbits(64))
    return complete_year(session, rule_set_for(session, year), rng)
