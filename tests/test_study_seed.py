"""Study's seeders: the province's year of topics, quizzes, attempts and ledger on a small Thái Bình, and
the demo's, each in a database of its own with study's seeders registered where the domain registers them."""
from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from handbook.clock import LOCAL_OFFSET, local_today, utcnow
from handbook.extensions import db
from handbook.organizations.models import Organization
from handbook.seed.demo import seed_demo
from handbook.seed.thaibinh import seed_thaibinh
from handbook.study.models import (PointEntry, Quiz, QuizAnswer, QuizAttempt, QuizCategory, QuizQuestion, StudyTopic,
                                   TopicRead, topic_document)
from handbook.study.operations import daily_cap
from test_seed_thaibinh import separate_database

PROVINCE_MEMBERS = 1300


@pytest.fixture(scope="module")
def province():
    """A small Thái Bình (1,300 members) with every domain's year, study's included; and its seed counts."""
    with separate_database("study_province") as app:
        with app.app_context():
            app.seed_counts = seed_thaibinh(db.session, seed=5, members=PROVINCE_MEMBERS).counts
        yield app


@pytest.fixture(scope="module")
def demo():
    """A database with the demo data set, study's demo included."""
    with separate_database("study_demo") as app:
        with app.app_context():
            seed_demo(db.session)
        yield app


def _count(model) -> int:
    """The rows of a table."""
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _quiz_ledger() -> dict[int, int]:
    """Attempt id -> points of its ledger entry (source "quiz")."""
    return {int(reference.rsplit(":", 1)[1]): points for reference, points in db.session.execute(
        select(PointEntry.reference, PointEntry.points).where(PointEntry.source == "quiz"))}


def test_province_study_tables_have_rows(province):
    """Does the province get topics with their documents, a bank of ~600 questions in ~10 categories, ~50
    quizzes, attempts with their answers, topics studied, and ledger rows of both?"""
    with province.app_context():
        counts = province.seed_counts
        assert counts["quiz_attempts"] == _count(QuizAttempt) > 2 * PROVINCE_MEMBERS
        assert counts["quiz_answers"] == _count(QuizAnswer) > 5 * counts["quiz_attempts"]
        assert _count(QuizCategory) == 10 and 550 <= _count(QuizQuestion) <= 650
        assert 45 <= _count(Quiz) <= 55 and _count(StudyTopic) >= 12
        assert _count(TopicRead) > PROVINCE_MEMBERS
        assert db.session.execute(select(func.count()).select_from(topic_document)).scalar_one() >= 12
        sources = set(db.session.execute(select(PointEntry.source).distinct()).scalars())
        assert {"quiz", "topic", "read"} <= sources


def test_every_attempt_earns_exactly_its_ledger_entry(province):
    """Is each attempt's points_awarded the points of its ledger entry (none when it earned nothing), with
    the entry made when the attempt was submitted?"""
    with province.app_context():
        ledger = _quiz_ledger()
        awarded = dict(db.session.execute(select(QuizAttempt.id, QuizAttempt.points_awarded)).all())
        assert {a: p for a, p in awarded.items() if p} == ledger
        assert all(p >= 0 for p in awarded.values())
        entry = db.session.execute(select(PointEntry.reference, PointEntry.created_at, PointEntry.member_id)
                                   .where(PointEntry.source == "quiz").limit(1)).one()
        attempt = db.session.get(QuizAttempt, int(entry.reference.rsplit(":", 1)[1]))
        assert (attempt.submitted_at, attempt.member_id) == (entry.created_at, entry.member_id)
        assert entry.reference == f"quiz:{attempt.quiz_id}:attempt:{attempt.id}"


