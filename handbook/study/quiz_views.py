"""Member pages of quizzes: the study home, a quiz, taking an attempt and its result.

Everything a member reads goes through ``current_scope().for_reading()``; an attempt is shown only to
the member who took it. The correct options never reach a page or a JSON answer before the attempt
is scored (``quizzes.taking_payload``).
"""
from __future__ import annotations

import re

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from handbook.clock import local_time, utcnow
from handbook.extensions import db
from handbook.scope import current_scope, get_scoped_or_404, parse_id, record_refusal
from handbook.study import quizzes
from handbook.study.models import COUNTING, Quiz, QuizAttempt
from handbook.study.operations import current_topic
from handbook.study.views import bp

MAX_BODY = 16 * 1024  # an answer sheet of 100 questions is under 2 KB; anything bigger is not one
NO_MEMBER = "Tài khoản của bạn chưa gắn với hồ sơ đảng viên nên không làm bài thi được."
_FIELD = re.compile(r"q(\d{1,4})")


def _reader():
    """The current user's reading scope."""
    return current_scope().for_reading()


def _wants_json() -> bool:
    """Did a script ask for JSON rather than a page?"""
    return request.is_json or request.accept_mimetypes.best == "application/json"


def _quiz_or_404(ident) -> Quiz:
    """A published quiz of the reader's audience whose window has opened (a closed one still shows its
    results), or 404."""
    quiz = get_scoped_or_404(Quiz, ident, _reader())
    if quiz.status != "published" or quiz.opens_at > utcnow():
        abort(404)
    return quiz


def _own_attempt_or_404(ident) -> QuizAttempt:
    """The current member's own attempt (with its quiz), or 404: nobody else's attempt is ever shown."""
    ident = parse_id(ident)
    member_id = current_user.member_id
    attempt = None
    if ident is not None and member_id:
        attempt = db.session.execute(select(QuizAttempt).options(joinedload(QuizAttempt.quiz)).where(
            QuizAttempt.id == ident, QuizAttempt.member_id == member_id)).scalar_one_or_none()
    if attempt is None:
        if ident is not None:
            record_refusal(QuizAttempt, ident)
        abort(404)
    return attempt


def _error(exc: quizzes.QuizError, attempt: QuizAttempt | None = None):
    """A refused save or submission: JSON ``{"error": ...}`` for a script, else the attempt's page with the message."""
    if _wants_json():
        body = {"error": str(exc)}
        if attempt is not None and isinstance(exc, (quizzes.AlreadySubmitted, quizzes.DeadlinePassed)):
            body["url"] = url_for("study.attempt", id=attempt.id)
        return jsonify(body), exc.status
    flash(str(exc), "danger")
    if attempt is None:
        abort(exc.status)
    db.session.refresh(attempt)
    return _attempt_page(attempt, exc.status)


