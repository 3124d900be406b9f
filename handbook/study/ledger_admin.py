"""Back-office screens of the ledger, the attempts and the quizzes' statistics.

The ledger holds millions of rows: its lists count at most ``COUNT_CAP`` rows (beyond that the pager
says "next" instead of a last page), sort by id (the primary key's index) and find a member's rows by
the member ids their accent-free name matches, never by a LIKE across a join."""
from __future__ import annotations

import json
import re

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, FilterEqual, IntEqualFilter
from flask_admin.model.fields import AjaxSelectField
from flask_admin.model.template import LinkRowAction
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import false, func, select
from sqlalchemy.orm import joinedload
from wtforms import IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from handbook.admin.base import ScopedAjaxLoader, ScopedModelView, StaffOnly, choice_label, unresolved_choice
from handbook.admin.menu import STUDY
from handbook.audit.operations import record
from handbook.auth.models import User
from handbook.clock import local_time
from handbook.extensions import db
from handbook.forms import Form
from handbook.organizations.models import Member, Organization
from handbook.scope import current_scope, get_scoped_or_404, parse_id, record_refusal, scoped, subtree_ids
from handbook.spreadsheets import Column, ascii_filename, xlsx_response
from handbook.study import statistics
from handbook.study.models import (
    ATTEMPT_STATUSES, POINT_SOURCES, PointEntry, Quiz, QuizAttempt, QuizQuestion,
)
from handbook.study.operations import MANUAL_POINTS_RANGE, REASON_RANGE, LedgerError, correct_entry, manual_award
from handbook.text import like_pattern

# Who may award and correct points: committees and the admin; branch secretaries only read the ledger.
AWARD_ROLES = ("admin", "committee")
# A list counts up to this many rows; past it, the pager goes page by page.
COUNT_CAP = 10_000
# A name search sends at most this many member ids to SQL as a list (the planner then knows how few
# rows they have); a broader name is searched through a subquery.
MEMBER_IDS_LISTED = 1_000
INT_MAX = 2**31 - 1  # member ids are INTEGER columns


# -- references, authors --------------------------------------------------------------------------
_REFERENCES = (
    (re.compile(r"quiz:(\d+):attempt:(\d+)"), "Bài thi #{0}, lượt #{1}"),
    (re.compile(r"document:(\d+)"), "Tài liệu #{0}"),
    (re.compile(r"article:(\d+)"), "Tin tức #{0}"),
    (re.compile(r"topic:(\d+)"), "Chuyên đề #{0}"),
    (re.compile(r"meeting:(\d+)"), "Buổi sinh hoạt #{0}"),
    (re.compile(r"correction:(\d+)"), "Điều chỉnh mục #{0}"),
    (re.compile(r"manual:\w+"), ""),  # the source already says it; the note gives the reason
)


def reference_text(reference: str | None) -> str:
    """A ledger reference as a person reads it: "quiz:7:attempt:1234" → "Bài thi #7, lượt #1234"."""
    for pattern, text in _REFERENCES:
        match = pattern.fullmatch(reference or "")
        if match:
            return text.format(*match.groups())
    return reference or ""


def _reference(view, context, model, name):
    """The reference in words, linking to what this screen can open (the attempt, the corrected entry)."""
    text = reference_text(model.reference)
    reference = model.reference or ""
    if match := re.fullmatch(r"quiz:(\d+):attempt:(\d+)", reference):
        return Markup('<a href="{}">{}</a>').format(url_for("quizattempt.details_view", id=match.group(2)), text)
    if match := re.fullmatch(r"correction:(\d+)", reference):
        return Markup('<a href="{}">{}</a>').format(url_for("pointentry.details_view", id=match.group(1)), text)
    return text


def _reference_export(view, context, model, name):
    """The reference in words, in a file."""
    return reference_text(model.reference)


