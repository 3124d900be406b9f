"""The member's own rating page (/me/rating): the year's evidence, the criteria to score, the level
they give, the branch's proposal and the committee's decision once taken, every step; and the
member home's reminder to assess oneself while the year is open."""
from __future__ import annotations

import re
from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from handbook.auth.models import User
from handbook.extensions import db
from handbook.forms import Form
from handbook.pdf import vietnamese_number
from handbook.ratings.evidence import rule_set_of
from handbook.ratings.models import (CRITERION_GROUPS, STATUSES, STEPS, MemberRating, RatingRuleSet, RatingStep,
                                     level_label, level_short)
from handbook.ratings.operations import MAX_TEXT, RatingRefused, self_assess
from handbook.ratings.rules import format_score
from handbook.registry import Evidence, add_member_today, registry
from handbook.scope import scoped_select

bp = Blueprint("my_rating", __name__, url_prefix="/me/rating")

NOTHING = "—"
EDITABLE_STATUSES = ("open", "self")
# What a score box may hold before the rules read it: digits with one comma or point. Anything else
# ("abc", "1e30") is sent on as text the rules refuse as "not a number"; an exponent would otherwise
# reach Decimal.quantize, which raises on numbers of more than 28 digits.
PLAIN_NUMBER = re.compile(r"\s*-?\d{1,6}(?:[.,]\d{0,6})?\s*")
NOT_A_NUMBER = "?"


class SelfAssessmentForm(Form):
    """The member's comment on their own year; the scores come as one box per criterion."""

    comment = TextAreaField("Tự nhận xét (ưu điểm, hạn chế, hướng khắc phục)", validators=[
        Optional(), Length(max=MAX_TEXT, message=f"Tối đa {MAX_TEXT} ký tự.")])


def register(app):
    """Plug the page in: its blueprint and its item on the member home."""
    app.register_blueprint(bp)
    add_member_today(app, rating_today)


def evidence_text(item: Evidence, value) -> str:
    """A piece of evidence as the page shows it: 1.234; "78,5%"; Có/Không; "—" for none."""
    if value is None:
        return NOTHING
    if item.kind == "flag":
        return "Có" if value else "Không"
    if item.kind == "percent":
        return vietnamese_number(float(value) * 100, item.decimals) + "%"
    return vietnamese_number(value, item.decimals)


def own_rating() -> MemberRating | None:
    """The signed-in member's rating of the open year, else of their latest year (through the scope)."""
    query = (scoped_select(MemberRating)
             .join(RatingRuleSet, RatingRuleSet.id == MemberRating.rule_set_id)
             .where(MemberRating.member_id == current_user.member_id)
             .order_by(RatingRuleSet.is_open.desc(), MemberRating.year.desc())
             .limit(1))
    return db.session.execute(query).scalar_one_or_none()


def _steps(rating: MemberRating) -> list[dict]:
    """The steps taken on ``rating``, oldest first, with the login of who took each."""
    rows = db.session.execute(
        scoped_select(RatingStep).add_columns(User.login)
        .outerjoin(User, User.id == RatingStep.by_id)
        .where(RatingStep.member_rating_id == rating.id)
        .order_by(RatingStep.at, RatingStep.id)).all()
    return [{"label": STEPS.get(step.step, step.step), "level": level_short(step.level),
             "score": format_score(step.score), "login": login, "at": step.at} for step, login in rows]


def _groups(rule_set: RatingRuleSet) -> list[dict]:
    """The criteria by group (common, then tasks), each group with the most points it gives."""
    groups = []
    for key, label in CRITERION_GROUPS.items():
        criteria = [c for c in rule_set.criteria if c.group == key]
        if criteria:
            groups.append({"label": label, "criteria": criteria,
                           "max": format_score(sum((Decimal(c.max_score) for c in criteria), Decimal(0)))})
    return groups


def _page(rating: MemberRating, form: SelfAssessmentForm, typed: dict | None = None, refusal: RatingRefused | None = None):
    """The rating page of ``rating``: what was typed and why it was refused, if it was."""
    rule_set = rule_set_of(db.session, rating.year)
    stored = {code: format_score(score) for code, score in (rating.self_scores or {}).items()}
    evidence = rating.evidence or {}
    return render_template(
        "ratings/self.html", rating=rating, rule_set=rule_set, groups=_groups(rule_set),
        evidence=[(item.label, evidence_text(item, evidence.get(item.key))) for item in registry().evidence],
        editable=rule_set.is_open and rating.status in EDITABLE_STATUSES,
        values=typed if typed is not None else stored, stored=stored, form=form,
        message=refusal.message if refusal else None, errors=refusal.errors if refusal else {},
        steps=_steps(rating), status=STATUSES.get(rating.status, rating.status),
        level_label=level_label, level_short=level_short, format_score=format_score)


def _no_rating(status: int):
    """The page saying there is nothing to assess (no member record: 404, as the house's /me pages)."""
    return render_template("ratings/self.html", rating=None, has_member=current_user.member_id is not None), status


@bp.route("", methods=["GET", "POST"])
@login_required
def self_assessment():
    """Show the member's own rating; on POST save their self-assessment (refused: the page again, 400)."""
    if current_user.member_id is None:
        return _no_rating(404)
    rating = own_rating()
    if rating is None:
        return _no_rating(200)
    form = SelfAssessmentForm()
    if request.method == "GET":
        form.comment.data = rating.self_comment
        return _page(rating, form)
    # Only the boxes of this year's criteria are read: the page works on the user's own row whatever
    # else the form carries.
    rule_set = rule_set_of(db.session, rating.year)
    typed = {c.code: request.form.get(f"score-{c.code}", "")[:20] for c in rule_set.criteria}
    scores = {code: text if not text.strip() or PLAIN_NUMBER.fullmatch(text) else NOT_A_NUMBER
              for code, text in typed.items()}
    try:
        if not form.validate_on_submit():
            raise RatingRefused("; ".join(form.comment.errors) or "Biểu mẫu không hợp lệ. Vui lòng tải lại trang.")
        self_assess(db.session, rating, scores, form.comment.data, current_user.id)
    except RatingRefused as exc:
        db.session.rollback()
        return _page(rating, form, typed, exc), 400
    db.session.commit()
    flash(f"Đã lưu bản tự đánh giá: {level_label(rating.self_level)}", "info")
    return redirect(url_for("my_rating.self_assessment"))


def rating_today(user) -> list[dict]:
    """"Tự đánh giá, xếp loại đảng viên năm YYYY" while the year is open and the member has not assessed
    themselves: one lookup by the (member, year) unique index."""
    if not user.member_id:
        return []
    year = db.session.execute(
        select(MemberRating.year)
        .join(RatingRuleSet, RatingRuleSet.id == MemberRating.rule_set_id)
        .where(MemberRating.member_id == user.member_id, MemberRating.status == "open", RatingRuleSet.is_open)
        .order_by(MemberRating.year.desc()).limit(1)).scalar()
    if year is None:
        return []
    return [{"text": f"Tự đánh giá, xếp loại đảng viên năm {year}", "url": url_for("my_rating.self_assessment")}]