def test_points_follow_the_score_and_the_counting_rule(province):
    """Does an attempt's score follow its right answers; does a member's total on a "best" quiz equal their
    best attempt's points, and on a "first" quiz their first attempt's?"""
    with province.app_context():
        quizzes = {q.id: q for q in db.session.execute(select(Quiz)).scalars()}
        earned = defaultdict(int)
        attempts = defaultdict(list)
        for a in db.session.execute(select(QuizAttempt.id, QuizAttempt.quiz_id, QuizAttempt.member_id, QuizAttempt.number,
                                           QuizAttempt.correct_count, QuizAttempt.question_count, QuizAttempt.score,
                                           QuizAttempt.passed, QuizAttempt.points_awarded)):
            quiz = quizzes[a.quiz_id]
            assert a.score == pytest.approx(100 * a.correct_count / a.question_count, abs=0.01)
            assert a.passed == (a.score >= quiz.pass_mark)
            attempts[(a.quiz_id, a.member_id)].append((a.number, round(quiz.points * a.correct_count / a.question_count)))
            earned[(a.quiz_id, a.member_id)] += a.points_awarded
        counted = {"best": 0, "first": 0}
        for (quiz_id, member_id), taken in attempts.items():
            taken.sort()
            assert [n for n, _ in taken] == list(range(1, len(taken) + 1))
            rule = quizzes[quiz_id].counting
            expected = max(p for _, p in taken) if rule == "best" else taken[0][1]
            assert earned[(quiz_id, member_id)] == expected, (quiz_id, member_id, taken)
            counted[rule] += len(taken) > 1
        assert counted["best"] > 0 and counted["first"] > 0  # both rules met members who tried twice


def test_no_member_passes_a_daily_cap(province):
    """Does no member earn more quiz points (or topic points) in one day of Vietnam's calendar than the cap?"""
    with province.app_context():
        for source in ("quiz", "topic"):
            cap = daily_cap(db.session, source)
            per_day = defaultdict(int)
            for member_id, at, points in db.session.execute(
                    select(PointEntry.member_id, PointEntry.created_at, PointEntry.points).where(PointEntry.source == source)):
                per_day[(member_id, (at + LOCAL_OFFSET).date())] += points
            assert per_day and max(per_day.values()) <= cap, source


def test_attempts_stay_in_their_quiz_audience_and_window(province):
    """Is every attempt by a member of a branch under the quiz's publisher, started and submitted inside the
    quiz's window, and is one province quiz open now with attempts to show?"""
    with province.app_context():
        paths = dict(db.session.execute(select(Organization.id, Organization.path)).all())
        quizzes = {q.id: q for q in db.session.execute(select(Quiz)).scalars()}
        kinds = defaultdict(int)
        for a in db.session.execute(select(QuizAttempt.quiz_id, QuizAttempt.organization_id, QuizAttempt.started_at,
                                           QuizAttempt.submitted_at, QuizAttempt.deadline, QuizAttempt.status)):
            quiz = quizzes[a.quiz_id]
            assert paths[a.organization_id].startswith(paths[quiz.organization_id])
            assert quiz.opens_at <= a.started_at < a.submitted_at <= a.deadline <= quiz.closes_at
            kinds[a.status] += 1
        assert set(kinds) == {"submitted", "expired"} and kinds["expired"] < kinds["submitted"] / 10
        open_now = [q for q in quizzes.values() if q.is_open()]
        assert open_now and any(len(paths[q.organization_id]) == 10 for q in open_now)
        assert db.session.execute(select(func.count()).where(QuizAttempt.quiz_id.in_([q.id for q in open_now]))).scalar() > 0


def test_answers_match_the_layout_and_the_count_of_right_ones(province):
    """Is every answer row's question in its attempt's layout (once each, as many as the quiz asks), and
    the attempt's correct_count the number of its answers marked right?"""
    with province.app_context():
        answers = defaultdict(dict)
        for attempt_id, question_id, correct in db.session.execute(
                select(QuizAnswer.attempt_id, QuizAnswer.question_id, QuizAnswer.correct)):
            answers[attempt_id][question_id] = correct
        options = dict(db.session.execute(select(QuizQuestion.id, QuizQuestion.options)).all())
        checked = 0
        for attempt in db.session.execute(select(QuizAttempt).order_by(QuizAttempt.id)).scalars():
            drawn = [question_id for question_id, _order in attempt.layout]
            assert sorted(drawn) == sorted(answers[attempt.id]) and len(drawn) == attempt.question_count
            assert sum(answers[attempt.id].values()) == attempt.correct_count
            for position, (question_id, order) in enumerate(attempt.layout):
                bank = options[question_id]
                assert sorted(order) == list(range(len(bank)))
                shown_right = sorted(i for i, b in enumerate(order) if bank[b]["correct"])
                chosen = attempt.answers.get(str(position))
                assert answers[attempt.id][question_id] == (chosen is not None and sorted(chosen) == shown_right)
            checked += 1
            if checked == 3000:
                break
            db.session.expunge(attempt)
        assert checked >= 2000


