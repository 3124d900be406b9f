"""The rating's seeders: the demo's last year decided and the current year under way, the province's last
year decided for every rated member, each in a database of its own."""
import random
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from handbook.auth.models import User
from handbook.clock import LOCAL_OFFSET, local_today
from handbook.extensions import db
from handbook.organizations.models import Discipline, Member, Organization
from handbook.ratings.evidence import rule_set_of
from handbook.ratings.models import LEVEL_ORDER, MemberRating, OrganizationRating, RatingStep
from handbook.ratings.operations import RATED_STATUSES
from handbook.ratings.rules import check_scores, level_for, quota_allowed
from handbook.ratings.seed import complete_year, rule_set_for
from handbook.ratings.tree import grassroots_of
from handbook.seed.demo import seed_demo
from handbook.seed.thaibinh import seed_thaibinh
from test_seed_thaibinh import separate_database

PROVINCE_MEMBERS = 1500
# The demo decides the year before the current one (2025 as this is written) and opens the current one.
DECIDED = local_today().year - 1


@pytest.fixture(scope="module")
def demo():
    """A database with the demo data set, every domain's demo seeders included."""
    with separate_database("ratings_demo") as app:
        with app.app_context():
            seed_demo(db.session)
        yield app


@pytest.fixture(scope="module")
def province():
    """A database with a small Thái Bình (1,500 members), every domain's year included; and its seed counts."""
    with separate_database("ratings_province") as app:
        with app.app_context():
            app.seed_counts = seed_thaibinh(db.session, seed=11, members=PROVINCE_MEMBERS).counts
        yield app


def _rated_members(session, year: int) -> set[int]:
    """The members in the party now who were admitted by the end of ``year``."""
    return set(session.execute(select(Member.id).where(
        Member.status.in_(RATED_STATUSES), Member.admitted_on <= date(year, 12, 31))).scalars())


def _check_decided_year(session, year: int) -> list[MemberRating]:
    """Every rated member decided in ``year`` after three steps taken in order in December, by the rules."""
    ratings = session.execute(select(MemberRating).where(MemberRating.year == year)).scalars().all()
    assert {r.member_id for r in ratings} == _rated_members(session, year)
    assert {r.status for r in ratings} == {"decided"}
    rule_set = rule_set_of(session, year)
    steps = defaultdict(list)
    for step in session.execute(select(RatingStep).where(RatingStep.member_rating_id.in_([r.id for r in ratings]))
                                .order_by(RatingStep.at, RatingStep.id)).scalars():
        steps[step.member_rating_id].append(step)
    december = (date(year, 12, 1), date(year, 12, 31))
    for rating in ratings:
        kept, total, errors = check_scores(rule_set, rating.self_scores)
        assert not errors and kept == rating.self_scores and total == rating.self_score
        assert rating.self_level == level_for(rule_set, rating.self_score, rating.evidence)
        taken = steps[rating.id]
        assert [s.step for s in taken] == ["self", "proposal", "decision"]
        assert [s.level for s in taken] == [rating.self_level, rating.proposed_level, rating.decided_level]
        assert [s.at for s in taken] == [rating.self_at, rating.proposed_at, rating.decided_at]
        assert all(december[0] <= (s.at + LOCAL_OFFSET).date() <= december[1] for s in taken)
        # The detail the workflow writes: the scores, and what changed as people read it ("92.50").
        assert taken[0].detail["scores"] == rating.self_scores
        assert taken[0].detail["changes"]["self_score"] == [None, f"{rating.self_score:.2f}"]
        assert taken[1].detail["changes"]["proposed_level"] == [None, rating.proposed_level]
        assert taken[1].detail["reason"] == rating.proposal_reason and taken[2].detail["note"] == rating.decision_note
        # A proposal unlike the self-assessment, or a decision unlike the proposal, says why.
        assert rating.proposed_level == rating.self_level or rating.proposal_reason
        assert rating.decided_level == rating.proposed_level or rating.decision_note
    return ratings


def _check_quota(session, ratings: list[MemberRating]) -> Counter:
    """HTXSNV within the quota in every grassroots organization; the levels decided, counted."""
    rule_set = rule_set_of(session, ratings[0].year)
    deciding = grassroots_of(session, {r.organization_id for r in ratings})
    per_grassroots = defaultdict(Counter)
    for rating in ratings:
        per_grassroots[deciding[rating.organization_id]][rating.decided_level] += 1
    for counted in per_grassroots.values():
        assert counted["excellent"] <= quota_allowed(rule_set, counted["good"])
    return Counter(r.decided_level for r in ratings)


def test_demo_last_year_is_decided_for_every_rated_member_in_three_steps(demo):
    """In the demo, has every member in the party last year a rating decided in its December, through a
    self-assessment the rules accept, the branch's proposal and the committee's decision, each recorded?"""
    with demo.app_context():
        ratings = _check_decided_year(db.session, DECIDED)
        assert len(ratings) > 250


def test_demo_last_year_keeps_the_quota_with_a_realistic_spread(demo):
    """Is HTXSNV within 20% of HTTNV in every grassroots organization of the demo, with most members HTTNV,
    some HTXSNV and HTNV, and are the demo's committee and secretary the ones who decided and proposed?"""
    with demo.app_context():
        session = db.session
        ratings = session.execute(select(MemberRating).where(MemberRating.year == DECIDED)).scalars().all()
        levels = _check_quota(session, ratings)
        assert levels["good"] > len(ratings) / 2 and levels["excellent"] > 0 and levels["pass"] > 0
        # Branches proposed more HTXSNV than the quota allows: committees decided some of them HTTNV.
        assert any(r.proposed_level == "excellent" and r.decided_level == "good" and r.decision_note for r in ratings)
        accounts = dict(session.execute(select(User.role, User.id)).all())
        assert accounts["committee"] in {r.decided_by_id for r in ratings}
        assert accounts["secretary"] in {r.proposed_by_id for r in ratings}
        organizations = session.execute(select(OrganizationRating).where(OrganizationRating.year == DECIDED)).scalars().all()
        assert len(organizations) == session.execute(select(func.count()).select_from(Organization)).scalar()
        assert all(o.counts["rated"] and o.draft_level for o in organizations)
        assert sum(o.decided_level is not None for o in organizations) == len(organizations) - 1  # all but the top


