"""Back-office screens of study: the monthly topics, the question bank (and its import from a
spreadsheet), the quizzes, the leaderboards' settings and the points' rules.

The rules themselves (options, topic, quiz, import) are plain functions in ``handbook.study.bank``.
"""
from __future__ import annotations

import os
import re
import secrets
import time
from datetime import date
from io import BytesIO

from flask import current_app, flash, g, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_admin.contrib.sqla.filters import IntEqualFilter
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.routing import BuildError
from wtforms import Field, TextAreaField
from wtforms.validators import NumberRange, StopValidation, ValidationError

from handbook.admin.base import ScopedAjaxLoader, ScopedModelView, StaffOnly, choice_label
from handbook.audit.operations import record
from handbook.clock import local_time, utcnow
from handbook.content.models import Document
from handbook.extensions import db
from handbook.forms import PickerInput, parse_local, text_length
from handbook.organizations.models import Organization
from handbook.roster.reader import FileRefused
from handbook.scope import current_scope, scoped
from handbook.study import bank
from handbook.study.models import (COUNTING, LEADERBOARD_MODES, POINT_SOURCES, QUESTION_KINDS, QUIZ_STATUSES,
                                   TOPIC_STATUSES, LeaderboardSetting, Quiz, QuizCategory, QuizQuestion, StudyTopic)

STUDY_EDITORS = ("admin", "committee")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ORGANIZATION_REF = {"fields": ["code", "name"], "placeholder": "Tìm tổ chức theo mã hoặc tên"}


class PointRuleView(ScopedModelView):
    """Daily caps per source of points (admin only; defaults apply while no row exists)."""

    edit_roles = ("admin",)
    can_export = False
    column_list = ["source", "daily_cap", "note", "updated_at"]
    column_formatters = {"source": choice_label(POINT_SOURCES)}
    column_labels = {"source": "Nguồn điểm", "daily_cap": "Tối đa mỗi ngày", "note": "Ghi chú", "updated_at": "Cập nhật"}
    form_columns = ["source", "daily_cap", "note"]
    form_choices = {"source": list(POINT_SOURCES.items())}
    allowed_roles = ("admin",)  # the rules are the province's


# -- fields -------------------------------------------------------------------------------------
MONTH_MESSAGE = "Tháng không hợp lệ: nhập theo dạng tháng/năm, ví dụ 11/2026."
_MONTH = re.compile(r"(\d{1,2})\s*/\s*(\d{4})")


class MonthField(Field):
    """A month, typed (or picked) as mm/yyyy and stored as its first day; a full date is taken too."""

    widget = PickerInput("datepicker", "MM/YYYY", "mm/yyyy")

    def _value(self):
        """The month in the box: as typed when it was refused, else mm/yyyy."""
        if self.raw_data:
            return self.raw_data[0]
        return f"{self.data:%m/%Y}" if self.data is not None else ""

    @staticmethod
    def parse(text: str) -> date | None:
        """The first day of the month typed, or None."""
        text = (text or "").strip()
        if match := _MONTH.fullmatch(text):
            month, year = int(match.group(1)), int(match.group(2))
            return date(year, month, 1) if 1 <= month <= 12 and 2000 <= year <= 2100 else None
        parsed = parse_local(text)
        if parsed is None or parsed[1] is not None or not 2000 <= parsed[0].year <= 2100:
            return None
        return parsed[0].replace(day=1)

    def process_formdata(self, valuelist):
        """Parse the month typed; an empty box is None."""
        text = " ".join(valuelist).strip() if valuelist else ""
        self.data = self.parse(text) if text else None
        if text and self.data is None:
            raise ValueError(MONTH_MESSAGE)


class OptionsField(TextAreaField):
    """A question's options as a textarea, one a line, a correct one starting with ``*``; stored as the
    JSON list ``[{"text": ..., "correct": bool}]``."""

    def process_data(self, value):
        """The stored list shown as lines."""
        self.data = bank.options_text(value) if isinstance(value, list) else (value or "")

    def pre_validate(self, form):
        """Every rule the options break, each its own message (the kind is read from the same form)."""
        kind = getattr(form, "kind", None)
        errors = bank.option_errors(bank.parse_options(self.data), kind.data if kind is not None else None)
        if errors:
            self.errors.extend(errors)
            raise StopValidation()

    def populate_obj(self, obj, name):
        """Store the lines as the JSON list."""
        setattr(obj, name, bank.parse_options(self.data))


