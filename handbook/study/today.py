"""What the member home lists under "Hôm nay" from study: open quizzes not yet done, points toward the yearly target."""
from flask import current_app, url_for
from sqlalchemy import and_, exists, select, text

from handbook.cache import kept
from handbook.clock import local_now, local_time
from handbook.extensions import db
from handbook.scope import Scope, scoped
from handbook.study.models import Quiz, QuizAttempt
from handbook.study.operations import member_year_total

QUIZZES_SHOWN = 2  # the home is a short list: the two quizzes closing soonest

# The member's newest ledger entry: any award changes it, in any process (an index-only lookup).
_VERSION = text("SELECT max(id) FROM point_entry WHERE member_id = :m")


def points_today(user) -> list[dict]:
    """The member's points this year against the province's yearly target.

    The sum reads every ledger row of the year, so it is kept per member for TODAY_CACHE_SECONDS,
    keyed by the member's newest ledger entry: their own points show at once in every process."""
    if not user.member_id:
        return []
    year = local_now().year
    target = current_app.config["POINTS_YEARLY_TARGET"]
    seconds = current_app.config.get("TODAY_CACHE_SECONDS", 60)
    version = db.session.execute(_VERSION, {"m": user.member_id}).scalar() if seconds else None
    points = kept("points_today", (user.member_id, year, version),
                  lambda: member_year_total(db.session, user.member_id, year), seconds, maxsize=20_000)
    # Reading is where points are earned today: the item leads to the library.
    if points < target:
        text_ = f"Điểm tích lũy năm {year}: {points}/{target} — còn {target - points} điểm để đạt chỉ tiêu"
    else:
        text_ = f"Điểm tích lũy năm {year}: {points} — đã đạt chỉ tiêu {target} điểm"
    return [{"text": text_, "url": url_for("content.library")}]


def quizzes_today(user) -> list[dict]:
    """The open quizzes of the member's audience they have not done yet (no scored attempt), closing
    soonest first, at most QUIZZES_SHOWN: one query."""
    if not user.member_id:
        return []
    scope = Scope.for_user(user).for_reading()
    done = exists().where(and_(QuizAttempt.quiz_id == Quiz.id, QuizAttempt.member_id == user.member_id,
                               QuizAttempt.status != "open"))
    rows = db.session.execute(
        scoped(select(Quiz.id, Quiz.title, Quiz.closes_at), Quiz, scope)
        .where(Quiz.open_now(), ~done).order_by(Quiz.closes_at, Quiz.id).limit(QUIZZES_SHOWN)
    ).all()
    return [{"text": f"Bài thi đang mở: {row.title} — hạn {local_time(row.closes_at)}",
             "url": url_for("study.quiz", id=row.id)} for row in rows]