def test_demo_current_year_is_open_and_under_way(demo):
    """Is the current year's rating open with last year's rules copied, every rated member's rating created, about
    a third assessed, some branches' proposals waiting for the committee, and the demo member's own left to fill?"""
    year = DECIDED + 1
    with demo.app_context():
        session = db.session
        rule_set = rule_set_of(session, year)
        assert rule_set.is_open and len(rule_set.criteria) == len(rule_set_of(session, DECIDED).criteria)
        ratings = session.execute(select(MemberRating).where(MemberRating.year == year)).scalars().all()
        assert {r.member_id for r in ratings} == set(session.execute(
            select(Member.id).where(Member.status.in_(RATED_STATUSES))).scalars())
        statuses = Counter(r.status for r in ratings)
        assert statuses["decided"] == 0 and statuses["proposed"] > 0
        assert 0.25 * len(ratings) <= statuses["self"] + statuses["proposed"] <= 0.4 * len(ratings)
        steps = Counter(session.execute(select(RatingStep.step).join(MemberRating).where(MemberRating.year == year)).scalars())
        assert steps == {"self": statuses["self"] + statuses["proposed"], "proposal": statuses["proposed"]}
        assert all(r.self_at <= r.proposed_at for r in ratings if r.status == "proposed")
        member = session.execute(select(User).where(User.role == "member")).scalar_one()
        assert next(r for r in ratings if r.member_id == member.member_id).status == "open"


def test_a_disciplined_member_is_rated_khtnv_at_every_step(demo):
    """Is a member disciplined in the year rated KHTNV by themselves, their branch and their committee,
    whatever their score, in a year whose rules are copied from the nearest year that has them?"""
    with demo.app_context():
        session = db.session
        member = session.execute(select(Member).where(Member.status == "official", Member.admitted_on <= date(2023, 1, 1))
                                 .order_by(Member.id)).scalars().first()
        session.add(Discipline(member_id=member.id, form="reprimand", decided_on=date(2024, 6, 3),
                               decision_number="12-QĐ/ĐU"))
        session.flush()
        try:
            complete_year(session, rule_set_for(session, 2024), random.Random(5))
            rating = session.execute(select(MemberRating).where(MemberRating.year == 2024,
                                                                MemberRating.member_id == member.id)).scalar_one()
            assert rating.evidence["disciplined"] is True
            assert (rating.self_level, rating.proposed_level, rating.decided_level) == ("fail", "fail", "fail")
            assert rule_set_of(session, 2024).regulation == rule_set_of(session, 2025).regulation
        finally:
            session.rollback()


def test_province_last_year_is_decided_for_every_rated_member(province):
    """In the province, has every member in the party last year a decided rating with its three steps,
    the quota held in every grassroots organization, and every organization with members counted?"""
    with province.app_context():
        session = db.session
        year = date.today().year - 1
        ratings = _check_decided_year(session, year)
        levels = _check_quota(session, ratings)
        assert set(levels) <= set(LEVEL_ORDER) and levels["good"] > len(ratings) / 2 and levels["excellent"]
        steps = session.execute(select(func.count()).select_from(RatingStep).where(
            RatingStep.member_rating_id.is_not(None))).scalar()
        assert steps == 3 * len(ratings)
        with_members = set(session.execute(select(Organization.id).where(Organization.kind != "branch")).scalars()) | {
            r.organization_id for r in ratings}
        counted = set(session.execute(select(OrganizationRating.organization_id)
                                      .where(OrganizationRating.year == year)).scalars())
        assert counted == with_members
        assert province.seed_counts["member_rating"] == len(ratings)
        assert province.seed_counts["rating_step"] == steps + len(counted) - 1


def test_province_steps_are_taken_by_the_right_accounts(province):
    """Did each branch's secretary propose, each grassroots office decide, and each member assess themselves
    with their own account (or none), in the week of their branch's meeting and their committee's?"""
    with province.app_context():
        session = db.session
        year = date.today().year - 1
        users = {u.id: u for u in session.execute(select(User)).scalars()}
        ratings = session.execute(select(MemberRating).where(MemberRating.year == year)).scalars().all()
        deciding = grassroots_of(session, {r.organization_id for r in ratings})
        meetings, decisions = defaultdict(set), defaultdict(set)
        for rating in ratings:
            assert users[rating.proposed_by_id].role == "secretary"
            assert users[rating.proposed_by_id].organization_id == rating.organization_id
            assert users[rating.decided_by_id].organization_id == deciding[rating.organization_id]
            meetings[rating.organization_id].add(rating.proposed_at)
            decisions[deciding[rating.organization_id]].add(rating.decided_at)
        assert {len(times) for times in meetings.values()} == {1}
        assert {len(times) for times in decisions.values()} == {1}
        own = dict(session.execute(select(RatingStep.member_rating_id, RatingStep.by_id).where(
            RatingStep.step == "self")).all())
        for rating in ratings[:200]:
            by = own[rating.id]
            assert by is None or users[by].member_id == rating.member_id
        assert max(r.decided_at for r in ratings) - min(r.self_at for r in ratings) < timedelta(days=31)