def _number_range(low: int, high: int, what: str) -> NumberRange:
    """A bound on a number field, said in Vietnamese."""
    return NumberRange(min=low, max=high, message=f"{what} phải từ {low} đến {high}.")


# -- what a form may pick: the reading scope, in one place ------------------------------------------
def _readable(query, model):
    """``query`` over ``model`` limited to what the user may pick on a form: their subtree's rows and the
    published rows of the organizations above them (``bank.readable_clause``)."""
    clause = bank.readable_clause(model, current_scope())
    return query if clause is None else query.filter(clause)


def _readable_factory(model, arrange):
    """A dropdown's query factory over the readable rows of ``model``, ``arrange(query)`` adding its order
    and loading (called per request: the mappers are configured by then); marked scoped, so the base
    view does not narrow it again to the managed subtree."""

    def factory():
        """The readable rows, arranged."""
        return arrange(_readable(db.session.query(model), model))

    factory.is_scoped = True
    return factory


def _topics_newest_first(query):
    """Topics by month, newest first."""
    return query.order_by(StudyTopic.month.desc(), StudyTopic.id.desc())


def _categories_by_name(query):
    """Categories by name, with their organization (their label names it)."""
    return query.options(joinedload(QuizCategory.organization)).order_by(QuizCategory.name, QuizCategory.id)


class ReadableAjaxLoader(ScopedAjaxLoader):
    """An ajax dropdown over the rows the user may read (their subtree's and the published ones above)."""

    def get_query(self):
        """The readable rows of the model."""
        return _readable(db.session.query(self.model), self.model)


def _with_organization(category: QuizCategory) -> str:
    """A category with its organization ("Lịch sử Đảng — Đảng bộ tỉnh"): names repeat across organizations."""
    return f"{category.name} — {category.organization.name}" if category.organization else category.name


# -- the base of the screens -----------------------------------------------------------------------
class _StudyView(ScopedModelView):
    """What the study screens share: committees and the admin change rows; secretaries look; a new row
    is the user's own organization's unless they pick another in their subtree."""

    edit_roles = STUDY_EDITORS

    def create_form(self, obj=None):
        """Start a new row with the user's own organization."""
        form = super().create_form(obj)
        field = getattr(form, "organization", None)
        if field is not None and request.method == "GET" and current_user.organization_id and field.data is None:
            field.data = db.session.get(Organization, current_user.organization_id)
        return form

    def refuse_delete(self, message: str) -> bool:
        """Say why a row is kept; nothing is deleted."""
        flash(message, "error")
        return False