def _posted_answers():
    """The answers a request carries: JSON ``{"answers": {...}}`` or form fields ``q<position>`` holding
    option positions; None when it carries none. BadAnswers when they cannot be read."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise quizzes.BadAnswers("Bài làm gửi lên quá lớn.")
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or "answers" not in body:
            raise quizzes.BadAnswers("Dữ liệu bài làm không hợp lệ.")
        return body["answers"]
    answers = {}
    for key in request.form:
        match = _FIELD.fullmatch(key)
        if match is None:
            continue  # the CSRF token, the button
        values = request.form.getlist(key)
        if not all(v.isascii() and v.isdigit() and len(v) < 4 for v in values):
            raise quizzes.BadAnswers("Lựa chọn không hợp lệ.")
        answers[str(int(match.group(1)))] = [int(v) for v in values]
    return answers


# -- pages -------------------------------------------------------------------------------------
@bp.route("/")
@login_required
def index():
    """The study home: the topic of the month, my open quizzes, and the way to my points and the board."""
    reader = _reader()
    topic = current_topic(db.session, reader)
    open_ = quizzes.open_quizzes(db.session, reader, current_user.member_id)
    return render_template("study/index.html", topic=topic, standings=open_, local_time=local_time, score=score_text)


@bp.route("/quizzes/<id>")
@login_required
def quiz(id):
    """A quiz: its rules, my past attempts and their scores, and the button to start or go on."""
    item = _quiz_or_404(id)
    member_id = current_user.member_id
    attempts = quizzes.member_attempts(db.session, item.id, member_id) if member_id else []
    now = utcnow()
    open_attempt = next((a for a in attempts if a.status == "open" and now < a.deadline), None)
    counted = quizzes.counted_attempt(item, attempts)
    left = max(0, item.attempts_allowed - len(attempts))
    return render_template(
        "study/quiz.html", quiz=item, attempts=attempts, open_attempt=open_attempt, counted=counted, left=left,
        is_open=item.is_open(now), has_member=bool(member_id), no_member=NO_MEMBER, counting=COUNTING,
        local_time=local_time, score=score_text,
    )


@bp.route("/quizzes/<id>/start", methods=["POST"])
@login_required
def start_quiz(id):
    """Start an attempt (or go back to the one under way) and open it."""
    item = _quiz_or_404(id)
    member = current_user.member if current_user.member_id else None
    if member is None:
        if _wants_json():
            return jsonify(error=NO_MEMBER), 400
        flash(NO_MEMBER, "danger")
        return redirect(url_for("study.quiz", id=item.id))
    try:
        attempt = quizzes.start_attempt(db.session, item, member)
    except quizzes.QuizError as exc:
        db.session.commit()  # an attempt whose time was up has been closed on the way
        if _wants_json():
            return jsonify(error=str(exc)), exc.status
        flash(str(exc), "danger")
        return redirect(url_for("study.quiz", id=item.id))
    db.session.commit()
    url = url_for("study.attempt", id=attempt.id)
    return jsonify(url=url) if _wants_json() else redirect(url)


def _attempt_page(attempt: QuizAttempt, status: int = 200):
    """The attempt's page: the sheet while it is open, the result once scored."""
    quiz = attempt.quiz
    if attempt.status == "open":
        return render_template(
            "study/attempt.html", attempt=attempt, quiz=quiz, questions=quizzes.taking_payload(db.session, attempt),
            seconds_left=quizzes.seconds_left(attempt), local_time=local_time, score=score_text,
        ), status
    review = quizzes.review_payload(db.session, attempt) if quiz.show_review else None
    return render_template("study/result.html", attempt=attempt, quiz=quiz, review=review, local_time=local_time,
                           score=score_text), status


@bp.route("/attempts/<id>")
@login_required
def attempt(id):
    """One of my attempts: the sheet while it is open, its result once scored. An attempt left open past
    its deadline is scored here on its saved answers rather than waiting for the job."""
    item = _own_attempt_or_404(id)
    now = utcnow()
    if item.status == "open" and now > item.deadline + quizzes.GRACE:
        quizzes.finish_attempt(db.session, item, "expired", item.answers or {}, now)
        db.session.commit()
        db.session.refresh(item)
    return _attempt_page(item)


@bp.route("/attempts/<id>/answers", methods=["POST"])
@login_required
def save_answers(id):
    """Autosave: keep the choices made so far (JSON in, JSON out)."""
    item = _own_attempt_or_404(id)
    try:
        kept = quizzes.save_answers(db.session, item, _posted_answers())
    except quizzes.QuizError as exc:
        db.session.commit()  # a late save closes the attempt
        return _error(exc, item)
    left = quizzes.seconds_left(item)  # before the commit expires the attempt
    db.session.commit()
    return jsonify(saved=True, answered=len(kept), seconds_left=left)


@bp.route("/attempts/<id>/submit", methods=["POST"])
@login_required
def submit_attempt(id):
    """Hand the attempt in: scored on the server once, however many times it is sent."""
    item = _own_attempt_or_404(id)
    try:
        answers = _posted_answers()
        done = quizzes.submit_attempt(db.session, item.id, item.member_id, answers)
    except quizzes.QuizError as exc:
        db.session.commit()  # a late submission closes the attempt on its saved answers
        return _error(exc, item)
    db.session.commit()
    db.session.refresh(done)
    url = url_for("study.attempt", id=done.id)
    if _wants_json():
        return jsonify(status=done.status, score=done.score, passed=done.passed, points=done.points_awarded, url=url)
    flash(f"Đã nộp bài: kết quả {score_text(done.score)}/100, cộng {done.points_awarded} điểm tích lũy.", "success")
    return redirect(url)


def score_text(value) -> str:
    """A score as Vietnamese write it: 66,7."""
    return f"{value or 0:.1f}".replace(".", ",").removesuffix(",0")
