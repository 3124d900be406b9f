"""Member pages of study: the monthly topics, my points and my branch's leaderboard (the study home and
the quizzes' pages are in ``quiz_views``, on the same blueprint).

Everything goes through ``current_scope().for_reading()``: a member reads what the organizations on
the path from their branch to the root published."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from handbook.clock import local_now
from handbook.extensions import db
from handbook.paging import paginate
from handbook.scope import current_scope, get_scoped_or_404
from handbook.study.models import POINT_SOURCES, StudyTopic, TopicRead
from handbook.study.operations import (board_setting, branch_leaderboard, member_year_total, points_by_source,
                                       recent_entries, study_topic, topics_query)

bp = Blueprint("study", __name__, url_prefix="/study")
PER_PAGE = 20
LEADERBOARD_SHOWN = 20  # the board's top on a phone; the member's own row is always shown besides


def _reader():
    """The current user's reading scope."""
    return current_scope().for_reading()


def _page_arg() -> int:
    """The ``page`` query argument, 1 when missing or wrong."""
    value = request.args.get("page", "")
    return int(value) if value.isdigit() and 0 < int(value) <= 100_000 else 1


@bp.route("/topics/")
@login_required
def topics():
    """Every monthly topic the member may read, newest month first."""
    pagination = paginate(db.session, topics_query(_reader()), _page_arg(), PER_PAGE)
    return render_template("study/topics.html", pagination=pagination)


def _visible_topic_or_404(ident) -> StudyTopic:
    """A published topic the reader may see, or 404 (drafts and scheduled ones included)."""
    topic = get_scoped_or_404(StudyTopic, ident, _reader())
    if not topic.is_visible:
        abort(404)
    return topic


@bp.route("/topics/<int:id>")
@login_required
def topic(id):
    """One topic: its text, the documents to study with it, and the "studied" button."""
    item = _visible_topic_or_404(id)
    studied = current_user.member_id is not None and db.session.execute(
        db.select(TopicRead.id).where(TopicRead.member_id == current_user.member_id, TopicRead.topic_id == item.id)
    ).first() is not None
    documents = [doc for doc in item.documents if doc.is_visible]
    return render_template("study/topic.html", item=item, studied=studied, documents=documents)


@bp.route("/topics/<int:id>/studied", methods=["POST"])
@login_required
def studied(id):
    """Record that the member studied the topic, and award its points once."""
    item = _visible_topic_or_404(id)
    if not current_user.member_id:
        flash("Tài khoản của bạn chưa gắn với hồ sơ đảng viên nên không tích lũy điểm.", "danger")
        return redirect(url_for("study.topic", id=item.id), 303)
    _new, awarded = study_topic(db.session, current_user.member_id, item)
    db.session.commit()
    flash(f"Đã ghi nhận bạn đã học chuyên đề: +{awarded} điểm tích lũy." if awarded
          else "Đã ghi nhận bạn đã học chuyên đề.", "success")
    return redirect(url_for("study.topic", id=item.id))


@bp.route("/points")
@login_required
def points():
    """My points this year by source, my progress to the yearly target and my newest entries."""
    member_id = current_user.member_id
    year = local_now().year
    target = current_app.config["POINTS_YEARLY_TARGET"]
    if not member_id:
        return render_template("study/points.html", member_id=None, year=year, target=target)
    by_source = points_by_source(db.session, member_id, year)
    total = sum(by_source.values())
    sources = [(POINT_SOURCES.get(key, key), value) for key, value in
               sorted(by_source.items(), key=lambda kv: list(POINT_SOURCES).index(kv[0]) if kv[0] in POINT_SOURCES else 99)]
    return render_template("study/points.html", member_id=member_id, year=year, target=target, total=total,
                           sources=sources, recent=recent_entries(db.session, member_id),
                           progress=min(100, round(100 * total / target)) if target else 100)


@bp.route("/leaderboard")
@login_required
def leaderboard():
    """My branch's leaderboard for this year, unless a committee hid it; a frozen board counts up to its
    moment. The member always sees their own total."""
    member = current_user.member
    year = local_now().year
    if member is None:
        return render_template("study/leaderboard.html", member=None, year=year)
    branch = member.organization
    board = board_setting(db.session, branch.path)
    standings, own = [], None
    if board.mode != "hidden":
        standings = branch_leaderboard(db.session, branch.id, year, until=board.frozen_at)
        own = next((s for s in standings if s.member_id == member.id), None)
    # A live board already holds the member's total; a frozen or hidden one does not.
    own_total = own.points if own is not None and board.mode == "shown" else member_year_total(db.session, member.id, year)
    return render_template("study/leaderboard.html", member=member, branch=branch, year=year, board=board,
                           standings=standings[:LEADERBOARD_SHOWN], ranked=len(standings), own=own,
                           own_total=own_total, shown=LEADERBOARD_SHOWN)