# -- 1. the monthly topic ------------------------------------------------------------------------------
class StudyTopicView(_StudyView):
    """The monthly topics: a committee publishes one to its subtree, with its documents and its points."""

    create_template = "admin/model/richtext_form.html"
    edit_template = "admin/model/richtext_form.html"
    own_organization_columns = ("organization", "organization.code")
    column_list = ["month", "title", "organization", "status", "published_at", "points"]
    column_details_list = ["month", "title", "summary", "documents", "organization", "status", "published_at", "points",
                           "created_at"]
    column_export_list = ["month", "title", "organization.name", "status", "published_at", "points"]
    column_searchable_list = ["title"]
    column_filters = ["month", "status", "organization.code"]
    column_choices = {"status": list(TOPIC_STATUSES.items())}
    column_sortable_list = ["month", "title", "status", "published_at", "points"]
    column_default_sort = ("month", True)
    column_select_related_list = [StudyTopic.organization]
    column_formatters = {"status": choice_label(TOPIC_STATUSES), "month": lambda v, c, m, n: f"{m.month:%m/%Y}"}
    column_formatters_export = {"status": choice_label(TOPIC_STATUSES)}
    column_labels = {
        "month": "Tháng", "title": "Tiêu đề", "summary": "Tóm tắt", "body_html": "Nội dung", "documents": "Văn bản liên quan",
        "organization": "Tổ chức đăng", "organization.name": "Tổ chức đăng", "organization.code": "Mã tổ chức",
        "status": "Trạng thái", "published_at": "Thời điểm xuất bản", "points": "Điểm tích lũy", "created_at": "Ngày tạo",
    }
    form_columns = ["month", "title", "summary", "body_html", "documents", "organization", "status", "published_at", "points"]
    form_overrides = {"month": MonthField}
    form_choices = {"status": list(TOPIC_STATUSES.items())}
    form_ajax_refs = {
        "organization": ORGANIZATION_REF,
        "documents": {"fields": ["number", "title"], "placeholder": "Tìm văn bản theo số hiệu hoặc trích yếu",
                      "minimum_input_length": 0},
    }
    form_widget_args = {"body_html": {"rows": 16, "data-richtext": "1"}, "summary": {"rows": 3}}
    form_args = {
        "month": {"label": "Tháng", "description": "Chọn tháng của chuyên đề (tháng/năm)."},
        "title": {"label": "Tiêu đề"},
        "summary": {"label": "Tóm tắt", "validators": [text_length(2_000)]},
        "body_html": {"label": "Nội dung", "validators": [text_length(200_000)],
                      "description": "Soạn như văn bản thường; khi lưu, mã lệnh, khung nhúng và thuộc tính on* bị loại bỏ."},
        "documents": {"label": "Văn bản liên quan",
                      "description": "Các văn bản bạn đọc được: của tổ chức mình, cấp dưới và văn bản cấp trên đã xuất bản."},
        "organization": {"label": "Tổ chức đăng"},
        "published_at": {"label": "Thời điểm xuất bản", "description": "Để trống khi xuất bản ngay; đặt giờ sau để hẹn giờ."},
        "points": {"label": "Điểm tích lũy khi học chuyên đề", "validators": [_number_range(*bank.TOPIC_POINTS, "Điểm tích lũy")],
                   "description": "Đảng viên được cộng một lần khi học xong chuyên đề (0 – 5; 0 là không tính điểm)."},
    }

    def _create_ajax_loader(self, name, options):
        """Documents are linked from what the user reads, not only what they manage."""
        if name == "documents":
            return ReadableAjaxLoader(name, db, Document, **options)
        return super()._create_ajax_loader(name, options)

    def after_form_change(self, form, model, is_created):
        """The publishing rules: author, publisher, first day of the month, publication time, points."""
        try:
            bank.prepare_topic(db.session, model, current_user, created=is_created)
        except bank.BankError as exc:
            raise ValidationError(str(exc)) from exc

    def delete_model(self, model):
        """A topic members have studied is kept (who studied it counts): unpublish it instead."""
        if bank.topic_studied(db.session, model.id):
            return self.refuse_delete("Chuyên đề đã có đảng viên học nên không xóa được; hãy chuyển về “Bản nháp” để ẩn.")
        return super().delete_model(model)


# -- 2. categories ------------------------------------------------------------------------------
def _question_count(view, context, model, name):
    """How many questions the category holds (counted once for the page)."""
    return g.get("category_questions", {}).get(model.id, 0)


class QuizCategoryView(_StudyView):
    """The question bank's categories, each owned by an organization."""

    own_organization_columns = ("organization", "organization.code")
    column_list = ["name", "organization", "questions", "created_at"]
    column_export_list = ["name", "organization.name", "created_at"]
    column_searchable_list = ["name"]
    column_filters = ["organization.code", "organization.name"]
    column_sortable_list = ["name", "created_at"]
    column_default_sort = "name"
    column_select_related_list = [QuizCategory.organization]
    column_formatters = {"questions": _question_count}
    column_labels = {"name": "Tên lĩnh vực", "organization": "Tổ chức", "organization.name": "Tổ chức",
                     "organization.code": "Mã tổ chức", "questions": "Số câu hỏi", "created_at": "Ngày tạo"}
    form_columns = ["name", "organization"]
    form_ajax_refs = {"organization": ORGANIZATION_REF}
    form_args = {"name": {"label": "Tên lĩnh vực", "validators": [text_length(bank.CATEGORY_NAME_MAX)]},
                 "organization": {"label": "Tổ chức"}}

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """The page, with each category's number of questions in one grouped query."""
        count, rows = super().get_list(page, sort_column, sort_desc, search, filters, execute=execute, page_size=page_size)
        if execute:
            ids = [row.id for row in rows]
            g.category_questions = dict(db.session.execute(
                select(QuizQuestion.category_id, func.count()).where(QuizQuestion.category_id.in_(ids))
                .group_by(QuizQuestion.category_id)).all()) if ids else {}
        return count, rows

    def after_form_change(self, form, model, is_created):
        """A name is used once per organization."""
        if model.organization is None:
            raise ValidationError("Vui lòng chọn tổ chức.")
        model.organization_id = model.organization.id
        with db.session.no_autoflush:
            if bank.category_name_taken(db.session, model):
                raise ValidationError(f"{model.organization.name} đã có lĩnh vực “{model.name}”.")

    def delete_model(self, model):
        """A category with questions, or one a quiz draws from, is kept."""
        reason = bank.category_in_use(db.session, model.id)
        if reason:
            return self.refuse_delete(reason)
        return super().delete_model(model)