def _user_names(ids) -> dict:
    """The names of accounts (the member's name, else the login), remembered for this request."""
    names = g.setdefault("ledger_user_names", {})
    wanted = {i for i in ids if i is not None and i not in names}
    if wanted:
        rows = db.session.execute(
            select(User.id, User.login, Member.full_name).outerjoin(Member, Member.id == User.member_id)
            .where(User.id.in_(wanted)))
        for user_id, login, full_name in rows:
            names[user_id] = f"{full_name} ({login})" if full_name else login
    return names


def _given_by(view, context, model, name):
    """Who gave a manual award or a correction (nobody: earned by the member's own activity)."""
    if model.created_by_id is None:
        return ""
    return _user_names([model.created_by_id]).get(model.created_by_id, f"#{model.created_by_id}")


def _signed_points(view, context, model, name):
    """Points with their sign: green when earned, red when taken back."""
    css = "text-success" if model.points > 0 else "text-danger"
    return Markup('<span class="{} font-weight-bold">{:+d}</span>').format(css, model.points)


# -- filters ----------------------------------------------------------------------------------------
def _matching_members(term_text: str):
    """The ids of the members in the user's scope whose accent-free name holds every word: a list when
    few, else a subquery. Remembered for the request (the page and its count both ask)."""
    cache = g.setdefault("ledger_member_search", {})
    if term_text not in cache:
        stmt = scoped(select(Member.id), Member)
        for term in term_text.split():
            stmt = stmt.where(Member.search_key.like(like_pattern(term), escape="\\"))
        ids = db.session.execute(stmt.limit(MEMBER_IDS_LISTED + 1)).scalars().all()
        cache[term_text] = ids if len(ids) <= MEMBER_IDS_LISTED else stmt
    return cache[term_text]


class MemberNameFilter(BaseSQLAFilter):
    """Rows of members whose name holds the words typed, accents and case ignored."""

    def apply(self, query, value, alias=None):
        return query.filter(self.column.in_(_matching_members(value[:200])))

    def operation(self):
        return "có tên chứa"


class OrganizationCodeFilter(BaseSQLAFilter):
    """Rows of the organization with this code and everything below it. ``members`` says whether the
    column holds member ids (their branch is looked up) or organization ids."""

    def __init__(self, column, name, members: bool, **kwargs):
        super().__init__(column, name, **kwargs)
        self.members = members

    def apply(self, query, value, alias=None):
        path = db.session.execute(
            select(Organization.path).where(Organization.code == value.strip().upper())).scalar_one_or_none()
        if path is None:
            return query.filter(false())
        organizations = subtree_ids(path)
        if self.members:
            return query.filter(self.column.in_(select(Member.id).where(Member.organization_id.in_(organizations))))
        return query.filter(self.column.in_(organizations))

    def operation(self):
        return "có mã (gồm cấp dưới)"


class PointsSignFilter(BaseSQLAFilter):
    """Awards (points added) or corrections (points taken back)."""

    def apply(self, query, value, alias=None):
        return query.filter(self.column > 0 if value == "plus" else self.column < 0)

    def operation(self):
        return "là"


