"""The quiz engine: drawing an attempt, saving its answers, scoring it once and awarding its points.

An attempt's questions and option orders are drawn when it starts and kept on the server
(``QuizAttempt.layout``); the member only ever sees and sends positions in that order, and the
correct flags never leave the server before the attempt is scored. Scoring is one conditional
UPDATE (``WHERE status = 'open'``): whichever submission changes the row scores the attempt and
awards its points; every other one finds it already submitted.
"""
from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, bindparam, func, insert, select, update

from handbook.clock import utcnow
from handbook.extensions import dialect_insert
from handbook.organizations.models import Member
from handbook.scope import scoped
from handbook.study.models import Quiz, QuizAnswer, QuizAttempt, QuizQuestion, quiz_category_link
from handbook.study.operations import award_points, reading_key

# A submission may reach the server this long after the deadline (the network, an auto-submit at 0).
GRACE = timedelta(seconds=30)
QUIZ_SOURCE = "quiz"
SCORED = ("submitted", "expired")
_random = random.SystemRandom()


class QuizError(ValueError):
    """An attempt that cannot be started, saved or submitted; the message is for the member."""

    status = 400


class BadAnswers(QuizError):
    """Answers whose shape does not fit the attempt (positions out of range, wrong types)."""


class AlreadySubmitted(QuizError):
    """The attempt was already scored (another tab, a double click)."""

    status = 409

    def __init__(self, message: str = "Bài làm này đã được nộp."):
        super().__init__(message)


class DeadlinePassed(QuizError):
    """The attempt's time is up; it has been closed with the answers saved before the deadline."""

    status = 409

    def __init__(self, message: str = "Đã hết giờ làm bài: bài làm được chấm theo các câu đã lưu trước khi hết giờ."):
        super().__init__(message)


# -- drawing -----------------------------------------------------------------------------------
def draw_layout(session, quiz: Quiz, rng: random.Random | None = None) -> list:
    """``quiz.question_count`` random active questions of the quiz's categories, in a random order,
    each with its options in a random order: ``[[question_id, [bank option index, ...]], ...]``."""
    rng = rng or _random
    categories = select(quiz_category_link.c.category_id).where(quiz_category_link.c.quiz_id == quiz.id)
    ids = list(session.execute(select(QuizQuestion.id).where(
        QuizQuestion.category_id.in_(categories), QuizQuestion.active.is_(True))).scalars())
    if quiz.question_count < 1 or len(ids) < quiz.question_count:
        raise QuizError(f"Ngân hàng câu hỏi của bài thi chưa đủ {quiz.question_count} câu đang dùng; "
                        "hãy báo cấp ủy ra đề.")
    chosen = rng.sample(ids, quiz.question_count)  # a sample comes in random order already
    sizes = dict(session.execute(select(QuizQuestion.id, QuizQuestion.options).where(QuizQuestion.id.in_(chosen))).all())
    layout = []
    for question_id in chosen:
        order = list(range(len(sizes[question_id] or ())))
        rng.shuffle(order)
        layout.append([question_id, order])
    return layout


# -- starting ----------------------------------------------------------------------------------
def _open_attempt(session, quiz_id: int, member_id: int) -> QuizAttempt | None:
    """The member's attempt at the quiz still being taken, if any."""
    return session.execute(select(QuizAttempt).where(
        QuizAttempt.quiz_id == quiz_id, QuizAttempt.member_id == member_id, QuizAttempt.status == "open",
    ).order_by(QuizAttempt.number.desc()).limit(1)).scalar_one_or_none()