# -- 3. the question bank ---------------------------------------------------------------------------
CATEGORY_FILTER = "Lĩnh vực"


def _short_text(view, context, model, name):
    """A question's text cut to fit a list's line."""
    text = model.text or ""
    return text if len(text) <= 140 else text[:139] + "…"


def _options_detail(view, context, model, name):
    """The options one a line, the correct ones marked."""
    return Markup("<br>").join(
        Markup("{} {}").format("✔" if option.get("correct") else "◦", option.get("text", "")) for option in model.options or ())


class QuizQuestionView(_StudyView):
    """The question bank: a question's text, its options (the correct ones marked), its kind and explanation."""

    create_template = "study/admin_question_form.html"
    edit_template = "study/admin_question_form.html"
    column_list = ["text", "category", "kind", "option_count", "active"]
    column_details_list = ["text", "category", "kind", "options", "explanation", "active", "created_at", "updated_at"]
    column_export_list = ["text", "category.name", "kind", "active", "created_at"]
    column_searchable_list = ["text"]
    column_filters = [IntEqualFilter(QuizQuestion.category_id, CATEGORY_FILTER), "kind", "active"]
    column_choices = {"kind": list(QUESTION_KINDS.items())}
    column_sortable_list = ["kind", "active", "created_at"]
    column_default_sort = ("id", True)
    column_select_related_list = [QuizQuestion.category]
    column_formatters = {"text": _short_text, "kind": choice_label(QUESTION_KINDS),
                         "option_count": lambda v, c, m, n: len(m.options or ()), "options": _options_detail}
    column_formatters_export = {"kind": choice_label(QUESTION_KINDS)}
    column_labels = {"text": "Câu hỏi", "category": "Lĩnh vực", "category.name": "Lĩnh vực", "kind": "Loại",
                     "option_count": "Số phương án", "options": "Các phương án", "explanation": "Giải thích",
                     "active": "Đang dùng", "created_at": "Ngày tạo", "updated_at": "Cập nhật"}
    form_columns = ["category", "text", "kind", "options", "explanation", "active"]
    form_overrides = {"options": OptionsField}
    form_choices = {"kind": list(QUESTION_KINDS.items())}
    form_widget_args = {"text": {"rows": 3}, "options": {"rows": 8, "data-testid": "options"}, "explanation": {"rows": 3}}
    form_args = {
        "category": {"label": "Lĩnh vực", "get_label": _with_organization,
                     "query_factory": lambda: _categories_by_name(db.session.query(QuizCategory))},
        "text": {"label": "Câu hỏi", "validators": [text_length(bank.QUESTION_TEXT_MAX)]},
        "kind": {"label": "Loại"},
        "options": {"label": "Các phương án",
                    "description": Markup("Mỗi dòng một phương án (từ 2 đến 8); dòng bắt đầu bằng dấu <strong>*</strong> "
                                          "là phương án đúng. Ví dụ:<br><code>1925<br>*1930<br>1945</code>")},
        "explanation": {"label": "Giải thích", "validators": [text_length(bank.EXPLANATION_MAX)],
                        "description": "Hiện cho đảng viên sau khi nộp bài (nếu bài thi cho xem lại)."},
        "active": {"label": "Đang dùng", "description": "Bỏ chọn để ngừng dùng câu hỏi mà vẫn giữ thống kê."},
    }

    def _get_filter_groups(self):
        """The category filter offers the categories in the user's scope (read per request)."""
        groups = super()._get_filter_groups()
        if groups and CATEGORY_FILTER in groups:
            query = scoped(select(QuizCategory).options(joinedload(QuizCategory.organization)), QuizCategory)
            options = [(str(c.id), _with_organization(c)) for c in db.session.execute(
                query.order_by(QuizCategory.name).limit(500)).scalars()]
            for item in groups[CATEGORY_FILTER]:
                item["options"] = options
        return groups

    def after_form_change(self, form, model, is_created):
        """A new question records its author."""
        if is_created:
            model.created_by_id = current_user.id

    def delete_model(self, model):
        """A question an attempt used is kept, so the quizzes' statistics stay whole: deactivate it instead."""
        if bank.question_in_use(db.session, model.id, model.category_id):
            return self.refuse_delete("Câu hỏi đã được dùng trong bài thi có người làm nên không xóa được (để giữ thống kê); "
                                      "hãy ngừng sử dụng: bỏ chọn “Đang dùng”.")
        return super().delete_model(model)