# -- fast lists -------------------------------------------------------------------------------------
class _BigList:
    """A list over a table of millions of rows: newest first by id, a member-name search through their
    ids, and a count that stops at ``COUNT_CAP``."""

    simple_list_pager = True  # Flask-Admin's own count would read every row in scope
    audits_listing = True  # the rows name members: each page is an audit entry with them as subjects
    column_default_sort = ("id", True)
    export_max_rows = 1_000_000  # a worksheet holds 1,048,576 rows; a province's ledger holds millions
    list_template = "study/ledger_list.html"
    member_key = "member_id"  # the model's column of member ids

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Rows of the members whose accent-free name holds every word searched."""
        search = " ".join((search or "")[:200].split())
        if search:
            condition = getattr(self.model, self.member_key).in_(_matching_members(search))
            query = query.filter(condition)
            if count_query is not None:
                count_query = count_query.filter(condition)
        return query, count_query, joins, count_joins

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """One page, and the rows' count up to ``COUNT_CAP`` (None past it: the pager then goes page by page)."""
        count, rows = super().get_list(page, sort_column, sort_desc, search, filters, execute=execute,
                                       page_size=page_size)
        if not execute:
            return count, rows
        _none, query = super().get_list(0, None, False, search, filters, execute=False, page_size=0)
        capped = query.with_entities(self.model.id).order_by(None).limit(COUNT_CAP + 1).subquery()
        count = db.session.execute(select(func.count()).select_from(capped)).scalar_one()
        g.list_count_capped = count > COUNT_CAP
        self.prefetch(rows)
        return (None if g.list_count_capped else count), rows

    def prefetch(self, rows) -> None:
        """Load what the page's formatters show from other tables, in one query each."""

    def render(self, template, **kwargs):
        """The page, with whether its count stopped at the cap."""
        kwargs.setdefault("count_capped", g.get("list_count_capped", False))
        kwargs.setdefault("count_cap", COUNT_CAP)
        return super().render(template, **kwargs)


class PointEntryView(_BigList, ScopedModelView):
    """The points ledger (sổ điểm tích lũy): read only; committees add and correct through their own forms."""

    edit_roles = ()  # entries are never created, edited or deleted through the model form
    own_organization_columns = ("member.organization.name",)
    column_list = ["created_at", "member.full_name", "member.organization.name", "source", "reference", "points",
                   "note", "created_by_id"]
    column_details_list = column_list
    column_export_list = ["created_at", "member.full_name", "member.card_number", "member.organization.name", "source",
                          "reference", "points", "note", "created_by_id"]
    column_searchable_list = ["member.full_name"]
    column_sortable_list = ["created_at", "points"]
    column_filters = [
        FilterEqual(PointEntry.source, "Nguồn", options=list(POINT_SOURCES.items())),
        MemberNameFilter(PointEntry.member_id, "Đảng viên"),
        OrganizationCodeFilter(PointEntry.member_id, "Tổ chức", members=True),
        "created_at",
        PointsSignFilter(PointEntry.points, "Điểm", options=[("plus", "Cộng điểm (+)"), ("minus", "Trừ điểm (−)")]),
    ]
    column_labels = {
        "created_at": "Thời gian", "member.full_name": "Đảng viên", "member.card_number": "Số thẻ",
        "member.organization.name": "Chi bộ", "source": "Nguồn", "reference": "Căn cứ", "points": "Điểm",
        "note": "Lý do", "created_by_id": "Người cộng / điều chỉnh",
    }
    column_formatters = {"source": choice_label(POINT_SOURCES), "reference": _reference, "points": _signed_points,
                         "created_by_id": _given_by}
    column_formatters_export = {"source": choice_label(POINT_SOURCES), "reference": _reference_export,
                                "created_by_id": _given_by}

    def get_query(self):
        """The entries in scope, each with its member and their branch."""
        return super().get_query().options(joinedload(PointEntry.member).joinedload(Member.organization))

    def prefetch(self, rows) -> None:
        """The names of the page's authors, in one query."""
        _user_names([row.created_by_id for row in rows])

    def get_list_row_actions(self):
        """Details, and for committees "Điều chỉnh" (take the entry back by a new one)."""
        actions = super().get_list_row_actions()
        if current_user.is_authenticated and current_user.role in AWARD_ROLES:
            actions.append(LinkRowAction("fa fa-undo", url_for(".correct_view") + "?id={row_id}", title="Điều chỉnh"))
        return actions

    @expose("/correct/", methods=("GET", "POST"))
    def correct_view(self):
        """Correct an entry by a new one of opposite sign, with a reason (audited); never by editing it."""
        if current_user.role not in AWARD_ROLES:
            abort(403)
        entry = self.get_one(request.values.get("id"))
        form = CorrectionForm()
        status = 200
        if request.method == "POST":
            if form.validate_on_submit():
                try:
                    correction = correct_entry(db.session, entry, form.reason.data, current_user.id,
                                               points=form.points.data)
                except LedgerError as exc:
                    db.session.rollback()
                    flash(str(exc), "error")
                    status = 400
                else:
                    record("points_correction", "point_entry", correction.id, subjects=[entry.member_id], detail={
                        "screen": str(self.name), "entry": entry.id, "points": correction.points,
                        "reason": correction.note,
                    })
                    db.session.commit()
                    flash(f"Đã điều chỉnh: {correction.points:+d} điểm cho {entry.member.full_name}.", "success")
                    return redirect(url_for(".index_view"))
            else:
                status = 400
        return self.render("study/ledger_correct.html", entry=entry, form=form,
                           reference=reference_text(entry.reference), source=entry.source_label,
                           local_time=local_time), status