def test_topic_reads_and_the_ledger_agree(province):
    """Has every topic studied its ledger entry of the topic's points (and no entry without a read), read in
    the topic's month after it was published, by about half the members with an account?"""
    with province.app_context():
        topics = {t.id: t for t in db.session.execute(select(StudyTopic)).scalars()}
        reads = db.session.execute(select(TopicRead.member_id, TopicRead.topic_id, TopicRead.read_at)).all()
        ledger = {(m, r): (p, at) for m, r, p, at in db.session.execute(
            select(PointEntry.member_id, PointEntry.reference, PointEntry.points, PointEntry.created_at)
            .where(PointEntry.source == "topic"))}
        assert len(ledger) == len(reads)
        for member_id, topic_id, read_at in reads:
            topic = topics[topic_id]
            assert ledger[(member_id, f"topic:{topic_id}")] == (topic.points, read_at)
            local = (read_at + LOCAL_OFFSET).date()
            assert topic.published_at <= read_at and (local.year, local.month) == (topic.month.year, topic.month.month)
        readers = len({m for m, _t, _r in reads})
        assert 0.35 * PROVINCE_MEMBERS < readers < 0.7 * PROVINCE_MEMBERS


def test_demo_has_a_topic_this_month_and_a_quiz_to_take(demo):
    """In the demo, is there a published topic this month with its documents, a quiz open now that the demo
    member has not taken yet, a closed one with attempts, an upcoming one, and the ledger in step?"""
    from handbook.auth.models import User

    with demo.app_context():
        month = local_today().replace(day=1)
        topic = db.session.execute(select(StudyTopic).where(StudyTopic.month == month)).scalar_one()
        assert topic.is_visible and topic.documents
        now = utcnow()
        quizzes = db.session.execute(select(Quiz).order_by(Quiz.opens_at)).scalars().all()
        closed, open_now, upcoming = quizzes
        assert closed.closes_at < now and open_now.is_open() and upcoming.opens_at > now + timedelta(days=1)
        member_id = db.session.execute(select(User.member_id).where(User.role == "member")).scalar_one()
        assert not db.session.execute(select(QuizAttempt.id).where(QuizAttempt.quiz_id == open_now.id,
                                                                   QuizAttempt.member_id == member_id)).first()
        assert db.session.execute(select(func.count()).where(QuizAttempt.quiz_id == closed.id)).scalar() > 50
        assert _count(QuizQuestion) == 24 and _count(QuizCategory) == 3
        awarded = {a: p for a, p in db.session.execute(select(QuizAttempt.id, QuizAttempt.points_awarded)) if p}
        assert awarded == _quiz_ledger()
        assert _count(TopicRead) == db.session.execute(
            select(func.count()).where(PointEntry.source == "topic")).scalar() > 0


def test_every_members_totals_are_the_sum_of_their_ledger(province):
    """Across the whole seeded province, do every member's total, their points of this year (the points page
    and the target) and their place on the branch's leaderboard all equal the sum of their own ledger rows,
    added up here in Python from the raw rows?"""
    from handbook.clock import local_now, year_bounds
    from handbook.organizations.models import Member
    from handbook.study.operations import branch_leaderboard, member_total, member_year_total, points_by_source

    with province.app_context():
        s = db.session
        year = local_now().year
        start, end = year_bounds(year)
        everything, this_year = defaultdict(int), defaultdict(int)
        for member_id, points, created_at in s.execute(select(PointEntry.member_id, PointEntry.points, PointEntry.created_at)):
            everything[member_id] += points
            if start <= created_at < end:
                this_year[member_id] += points
        assert len(everything) > PROVINCE_MEMBERS / 2
        branches = set(s.execute(select(Member.organization_id).where(Member.status.in_(("official", "probationary",
                                                                                          "exempt")))).scalars())
        on_boards = {}
        for branch_id in branches:
            for standing in branch_leaderboard(s, branch_id, year):
                on_boards[standing.member_id] = standing.points
        assert on_boards and all(points == this_year.get(member_id, 0) for member_id, points in on_boards.items())
        sample = sorted(everything)[::25]
        assert all(member_total(s, m) == everything[m] for m in sample)
        assert all(member_year_total(s, m, year) == sum(points_by_source(s, m, year).values()) == this_year.get(m, 0)
                   for m in sample)