# -- 4. the import --------------------------------------------------------------------------------
TEMPLATE_NAME = "mau-ngan-hang-cau-hoi.xlsx"
TOKEN_SALT = "question-import"
TOKEN_MAX_AGE = 2 * 3600  # seconds between the dry run and "Nhập"
STALE_FILES = 24 * 3600
EXPIRED = "Phiên kiểm tra tệp không hợp lệ hoặc đã hết hạn. Hãy tải tệp lên và kiểm tra lại."
ALREADY_DONE = "Tệp này đã được nhập (hoặc đang được nhập). Không có câu hỏi nào được nhập thêm."
_STORED = re.compile(r"[0-9a-f]{32}\.upload")


def _max_bytes() -> int:
    """The largest question file taken (IMPORT_MAX_MB)."""
    return int(current_app.config.get("IMPORT_MAX_MB", 20)) * 1024 * 1024


def _import_folder() -> str:
    """Where files wait between the dry run and "Nhập": a folder of the uploads, outside static/."""
    root = current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path, "uploads")
    folder = os.path.join(root, "question-imports")
    os.makedirs(folder, exist_ok=True)
    return folder


def _sweep_stale_files(folder: str) -> None:
    """Remove files checked more than a day ago and never imported."""
    cutoff = time.time() - STALE_FILES
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_file() and entry.stat().st_mtime < cutoff:
                try:
                    os.unlink(entry.path)
                except FileNotFoundError:
                    pass


def _serializer() -> URLSafeTimedSerializer:
    """Signs the stored file's name for the "Nhập" form: nobody can name another file."""
    return URLSafeTimedSerializer(current_app.secret_key, salt=TOKEN_SALT)