def start_attempt(session, quiz: Quiz, member: Member, now: datetime | None = None) -> QuizAttempt:
    """Start the member's next attempt at ``quiz``, or hand back the one they are still taking (a reload,
    a second tab, a double click); an attempt whose time is up is closed first."""
    now = now or utcnow()
    current = _open_attempt(session, quiz.id, member.id)
    if current is not None:
        if now < current.deadline:
            return current
        finish_attempt(session, current, "expired", current.answers or {}, now)
    if not quiz.is_open(now):
        raise QuizError("Bài thi chưa mở hoặc đã đóng.")
    used, last = session.execute(select(func.count(QuizAttempt.id), func.max(QuizAttempt.number)).where(
        QuizAttempt.quiz_id == quiz.id, QuizAttempt.member_id == member.id)).one()
    if used >= quiz.attempts_allowed:
        raise QuizError(f"Bạn đã dùng hết {quiz.attempts_allowed} lượt làm bài thi này.")
    # The unique (quiz, member, number) stops a double click: the second insert does nothing and
    # finds the attempt the first one made (ON CONFLICT, as the ledger does: no savepoint needed).
    stmt = dialect_insert(session)(QuizAttempt).values(
        quiz_id=quiz.id, member_id=member.id, organization_id=member.organization_id, number=(last or 0) + 1,
        status="open", started_at=now, deadline=min(now + timedelta(minutes=quiz.time_limit_minutes), quiz.closes_at),
        layout=draw_layout(session, quiz), answers={}, question_count=quiz.question_count, points_awarded=0,
    ).on_conflict_do_nothing(index_elements=["quiz_id", "member_id", "number"]).returning(QuizAttempt.id)
    attempt_id = session.execute(stmt).scalar_one_or_none()
    attempt = session.get(QuizAttempt, attempt_id) if attempt_id is not None else _open_attempt(session, quiz.id, member.id)
    if attempt is None:
        raise QuizError("Bài làm đang được tạo, vui lòng thử lại.")
    return attempt


# -- answers -----------------------------------------------------------------------------------
MAX_CHOICES = 8  # no question has more options (models.MAX_OPTIONS)


def _kinds(session, layout: list) -> dict[int, str]:
    """The kind ("single"/"multiple") of each question of a layout."""
    ids = [question_id for question_id, _order in layout]
    return dict(session.execute(select(QuizQuestion.id, QuizQuestion.kind).where(QuizQuestion.id.in_(ids))).all())


def clean_answers(layout: list, kinds: dict[int, str], answers) -> dict[str, list[int]]:
    """``answers`` checked against the attempt's layout: ``{"<question position>": [option position, ...]}``
    with positions as shown, each option once, a single-choice question at most one; unanswered
    questions left out. Anything else is BadAnswers."""
    if not isinstance(answers, dict):
        raise BadAnswers("Dữ liệu bài làm không hợp lệ.")
    if len(answers) > len(layout):
        raise BadAnswers("Bài làm có nhiều câu hơn đề thi.")
    cleaned = {}
    for key, chosen in answers.items():
        if not isinstance(key, str) or not key.isdigit() or int(key) >= len(layout):
            raise BadAnswers("Bài làm nhắc đến một câu hỏi không có trong đề.")
        position = int(key)
        question_id, order = layout[position]
        if not isinstance(chosen, list) or len(chosen) > MAX_CHOICES:
            raise BadAnswers(f"Câu {position + 1}: lựa chọn không hợp lệ.")
        if any(type(option) is not int or not 0 <= option < len(order) for option in chosen):
            raise BadAnswers(f"Câu {position + 1}: lựa chọn không có trong các phương án.")
        if len(set(chosen)) != len(chosen):
            raise BadAnswers(f"Câu {position + 1}: một phương án được chọn hai lần.")
        if kinds.get(question_id, "single") == "single" and len(chosen) > 1:
            raise BadAnswers(f"Câu {position + 1} chỉ được chọn một phương án.")
        if chosen:
            cleaned[str(position)] = sorted(chosen)
    return cleaned


def _refuse_closed(attempt: QuizAttempt) -> None:
    """Refuse an attempt already scored: closed at its deadline (DeadlinePassed) or handed in (AlreadySubmitted)."""
    if attempt.status == "expired":
        raise DeadlinePassed()
    if attempt.status != "open":
        raise AlreadySubmitted()


