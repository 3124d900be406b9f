"""Study's monthly figures: points earned and the yearly target, quizzes taken with their average and pass
rate, and the members who studied the month's topic."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import Integer, and_, func, select

from handbook.registry import Figure, MonthContext
from handbook.study.models import PointEntry, QuizAttempt, StudyTopic, TopicRead

GROUP = "Điểm tích lũy"
STUDY_GROUP = "Học tập, thi trắc nghiệm"
SCORED = ("submitted", "expired")


def figures(target: int) -> list[Figure]:
    """The figures, titled with the province's yearly target."""
    return [
        Figure("points_month", "Điểm tích lũy trong tháng", GROUP),
        Figure("points_year", "Điểm tích lũy từ đầu năm", GROUP),
        Figure("points_average", "Điểm bình quân mỗi đảng viên (năm)", GROUP, ratio=("points_year", "members"),
               decimals=1, headline=True),
        Figure("members_on_target", f"Đảng viên đạt từ {target} điểm", GROUP),
        Figure("on_target_rate", f"Tỷ lệ đạt {target} điểm", GROUP, ratio=("members_on_target", "members"),
               percent=True, headline=True),
        Figure("quizzes_taken", "Lượt làm bài thi", STUDY_GROUP, headline=True),
        Figure("quiz_members", "Đảng viên làm bài thi", STUDY_GROUP),
        Figure("quiz_correct", "Số câu trả lời đúng", STUDY_GROUP),
        Figure("quiz_questions", "Số câu hỏi đã làm", STUDY_GROUP),
        Figure("quiz_average", "Điểm bình quân bài thi (tỷ lệ câu đúng)", STUDY_GROUP,
               ratio=("quiz_correct", "quiz_questions"), percent=True, decimals=1),
        Figure("quizzes_passed", "Lượt bài thi đạt", STUDY_GROUP),
        Figure("quiz_pass_rate", "Tỷ lệ bài thi đạt", STUDY_GROUP, ratio=("quizzes_passed", "quizzes_taken"),
               percent=True),
        Figure("topic_studied", "Đảng viên học chuyên đề của tháng", STUDY_GROUP),
        Figure("topic_rate", "Tỷ lệ học chuyên đề của tháng", STUDY_GROUP, ratio=("topic_studied", "members"),
               percent=True, headline=True),
    ]


def monthly_figures(ctx: MonthContext):
    """(key, organization id, value): points of the month and the year and the members on target; the
    quizzes the members finished in the month; the members who studied a topic of the month by its end."""
    yield from _points(ctx)
    yield from _quizzes(ctx)
    yield from _topics(ctx)


def _points(ctx: MonthContext):
    """Points earned in the month and since the year began, and the members whose points this year
    reached the target by the month's end."""
    members = ctx.members
    target = current_app.config["POINTS_YEARLY_TARGET"]
    in_month = func.sum(PointEntry.points).filter(PointEntry.created_at >= ctx.start)
    per_member = (select(members.c.member_id, members.c.organization_id,
                         func.sum(PointEntry.points).label("year"), in_month.label("month"))
                  .join(PointEntry, PointEntry.member_id == members.c.member_id)
                  .where(PointEntry.created_at >= ctx.year_start, PointEntry.created_at < ctx.end)
                  .group_by(members.c.member_id, members.c.organization_id).subquery())
    reached = func.sum((per_member.c.year >= target).cast(Integer))
    query = (select(per_member.c.organization_id, func.sum(per_member.c.month), func.sum(per_member.c.year), reached)
             .group_by(per_member.c.organization_id))
    for org_id, month, year, on_target in ctx.session.execute(query):
        yield "points_month", org_id, month or 0
        yield "points_year", org_id, year or 0
        yield "members_on_target", org_id, on_target or 0


def _quizzes(ctx: MonthContext):
    """Attempts scored in the month (submitted, or closed at their deadline), their right answers out of
    their questions, the passed ones and the members who took any, by the member's branch."""
    members = ctx.members
    query = (select(members.c.organization_id, func.count(QuizAttempt.id),
                    func.count(QuizAttempt.member_id.distinct()),
                    func.sum(QuizAttempt.correct_count), func.sum(QuizAttempt.question_count),
                    func.sum(QuizAttempt.passed.cast(Integer)))
             .join(QuizAttempt, QuizAttempt.member_id == members.c.member_id)
             .where(QuizAttempt.status.in_(SCORED), QuizAttempt.submitted_at >= ctx.start,
                    QuizAttempt.submitted_at < ctx.end)
             .group_by(members.c.organization_id))
    for org_id, taken, takers, correct, questions, passed in ctx.session.execute(query):
        yield "quizzes_taken", org_id, taken
        yield "quiz_members", org_id, takers
        yield "quiz_correct", org_id, correct or 0
        yield "quiz_questions", org_id, questions or 0
        yield "quizzes_passed", org_id, passed or 0


def _topics(ctx: MonthContext):
    """The members who studied a topic of the month (by the month's end), by branch."""
    members = ctx.members
    month_topics = select(StudyTopic.id).where(StudyTopic.month == ctx.month)
    query = (select(members.c.organization_id, func.count(TopicRead.member_id.distinct()))
             .join(TopicRead, and_(TopicRead.member_id == members.c.member_id,
                                   TopicRead.topic_id.in_(month_topics), TopicRead.read_at < ctx.end))
             .group_by(members.c.organization_id))
    for org_id, studied in ctx.session.execute(query):
        yield "topic_studied", org_id, studied


def quiz_takers(ctx: MonthContext):
    """The members who finished a quiz during the month: a use of the handbook."""
    return select(QuizAttempt.member_id).where(QuizAttempt.submitted_at >= ctx.start,
                                               QuizAttempt.submitted_at < ctx.end)


def topic_readers(ctx: MonthContext):
    """The members who studied a topic during the month: a use of the handbook."""
    return select(TopicRead.member_id).where(TopicRead.read_at >= ctx.start, TopicRead.read_at < ctx.end)
