"""Study's evidence for the yearly rating: points earned in the year and whether they reached the target,
and the quizzes' results (each quiz counted once, by its best or first attempt as the quiz says)."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import Integer, case, func, select

from handbook.registry import Evidence, YearContext
from handbook.study.models import PointEntry, Quiz, QuizAttempt

SCORED = ("submitted", "expired")


def evidence(target: int) -> list[Evidence]:
    """The pieces, titled with the province's yearly target."""
    return [Evidence("points_year", "Điểm tích lũy trong năm"),
            Evidence("points_reached", f"Đạt {target} điểm", kind="flag"),
            Evidence("quizzes_taken", "Bài thi đã làm"),
            Evidence("quizzes_passed", "Bài thi đạt"),
            Evidence("quiz_average", "Điểm bình quân bài thi", kind="percent")]


def points_evidence(ctx: YearContext):
    """(member id, key, value): each rated member's points in the year, whether they reach the target,
    and their quizzes of the year: taken, passed, and the average of their counted scores."""
    yield from _points(ctx)
    yield from _quizzes(ctx)


def _points(ctx: YearContext):
    """Points in the year and the target reached."""
    target = current_app.config["POINTS_YEARLY_TARGET"]
    earned = (select(PointEntry.member_id, func.sum(PointEntry.points).label("points"))
              .where(PointEntry.created_at >= ctx.start, PointEntry.created_at < ctx.end)
              .group_by(PointEntry.member_id).subquery())
    query = (select(ctx.members.c.member_id, earned.c.points)
             .outerjoin(earned, earned.c.member_id == ctx.members.c.member_id))
    for member_id, points in ctx.session.execute(query):
        points = int(points or 0)
        yield member_id, "points_year", points
        yield member_id, "points_reached", points >= target


def _quizzes(ctx: YearContext):
    """Per rated member who took a quiz in the year: quizzes taken, passed (by the counted attempt) and the
    average counted score as a rate from 0 to 1."""
    # A "first" quiz counts its first attempt only; a "best" one its highest score.
    counted_score = case((Quiz.counting == "first", case((QuizAttempt.number == 1, QuizAttempt.score))),
                         else_=QuizAttempt.score)
    per_quiz = (select(QuizAttempt.member_id, QuizAttempt.quiz_id, func.max(counted_score).label("score"),
                       func.max(Quiz.pass_mark).label("pass_mark"))
                .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
                .join(ctx.members, ctx.members.c.member_id == QuizAttempt.member_id)
                .where(QuizAttempt.status.in_(SCORED), QuizAttempt.submitted_at >= ctx.start,
                       QuizAttempt.submitted_at < ctx.end)
                .group_by(QuizAttempt.member_id, QuizAttempt.quiz_id).subquery())
    query = (select(per_quiz.c.member_id, func.count(per_quiz.c.score),
                    func.sum((per_quiz.c.score >= per_quiz.c.pass_mark).cast(Integer)), func.avg(per_quiz.c.score))
             .where(per_quiz.c.score.is_not(None))
             .group_by(per_quiz.c.member_id))
    for member_id, taken, passed, average in ctx.session.execute(query):
        yield member_id, "quizzes_taken", int(taken)
        yield member_id, "quizzes_passed", int(passed or 0)
        yield member_id, "quiz_average", round(float(average) / 100, 4)
