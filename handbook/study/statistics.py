"""Quiz statistics for the back office: set-based counts over the finished attempts of the members in a
user's scope (the quiz's totals, its hardest questions, and a row per organization below the user's)."""
from __future__ import annotations

from sqlalchemy import and_, case, distinct, func, select
from sqlalchemy.orm import aliased

from handbook.organizations.models import Organization
from handbook.scope import Scope, path_ids, scoped
from handbook.study.models import Quiz, QuizAnswer, QuizAttempt, QuizQuestion

# Attempts that have a score: submitted by the member, or closed at their deadline.
FINISHED = ("submitted", "expired")
# A question is among the hardest only once this many answers make its share right meaningful.
MIN_ANSWERS = 5
HARDEST_SHOWN = 10
QUIZZES_SHOWN = 100


def _finished(quiz_id: int, scope: Scope):
    """SQL conditions: the quiz's finished attempts by members in ``scope`` (a managing scope)."""
    condition = QuizAttempt.__scope__(scope)
    parts = [QuizAttempt.quiz_id == quiz_id, QuizAttempt.status.in_(FINISHED)]
    return and_(*parts, *([condition] if condition is not None else []))


def _figures():
    """The columns every row of statistics has: attempts, members, average score, members passed, points."""
    return (
        func.count(QuizAttempt.id).label("attempts"),
        func.count(distinct(QuizAttempt.member_id)).label("members"),
        func.avg(QuizAttempt.score).label("average"),
        func.count(distinct(case((QuizAttempt.passed.is_(True), QuizAttempt.member_id)))).label("passed"),
        func.coalesce(func.sum(QuizAttempt.points_awarded), 0).label("points"),
    )


def _as_dict(row) -> dict:
    """A row of figures as a dict, the pass rate (members who passed / members who took it) added."""
    members = int(row.members or 0)
    passed = int(row.passed or 0)
    return {
        "attempts": int(row.attempts or 0),
        "members": members,
        "average": float(row.average) if row.average is not None else None,
        "passed": passed,
        "pass_rate": passed / members if members else None,
        "points": int(row.points or 0),
    }


def quiz_summary(session, quiz_id: int, scope: Scope) -> dict:
    """The quiz's totals over the finished attempts of ``scope``'s members: attempts, members who took
    it, average score (percent, over attempts), members who passed at least once and their share, points."""
    row = session.execute(select(*_figures()).where(_finished(quiz_id, scope))).one()
    return _as_dict(row)


def hardest_questions(session, quiz_id: int, scope: Scope, min_answers: int = MIN_ANSWERS,
                      limit: int = HARDEST_SHOWN) -> list[dict]:
    """The questions of the quiz answered right least often (at least ``min_answers`` answers), hardest first:
    question id and text, answers, right answers and their share."""
    answers = func.count().label("answers")
    right = func.sum(case((QuizAnswer.correct.is_(True), 1), else_=0)).label("right")
    counted = (
        select(QuizAnswer.question_id, answers, right)
        .join(QuizAttempt, QuizAttempt.id == QuizAnswer.attempt_id)
        .where(_finished(quiz_id, scope))
        .group_by(QuizAnswer.question_id)
        .having(func.count() >= min_answers)
        .subquery()
    )
    share = counted.c.right * 1.0 / counted.c.answers
    rows = session.execute(
        select(counted.c.question_id, QuizQuestion.text, counted.c.answers, counted.c.right)
        .join(QuizQuestion, QuizQuestion.id == counted.c.question_id)
        .order_by(share, counted.c.answers.desc(), counted.c.question_id)
        .limit(limit)
    )
    return [{"question_id": qid, "text": text, "answers": int(n), "right": int(r or 0), "share": (r or 0) / n}
            for qid, text, n, r in rows]


def _own_organization_id(scope: Scope) -> int | None:
    """The id of the organization at the top of ``scope`` (None: the admin without one)."""
    return path_ids(scope.org_path)[-1] if scope.org_path else None


def by_organization(session, quiz_id: int, scope: Scope) -> list[dict]:
    """A row per organization directly below the user's (each with its whole subtree rolled up: attempts,
    members, average, pass rate, points), then, when its own members took the quiz or it has nothing below,
    the user's organization itself (its direct members only). Counted over ``scope``'s members' attempts
    in the branch they were in when they started."""
    parent_id = _own_organization_id(scope)
    child, branch = aliased(Organization), aliased(Organization)
    # Every path below a child lies in [child.path, child.path with its last "/" turned into "0").
    high = func.substr(child.path, 1, func.length(child.path) - 1).concat("0")
    stmt = (
        select(child.id, child.code, child.name, *_figures())
        .select_from(child)
        .outerjoin(branch, and_(branch.path >= child.path, branch.path < high))
        .outerjoin(QuizAttempt, and_(QuizAttempt.organization_id == branch.id, _finished(quiz_id, scope)))
        .where(child.parent_id == parent_id if parent_id is not None else child.parent_id.is_(None))
        .group_by(child.id, child.code, child.name)
        .order_by(child.code)
    )
    rows = [{"organization_id": r.id, "code": r.code, "name": r.name, "own": False, **_as_dict(r)}
            for r in session.execute(stmt)]
    if parent_id is not None:
        own = session.execute(
            select(Organization.code, Organization.name).where(Organization.id == parent_id)).one()
        direct = session.execute(select(*_figures()).where(
            QuizAttempt.organization_id == parent_id, _finished(quiz_id, scope))).one()
        if direct.attempts or not rows:
            rows.append({"organization_id": parent_id, "code": own.code, "name": own.name, "own": True,
                         **_as_dict(direct)})
    return rows


def quizzes_with_attempts(session, reading: Scope, managing: Scope, limit: int = QUIZZES_SHOWN) -> list[dict]:
    """The quizzes ``reading`` may see (as manager or reader), newest first, each with the finished
    attempts of ``managing``'s members."""
    quizzes = session.execute(
        scoped(select(Quiz.id, Quiz.title, Quiz.status, Quiz.opens_at, Quiz.closes_at, Quiz.organization_id),
               Quiz, reading)
        .order_by(Quiz.opens_at.desc(), Quiz.id.desc()).limit(limit)
    ).all()
    ids = [q.id for q in quizzes]
    counts: dict[int, int] = {}
    if ids:
        condition = QuizAttempt.__scope__(managing)
        stmt = (select(QuizAttempt.quiz_id, func.count())
                .where(QuizAttempt.quiz_id.in_(ids), QuizAttempt.status.in_(FINISHED))
                .group_by(QuizAttempt.quiz_id))
        if condition is not None:
            stmt = stmt.where(condition)
        counts = dict(session.execute(stmt).all())
    return [{"id": q.id, "title": q.title, "status": q.status, "opens_at": q.opens_at, "closes_at": q.closes_at,
             "attempts": int(counts.get(q.id, 0))} for q in quizzes]