def _check_time(session, attempt: QuizAttempt, now: datetime) -> None:
    """Refuse a scored attempt; close one past its deadline (with its saved answers) and refuse it."""
    _refuse_closed(attempt)
    if now > attempt.deadline + GRACE:
        if not finish_attempt(session, attempt, "expired", attempt.answers or {}, now):
            raise AlreadySubmitted()
        raise DeadlinePassed()


def save_answers(session, attempt: QuizAttempt, answers, now: datetime | None = None) -> dict[str, list[int]]:
    """Keep the answers chosen so far (all of them, replacing what was saved) while the attempt is open;
    return what was kept. Past the deadline the attempt is closed instead (the caller commits even
    then) and DeadlinePassed raised."""
    now = now or utcnow()
    cleaned = clean_answers(attempt.layout, _kinds(session, attempt.layout), answers)
    _check_time(session, attempt, now)
    changed = session.execute(update(QuizAttempt).where(QuizAttempt.id == attempt.id, QuizAttempt.status == "open")
                              .values(answers=cleaned).execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise AlreadySubmitted()
    return cleaned


# -- scoring -----------------------------------------------------------------------------------
def attempt_points(quiz: Quiz, correct: int, question_count: int) -> int:
    """The points a score is worth: the quiz's points in proportion to the questions right."""
    return round(quiz.points * correct / question_count) if question_count else 0


def _grade(session, layout: list, answers: dict) -> list[tuple[int, bool]]:
    """(question id, answered right) for each question of a layout; a question is right only when the
    set of options chosen is exactly the set of correct ones."""
    ids = [question_id for question_id, _order in layout]
    options = dict(session.execute(select(QuizQuestion.id, QuizQuestion.options).where(QuizQuestion.id.in_(ids))).all())
    graded = []
    for position, (question_id, order) in enumerate(layout):
        correct = {i for i, option in enumerate(options.get(question_id) or ()) if option.get("correct")}
        chosen = {order[p] for p in answers.get(str(position), ()) if 0 <= p < len(order)}
        graded.append((question_id, bool(correct) and chosen == correct))
    return graded


def _earned_before(session, attempt: QuizAttempt, quiz: Quiz) -> int:
    """The most points an earlier scored attempt of the member at this quiz was worth."""
    rows = session.execute(select(QuizAttempt.correct_count, QuizAttempt.question_count).where(
        QuizAttempt.quiz_id == attempt.quiz_id, QuizAttempt.member_id == attempt.member_id,
        QuizAttempt.id != attempt.id, QuizAttempt.status.in_(SCORED))).all()
    return max((attempt_points(quiz, correct or 0, count) for correct, count in rows), default=0)


def finish_attempt(session, attempt: QuizAttempt, status: str, answers: dict, now: datetime) -> bool:
    """Score ``attempt`` on ``answers`` and close it as ``status`` ("submitted" or "expired") if it is still
    open: one conditional UPDATE decides, then its answers' rows and its points. False when another
    request scored it first (nothing written)."""
    quiz = attempt.quiz
    graded = _grade(session, attempt.layout, answers)
    count = len(graded)
    correct = sum(1 for _question, right in graded if right)
    score = round(100 * correct / count, 1) if count else 0.0
    changed = session.execute(
        update(QuizAttempt).where(QuizAttempt.id == attempt.id, QuizAttempt.status == "open").values(
            status=status, submitted_at=now, answers=answers, correct_count=correct, question_count=count,
            score=score, passed=score >= quiz.pass_mark,
        ).execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        session.expire(attempt)
        return False
    if graded:
        session.execute(insert(QuizAnswer), [
            {"attempt_id": attempt.id, "question_id": question_id, "correct": right} for question_id, right in graded])
    points = attempt_points(quiz, correct, count)
    if quiz.counting == "first":
        points = points if attempt.number == 1 else 0
    else:
        # "best": each attempt earns its improvement, so the quiz's total is its best attempt's points.
        points = max(0, points - _earned_before(session, attempt, quiz))
    awarded = award_points(session, attempt.member_id, QUIZ_SOURCE, f"quiz:{quiz.id}:attempt:{attempt.id}", points, now)
    session.execute(update(QuizAttempt).where(QuizAttempt.id == attempt.id).values(points_awarded=awarded)
                    .execution_options(synchronize_session=False))
    session.expire(attempt)
    return True


def submit_attempt(session, attempt_id: int, member_id: int, answers=None,
                   now: datetime | None = None) -> QuizAttempt:
    """Score the member's attempt on ``answers`` (None: those saved) and award its points, once.

    A second submission raises AlreadySubmitted; one later than the deadline and its grace closes the
    attempt as "expired" on its saved answers and raises DeadlinePassed (the caller commits even then)."""
    now = now or utcnow()
    attempt = session.execute(select(QuizAttempt).where(
        QuizAttempt.id == attempt_id, QuizAttempt.member_id == member_id)).scalar_one_or_none()
    if attempt is None:
        raise QuizError("Không tìm thấy bài làm.")
    _refuse_closed(attempt)
    if answers is None:
        cleaned = attempt.answers or {}
    else:
        cleaned = clean_answers(attempt.layout, _kinds(session, attempt.layout), answers)
    _check_time(session, attempt, now)
    if not finish_attempt(session, attempt, "submitted", cleaned, now):
        raise AlreadySubmitted()
    return attempt


def close_expired(session, now: datetime | None = None) -> int:
    """Score every open attempt whose deadline and grace have passed on its saved answers, as "expired";
    return how many were closed (one a concurrent submission scored first is not counted)."""
    now = now or utcnow()
    ids = list(session.execute(select(QuizAttempt.id).where(
        QuizAttempt.status == "open", QuizAttempt.deadline < now - GRACE).order_by(QuizAttempt.id)).scalars())
    closed = 0
    for attempt_id in ids:
        attempt = session.get(QuizAttempt, attempt_id)
        if attempt is not None and attempt.status == "open":
            closed += finish_attempt(session, attempt, "expired", attempt.answers or {}, now)
    return closed


# -- what the member pages show ----------------------------------------------------------------
@dataclass(frozen=True)
class QuizStanding:
    """A quiz as one member stands on it: attempts used and left, the one open, the counted result."""

    quiz: Quiz
    used: int
    left: int
    open_attempt_id: int | None
    counted_score: float | None
    counted_passed: bool | None


def counted_attempt(quiz: Quiz, attempts) -> object | None:
    """The attempt that counts for the quiz among a member's: the first scored ("first") or the best
    score, the earlier on a tie ("best")."""
    scored = [a for a in attempts if a.status in SCORED]
    if not scored:
        return None
    if quiz.counting == "first":
        return min(scored, key=lambda a: a.number)
    return max(scored, key=lambda a: (a.score or 0, -a.number))


def standings(session, quizzes: list[Quiz], member_id: int | None, now: datetime | None = None) -> list[QuizStanding]:
    """Each quiz with the member's attempts on it, in one query for all of them."""
    now = now or utcnow()
    by_quiz: dict[int, list] = {quiz.id: [] for quiz in quizzes}
    if member_id and quizzes:
        rows = session.execute(select(
            QuizAttempt.id, QuizAttempt.quiz_id, QuizAttempt.number, QuizAttempt.status, QuizAttempt.score,
            QuizAttempt.passed, QuizAttempt.deadline,
        ).where(QuizAttempt.member_id == member_id, QuizAttempt.quiz_id.in_(list(by_quiz)))).all()
        for row in rows:
            by_quiz[row.quiz_id].append(row)
    result = []
    for quiz in quizzes:
        attempts = by_quiz[quiz.id]
        open_ = next((a for a in attempts if a.status == "open" and now < a.deadline), None)
        counted = counted_attempt(quiz, attempts)
        result.append(QuizStanding(
            quiz, len(attempts), max(0, quiz.attempts_allowed - len(attempts)), open_.id if open_ else None,
            counted.score if counted else None, counted.passed if counted else None))
    return result


def open_quizzes(session, scope, member_id: int | None, now: datetime | None = None) -> list[QuizStanding]:
    """The quizzes open now to a reader (``scope`` a reading scope), closing soonest first, each with the
    member's attempts used, the one open and the counted score: two queries however many quizzes."""
    now = now or utcnow()
    quizzes = list(session.execute(_open_quizzes_statement(reading_key(scope)), {"now": now}).scalars())
    return standings(session, quizzes, member_id, now)


@functools.lru_cache(maxsize=4096)
def _open_quizzes_statement(key):
    """The open quizzes' SELECT for readers of ``key`` (see ``operations.reading_key``), scoped by the one
    rule and built once; the moment is bound at run time."""
    now = bindparam("now", type_=DateTime)
    return (scoped(select(Quiz), Quiz, key)
            .where(Quiz.status == "published", Quiz.opens_at <= now, Quiz.closes_at > now)
            .order_by(Quiz.closes_at, Quiz.id))


def member_attempts(session, quiz_id: int, member_id: int) -> list[QuizAttempt]:
    """A member's attempts at a quiz, first first."""
    return list(session.execute(select(QuizAttempt).where(
        QuizAttempt.quiz_id == quiz_id, QuizAttempt.member_id == member_id).order_by(QuizAttempt.number)).scalars())


def seconds_left(attempt: QuizAttempt, now: datetime | None = None) -> int:
    """Whole seconds until the attempt's deadline (0 once it has passed)."""
    return max(0, int((attempt.deadline - (now or utcnow())).total_seconds()))


def _questions(session, layout: list) -> dict[int, QuizQuestion]:
    """The questions of a layout by id, in one query."""
    ids = [question_id for question_id, _order in layout]
    return {q.id: q for q in session.execute(select(QuizQuestion).where(QuizQuestion.id.in_(ids))).scalars()}


def _shown(attempt: QuizAttempt, questions: dict[int, QuizQuestion]) -> list[dict]:
    """Each question of an attempt as shown: text, kind, option texts in the attempt's order, choices."""
    answers = attempt.answers or {}
    shown = []
    for position, (question_id, order) in enumerate(attempt.layout):
        question = questions.get(question_id)
        options = question.options if question is not None else []
        shown.append({
            "position": position,
            "text": question.text if question is not None else "",
            "kind": question.kind if question is not None else "single",
            "options": [options[i].get("text", "") if i < len(options) else "" for i in order],
            "chosen": list(answers.get(str(position), ())),
        })
    return shown


def taking_payload(session, attempt: QuizAttempt) -> list[dict]:
    """What the attempt page shows while it is being taken: each question's text, kind and option texts
    in the attempt's order, and the positions chosen so far. Nothing says which option is right."""
    return _shown(attempt, _questions(session, attempt.layout))


def review_payload(session, attempt: QuizAttempt) -> list[dict]:
    """After scoring, for a quiz that allows a review: each question with the member's choices, the
    right options (positions as shown), whether it was answered right, and its explanation."""
    if attempt.status not in SCORED:
        raise QuizError("Bài làm chưa được chấm.")
    questions = _questions(session, attempt.layout)
    shown = _shown(attempt, questions)
    for item, (question_id, order) in zip(shown, attempt.layout):
        question = questions.get(question_id)
        options = question.options if question is not None else []
        item["right"] = [p for p, i in enumerate(order) if i < len(options) and options[i].get("correct")]
        item["answered_right"] = bool(item["right"]) and sorted(item["chosen"]) == item["right"]
        item["explanation"] = question.explanation if question is not None else None
    return shown