class QuestionImportView(StaffOnly, BaseView):
    """Questions from a spreadsheet: a template, a dry run that lists each row's errors and writes nothing,
    then "Nhập", which checks the same file again and writes all its rows in one transaction or none.

    Between the two the file waits under a random name in the uploads' ``question-imports`` folder;
    the "Nhập" form carries that name signed (with the user's id, for two hours). "Nhập" first renames
    the file (one rename wins), so a second press, or a second tab, imports nothing more."""

    allowed_roles = STUDY_EDITORS

    def _page(self, status: int = 200, **context):
        """The import page with ``context`` (a check, a refusal)."""
        context.setdefault("max_mb", _max_bytes() // (1024 * 1024))
        context.setdefault("columns", bank.IMPORT_COLUMNS)
        return self.render("study/admin_import.html", **context), status

    @expose("/")
    def index(self):
        """The upload form and how the file is made."""
        return self._page()

    @expose("/template")
    def template_view(self):
        """The template: Vietnamese headers, an example row and a sheet of instructions."""
        return send_file(BytesIO(bank.template_workbook()), mimetype=XLSX, as_attachment=True, download_name=TEMPLATE_NAME)

    @expose("/check", methods=["POST"])
    def check_view(self):
        """The dry run ("Kiểm tra"): read and check the file, write nothing; a file that passes waits for "Nhập"."""
        limit = _max_bytes()
        too_big = f"Tệp quá lớn: tối đa {limit // (1024 * 1024)} MB. Hãy chia thành nhiều tệp."
        if request.content_length and request.content_length > limit + 64 * 1024:
            return self._page(413, refusal=too_big)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self._page(400, refusal="Vui lòng chọn tệp câu hỏi (.xlsx hoặc .csv).")
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            return self._page(413, refusal=too_big)
        folder = _import_folder()
        _sweep_stale_files(folder)
        stored = f"{secrets.token_hex(16)}.upload"
        path = os.path.join(folder, stored)
        with open(path, "wb") as handle:
            handle.write(data)
        filename = os.path.basename(upload.filename.replace("\\", "/"))[:200]
        try:
            check = bank.check_sheet(db.session, bank.read_question_file(path), current_scope(), current_user.organization_id)
        except FileRefused as exc:
            os.unlink(path)
            return self._page(400, refusal=str(exc), filename=filename)
        if not check.ok:
            os.unlink(path)
            if not check.errors:
                return self._page(400, refusal="Tệp không có câu hỏi nào dưới dòng tiêu đề.", filename=filename)
            return self._page(200, check=check, filename=filename)
        token = _serializer().dumps({"file": stored, "user": current_user.id, "name": filename})
        return self._page(200, check=check, filename=filename, token=token)

    @expose("/apply", methods=["POST"])
    def apply_view(self):
        """"Nhập": check the file of the dry run again, then write all its questions or none."""
        try:
            claim = _serializer().loads(request.form.get("token", ""), max_age=TOKEN_MAX_AGE)
        except BadSignature:
            return self._page(400, refusal=EXPIRED)
        if not isinstance(claim, dict) or claim.get("user") != current_user.id or not _STORED.fullmatch(str(claim.get("file"))):
            return self._page(400, refusal=EXPIRED)
        path = os.path.join(_import_folder(), claim["file"])
        claimed = path + ".applying"
        try:
            os.rename(path, claimed)  # one press wins; the file is gone for the next
        except FileNotFoundError:
            return self._page(409, refusal=ALREADY_DONE)
        filename = claim.get("name") or ""
        try:
            check = bank.check_sheet(db.session, bank.read_question_file(claimed), current_scope(), current_user.organization_id)
            if not check.ok:
                db.session.rollback()
                return self._page(409, check=check, filename=filename, rechecked=True)
            written, categories = bank.write_questions(db.session, check, current_user)
            record("question_import", "quiz_question", None, detail={
                "file": filename, "questions": written, "categories": check.new_categories, "screen": str(self.name)})
            db.session.commit()
        except FileRefused as exc:
            db.session.rollback()
            return self._page(400, refusal=str(exc), filename=filename)
        except IntegrityError:
            db.session.rollback()
            return self._page(409, refusal="Ngân hàng câu hỏi vừa được người khác thay đổi (cùng lĩnh vực). "
                                           "Chưa có câu hỏi nào được nhập; hãy kiểm tra lại tệp.", filename=filename)
        finally:
            try:
                os.unlink(claimed)
            except FileNotFoundError:
                pass
        created = f", tạo {categories} lĩnh vực mới" if categories else ""
        flash(f"Đã nhập {written} câu hỏi từ tệp “{filename}”{created}.", "success")
        return redirect(url_for("quizquestion.index_view"))


# -- 5. quizzes ------------------------------------------------------------------------------------
def _window(view, context, model, name):
    """When a quiz is open, in Vietnam's time."""
    return f"{local_time(model.opens_at)} – {local_time(model.closes_at)}"


def _attempts(view, context, model, name):
    """The quiz's number of attempts (counted once for the page)."""
    return g.get("quiz_attempts", {}).get(model.id, 0)


def statistics_url(quiz_id: int) -> str:
    """The quiz's statistics page (another screen; its path when that screen is not registered)."""
    try:
        return url_for("quiz_statistics.index", quiz_id=quiz_id)
    except BuildError:
        return f"/admin/quiz_statistics/?quiz_id={quiz_id}"


def _statistics_link(view, context, model, name):
    """A link to the quiz's statistics."""
    return Markup('<a href="{}" data-testid="quiz-statistics">Thống kê</a>').format(statistics_url(model.id))


class QuizView(_StudyView):
    """Quizzes: questions drawn from categories, a window, a time limit, attempts, pass mark and points."""

    own_organization_columns = ("organization", "organization.code")
    column_list = ["title", "organization", "window", "status", "attempts", "statistics"]
    column_details_list = [
        "title", "description", "organization", "topic", "categories", "status", "opens_at", "closes_at",
        "question_count", "time_limit_minutes", "attempts_allowed", "counting", "pass_mark", "points", "show_review",
        "created_at",
    ]
    column_export_list = ["title", "organization.name", "status", "opens_at", "closes_at", "question_count",
                          "time_limit_minutes", "attempts_allowed", "counting", "pass_mark", "points"]
    column_searchable_list = ["title"]
    column_filters = ["status", "opens_at", "closes_at", "organization.code"]
    column_choices = {"status": list(QUIZ_STATUSES.items())}
    column_sortable_list = ["title", "status"]
    column_default_sort = ("opens_at", True)
    column_select_related_list = [Quiz.organization]
    column_formatters = {"status": choice_label(QUIZ_STATUSES), "counting": choice_label(COUNTING), "window": _window,
                         "attempts": _attempts, "statistics": _statistics_link}
    column_formatters_export = {"status": choice_label(QUIZ_STATUSES), "counting": choice_label(COUNTING)}
    column_labels = {
        "title": "Tên bài thi", "description": "Mô tả", "organization": "Tổ chức", "organization.name": "Tổ chức",
        "organization.code": "Mã tổ chức", "topic": "Chuyên đề", "categories": "Lĩnh vực câu hỏi", "status": "Trạng thái",
        "window": "Thời gian mở", "opens_at": "Mở lúc", "closes_at": "Đóng lúc", "question_count": "Số câu mỗi lượt",
        "time_limit_minutes": "Thời gian làm (phút)", "attempts_allowed": "Số lượt được làm", "counting": "Tính kết quả",
        "pass_mark": "Điểm đạt (%)", "points": "Điểm tích lũy tối đa", "show_review": "Cho xem lại đáp án",
        "attempts": "Lượt làm", "statistics": "Thống kê", "created_at": "Ngày tạo",
    }
    form_columns = ["title", "description", "organization", "topic", "categories", "status", "opens_at", "closes_at",
                    "question_count", "time_limit_minutes", "attempts_allowed", "counting", "pass_mark", "points",
                    "show_review"]
    form_choices = {"status": list(QUIZ_STATUSES.items()), "counting": list(COUNTING.items())}
    form_ajax_refs = {"organization": ORGANIZATION_REF}
    form_widget_args = {"description": {"rows": 3}}
    form_args = {
        "title": {"label": "Tên bài thi"},
        "description": {"label": "Mô tả", "validators": [text_length(2_000)]},
        "organization": {"label": "Tổ chức ra đề", "description": "Đảng viên của tổ chức này và các tổ chức trực thuộc được làm bài."},
        "topic": {"label": "Chuyên đề", "description": "Không bắt buộc.", "blank_text": "— Không gắn chuyên đề —",
                  "query_factory": _readable_factory(StudyTopic, _topics_newest_first)},
        "categories": {"label": "Lĩnh vực câu hỏi", "get_label": _with_organization,
                       "description": "Câu hỏi được rút ngẫu nhiên từ các câu đang dùng của những lĩnh vực này "
                                      "(của tổ chức bạn, cấp dưới và cấp trên).",
                       "query_factory": _readable_factory(QuizCategory, _categories_by_name)},
        "status": {"label": "Trạng thái"},
        "opens_at": {"label": "Mở lúc", "description": "Giờ Việt Nam."},
        "closes_at": {"label": "Đóng lúc", "description": "Giờ Việt Nam; phải sau thời điểm mở."},
        "question_count": {"label": "Số câu mỗi lượt", "validators": [_number_range(1, 100, "Số câu mỗi lượt")]},
        "time_limit_minutes": {"label": "Thời gian làm (phút)", "validators": [_number_range(1, 180, "Thời gian làm")]},
        "attempts_allowed": {"label": "Số lượt được làm", "validators": [_number_range(1, 10, "Số lượt được làm")]},
        "counting": {"label": "Tính kết quả theo"},
        "pass_mark": {"label": "Điểm đạt (%)", "validators": [_number_range(0, 100, "Điểm đạt")],
                      "description": "Tỷ lệ câu đúng tối thiểu để đạt."},
        "points": {"label": "Điểm tích lũy tối đa", "validators": [_number_range(0, 50, "Điểm tích lũy")],
                   "description": "Điểm cho bài đúng hết; bài đúng một phần được phần tương ứng."},
        "show_review": {"label": "Cho xem lại đáp án", "description": "Sau khi nộp: đáp án đúng và giải thích."},
    }

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """The page, with each quiz's number of attempts in one grouped query."""
        count, rows = super().get_list(page, sort_column, sort_desc, search, filters, execute=execute, page_size=page_size)
        if execute:
            g.quiz_attempts = bank.attempt_counts(db.session, [row.id for row in rows])
        return count, rows

    def after_form_change(self, form, model, is_created):
        """The quiz's rules (``bank.check_quiz``); a new quiz records its author."""
        if is_created:
            model.created_by_id = current_user.id
        try:
            with db.session.no_autoflush:
                bank.check_quiz(db.session, model, created=is_created)
        except bank.BankError as exc:
            raise ValidationError(str(exc)) from exc

    def delete_model(self, model):
        """A quiz someone has taken is kept (its attempts and points stay): set it back to draft instead."""
        if bank.quiz_has_attempts(db.session, model.id):
            return self.refuse_delete("Bài thi đã có người làm nên không xóa được; hãy chuyển về “Bản nháp” để ẩn bài thi.")
        return super().delete_model(model)


# -- 6. leaderboards ---------------------------------------------------------------------------------
class LeaderboardSettingView(_StudyView):
    """How the branch leaderboards under an organization are shown: shown, hidden, or frozen at a moment."""

    own_organization_columns = ("organization",)
    column_list = ["organization", "mode", "frozen_at", "note", "updated_at"]
    column_export_list = ["organization.name", "mode", "frozen_at", "note", "updated_at"]
    column_filters = ["mode"]
    column_choices = {"mode": list(LEADERBOARD_MODES.items())}
    column_select_related_list = [LeaderboardSetting.organization]
    column_formatters = {"mode": choice_label(LEADERBOARD_MODES)}
    column_formatters_export = {"mode": choice_label(LEADERBOARD_MODES)}
    column_labels = {"organization": "Tổ chức", "organization.name": "Tổ chức", "mode": "Cách hiển thị",
                     "frozen_at": "Giữ bảng tại thời điểm", "note": "Ghi chú", "updated_at": "Cập nhật"}
    form_columns = ["organization", "mode", "frozen_at", "note"]
    form_choices = {"mode": list(LEADERBOARD_MODES.items())}
    form_ajax_refs = {"organization": ORGANIZATION_REF}
    form_args = {
        "organization": {"label": "Tổ chức", "description": "Áp dụng cho bảng xếp hạng các chi bộ thuộc tổ chức này "
                                                            "(cài đặt của tổ chức gần nhất được dùng)."},
        "mode": {"label": "Cách hiển thị"},
        "frozen_at": {"label": "Giữ bảng tại thời điểm",
                      "description": "Chỉ dùng khi tạm dừng: bảng tính điểm đến thời điểm này (để trống: lúc lưu)."},
        "note": {"label": "Ghi chú", "validators": [text_length(255)]},
    }

    def after_form_change(self, form, model, is_created):
        """One setting per organization; a frozen board needs its moment (now by default), others none."""
        if model.organization is None:
            raise ValidationError("Vui lòng chọn tổ chức.")
        with db.session.no_autoflush:
            taken = db.session.execute(select(LeaderboardSetting.id).where(
                LeaderboardSetting.organization_id == model.organization.id,
                LeaderboardSetting.id != (model.id or 0))).first()
        if taken is not None:
            raise ValidationError(f"{model.organization.name} đã có cài đặt bảng xếp hạng; hãy sửa cài đặt đó.")
        if model.mode == "frozen":
            model.frozen_at = model.frozen_at or utcnow()
        else:
            model.frozen_at = None


def views() -> list:
    """The screens, in menu order."""
    from handbook.admin.menu import STUDY
    from handbook.study.models import PointRule

    return [
        StudyTopicView(StudyTopic, db, name="Chuyên đề hằng tháng", endpoint="studytopic", category=STUDY),
        QuizCategoryView(QuizCategory, db, name="Lĩnh vực câu hỏi", endpoint="quizcategory", category=STUDY),
        QuizQuestionView(QuizQuestion, db, name="Ngân hàng câu hỏi", endpoint="quizquestion", category=STUDY),
        QuestionImportView(name="Nhập câu hỏi từ Excel", endpoint="question_import", category=STUDY),
        QuizView(Quiz, db, name="Bài thi trắc nghiệm", endpoint="quiz", category=STUDY),
        LeaderboardSettingView(LeaderboardSetting, db, name="Bảng xếp hạng", endpoint="leaderboardsetting", category=STUDY),
        PointRuleView(PointRule, db, name="Quy tắc điểm", category=STUDY),
    ]