class QuizAttemptView(_BigList, ScopedModelView):
    """Quiz attempts: read only; an attempt's details show its questions, the member's choices and the right
    ones once it is finished."""

    edit_roles = ()
    details_template = "study/ledger_attempt_details.html"
    own_organization_columns = ("organization.name",)
    column_list = ["quiz.title", "member.full_name", "organization.name", "number", "status", "started_at",
                   "submitted_at", "score", "passed", "points_awarded"]
    column_details_list = column_list
    column_export_list = ["quiz.title", "member.full_name", "member.card_number", "organization.name", "number",
                          "status", "started_at", "submitted_at", "score", "passed", "points_awarded"]
    column_searchable_list = ["member.full_name"]
    column_sortable_list = ["started_at", "submitted_at", "score"]
    column_filters = [
        IntEqualFilter(QuizAttempt.quiz_id, "Mã bài thi"),
        "quiz.title",
        FilterEqual(QuizAttempt.status, "Trạng thái", options=list(ATTEMPT_STATUSES.items())),
        "passed",
        OrganizationCodeFilter(QuizAttempt.organization_id, "Tổ chức", members=False),
        "started_at",
        MemberNameFilter(QuizAttempt.member_id, "Đảng viên"),
    ]
    column_select_related_list = [QuizAttempt.quiz, QuizAttempt.member, QuizAttempt.organization]
    column_labels = {
        "quiz.title": "Bài thi", "member.full_name": "Đảng viên", "member.card_number": "Số thẻ",
        "organization.name": "Chi bộ", "number": "Lần", "status": "Trạng thái", "started_at": "Bắt đầu",
        "submitted_at": "Nộp bài", "score": "Điểm (%)", "passed": "Đạt", "points_awarded": "Điểm tích lũy",
    }
    column_formatters = {"status": choice_label(ATTEMPT_STATUSES),
                         "score": lambda v, c, m, n: "" if m.score is None else f"{m.score:.1f}".replace(".", ",")}
    column_formatters_export = {"status": choice_label(ATTEMPT_STATUSES)}

    def render(self, template, **kwargs):
        """The details page with the attempt's questions (only once the attempt is finished)."""
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs["review"] = attempt_review(kwargs["model"])
        return super().render(template, **kwargs)


def attempt_review(attempt: QuizAttempt) -> list[dict] | None:
    """The attempt's questions in the order shown, each option with whether the member chose it and whether
    it is right; None while the attempt is open (its answers must not leak to anyone)."""
    if attempt.status == "open":
        return None
    layout = attempt.layout or []
    ids = [item[0] for item in layout if item]
    questions = {q.id: q for q in db.session.execute(
        scoped(select(QuizQuestion), QuizQuestion, current_scope().for_reading()).where(QuizQuestion.id.in_(ids))
    ).scalars()} if ids else {}
    answers = attempt.answers or {}
    review = []
    for position, (question_id, order) in enumerate(layout):
        question = questions.get(question_id)
        chosen = set(answers.get(str(position)) or ())
        options = []
        if question is not None:
            bank = question.options or []
            for shown, index in enumerate(order):
                option = bank[index] if 0 <= index < len(bank) else {}
                options.append({"text": option.get("text", ""), "correct": bool(option.get("correct")),
                                "chosen": shown in chosen})
        right = bool(options) and all(o["correct"] == o["chosen"] for o in options)
        review.append({"number": position + 1, "text": question.text if question else "(Câu hỏi không còn trong ngân hàng)",
                       "options": options, "right": right,
                       "explanation": question.explanation if question else None})
    return review


# -- the manual award -------------------------------------------------------------------------------
# The member lookup of the award form: the user's subtree only, accent-free, audited.
MEMBER_LOADER = ScopedAjaxLoader("member", db, Member, fields=["full_name", "card_number"],
                                 placeholder="Gõ tên hoặc số thẻ đảng viên")


class AwardForm(Form):
    """Points given by a committee's decision, with its reason."""

    member = AjaxSelectField(MEMBER_LOADER, "Đảng viên", validators=[InputRequired("Vui lòng chọn đảng viên.")])
    points = IntegerField("Số điểm cộng", validators=[
        InputRequired(f"Nhập số điểm từ {MANUAL_POINTS_RANGE[0]} đến {MANUAL_POINTS_RANGE[1]}."),
        NumberRange(*MANUAL_POINTS_RANGE,
                    message=f"Số điểm cộng phải từ {MANUAL_POINTS_RANGE[0]} đến {MANUAL_POINTS_RANGE[1]}.")])
    reason = TextAreaField("Lý do", validators=[
        InputRequired("Vui lòng ghi lý do."),
        Length(*REASON_RANGE, message=f"Lý do dài từ {REASON_RANGE[0]} đến {REASON_RANGE[1]} ký tự.")],
        render_kw={"rows": 3, "maxlength": REASON_RANGE[1]})


class CorrectionForm(Form):
    """Taking back a ledger entry, wholly or in part, with the reason."""

    points = IntegerField("Số điểm trừ lại", validators=[
        Optional(), NumberRange(min=1, message="Số điểm trừ lại phải là số dương.")],
        description="Để trống để trừ lại toàn bộ số điểm của mục này.")
    reason = TextAreaField("Lý do", validators=[
        InputRequired("Vui lòng ghi lý do."),
        Length(*REASON_RANGE, message=f"Lý do dài từ {REASON_RANGE[0]} đến {REASON_RANGE[1]} ký tự.")],
        render_kw={"rows": 3, "maxlength": REASON_RANGE[1]})


class PointAwardView(StaffOnly, BaseView):
    """Cộng điểm: a committee gives a member of its subtree points, with the reason (audited)."""

    allowed_roles = AWARD_ROLES

    @expose("/", methods=("GET", "POST"))
    def index(self):
        """The form; a valid award writes one ledger entry and its audit entry."""
        if request.method == "POST":
            ident = parse_id(request.form.get("member"))
            if ident is None or ident > INT_MAX:
                # No member has this id (ids are 32-bit integers on PostgreSQL, the audit's too): never sent to SQL.
                abort(404)
        form = AwardForm()
        status = 200
        if request.method == "POST":
            if unresolved_choice(form.member):
                # An id the scoped lookup cannot resolve: out of the subtree, or forged.
                record_refusal(Member, (form.member.raw_data or [None])[0])
                abort(404)
            if form.validate_on_submit():
                member = form.member.data
                try:
                    entry = manual_award(db.session, member.id, form.points.data, form.reason.data, current_user.id)
                except LedgerError as exc:
                    db.session.rollback()
                    flash(str(exc), "error")
                    status = 400
                else:
                    record("points_manual", "point_entry", entry.id, subjects=[member.id], detail={
                        "screen": str(self.name), "points": entry.points, "reason": entry.note})
                    db.session.commit()
                    flash(f"Đã cộng {entry.points} điểm cho {member.full_name}.", "success")
                    return redirect(url_for("pointentry.index_view", search=member.full_name))
            else:
                status = 400
        return self.render("study/ledger_award.html", form=form), status

    @expose("/ajax/lookup/")
    def ajax_lookup(self):
        """The member lookup behind the form's search-as-you-type field."""
        loader = MEMBER_LOADER
        if request.args.get("name") != loader.name:
            abort(404)
        rows = loader.get_list(request.args.get("query") or "", request.args.get("offset", 0, type=int),
                               request.args.get("limit", 10, type=int))
        return self.response_json([loader.format(m) for m in rows])

    @staticmethod
    def response_json(data):
        """A JSON answer (Vietnamese kept readable)."""
        return Response(json.dumps(data, ensure_ascii=False), mimetype="application/json")


# -- quiz statistics --------------------------------------------------------------------------------
class QuizStatisticsView(StaffOnly, BaseView):
    """Thống kê bài thi: a quiz's figures over the attempts of the members in the user's subtree."""

    @expose("/")
    def index(self):
        """The quizzes with their attempts; with ``quiz_id``, that quiz's figures."""
        scope = current_scope()
        if request.args.get("quiz_id") is None:
            return self.render("study/statistics_index.html",
                               quizzes=statistics.quizzes_with_attempts(db.session, scope.for_reading(), scope),
                               local_time=local_time)
        quiz = get_scoped_or_404(Quiz, request.args.get("quiz_id"), scope.for_reading())
        return self.render(
            "study/statistics.html", quiz=quiz,
            summary=statistics.quiz_summary(db.session, quiz.id, scope),
            hardest=statistics.hardest_questions(db.session, quiz.id, scope),
            rows=statistics.by_organization(db.session, quiz.id, scope),
            min_answers=statistics.MIN_ANSWERS, local_time=local_time,
        )

    @expose("/export/")
    def export(self):
        """The table by organization as xlsx (audited)."""
        scope = current_scope()
        quiz = get_scoped_or_404(Quiz, request.args.get("quiz_id"), scope.for_reading())
        rows = statistics.by_organization(db.session, quiz.id, scope)
        columns = [Column("Mã tổ chức"), Column("Tổ chức"), Column("Lượt làm bài", "number"),
                   Column("Đảng viên đã làm", "number"), Column("Điểm trung bình (%)", "number"),
                   Column("Đảng viên đạt", "number"), Column("Tỷ lệ đạt (%)", "number"),
                   Column("Điểm tích lũy đã cộng", "number")]
        cells = [[row["code"], row["name"] + (" (trực tiếp)" if row["own"] else ""), row["attempts"], row["members"],
                  None if row["average"] is None else round(row["average"], 1), row["passed"],
                  None if row["pass_rate"] is None else round(row["pass_rate"] * 100, 1), row["points"]]
                 for row in rows]
        record("export", "quiz", quiz.id, separate=True, detail={"screen": str(self.name), "format": "xlsx",
                                                                  "rows": len(cells)})
        whose = "Toàn tỉnh" if scope.sees_all or current_user.organization is None else current_user.organization.name
        return xlsx_response(ascii_filename(f"Thong ke {quiz.title}", "xlsx"), "Theo tổ chức", columns, [cells],
                             title_lines=[f"Thống kê bài thi: {quiz.title}", f"Phạm vi: {whose}"])


def views() -> list:
    """The screens, in menu order."""
    return [
        PointEntryView(PointEntry, db, name="Sổ điểm tích lũy", endpoint="pointentry", category=STUDY),
        PointAwardView(name="Cộng điểm", endpoint="points_award", category=STUDY),
        QuizAttemptView(QuizAttempt, db, name="Lượt làm bài", endpoint="quizattempt", category=STUDY),
        QuizStatisticsView(name="Thống kê bài thi", endpoint="quiz_statistics", category=STUDY),
    ]
