"""Back-office screens: news, documents and their files, who read what, the points rules."""
from __future__ import annotations

from flask import g, request
from flask_admin import BaseView, expose
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload
from wtforms import FileField, MultipleFileField
from wtforms.validators import ValidationError

from handbook.admin.base import ScopedModelView, StaffOnly, choice_label
from handbook.admin.menu import CONTENT
from handbook.content.extraction import TEXT_STATES, initial_text_state
from handbook.content.models import DOCUMENT_LEVELS, DOCUMENT_TYPES, STATUSES, Article, Attachment, Document, ReadMark
from handbook.scope import current_scope
from handbook.content.operations import (
    PublishingError, prepare_publication, read_counts_by_organization, top_read_documents,
)
from handbook.content.uploads import DOCUMENT_KINDS, IMAGE_KINDS, UploadError, remove_stored, store_upload
from handbook.extensions import db
from handbook.forms import text_length
from handbook.organizations.models import Organization

EDITORS = ("admin", "committee", "secretary")
POINTS_HELP = "Điểm tích lũy cho đảng viên khi đọc (0 – 5; 0 là không tính điểm)."
# Text bounds (characters): a long article or a resolution's full text fits; a 15 MB paste does not.
ARTICLE_BODY_MAX = 200_000
DOCUMENT_TEXT_MAX = 500_000
SUMMARY_MAX = 2_000


def _status_label(view, context, model, name):
    """Draft, published or scheduled."""
    return model.status_label


class _PublishingView(ScopedModelView):
    """What the news and documents screens share: who may publish, defaults, stored files."""

    edit_roles = EDITORS
    own_organization_columns = ("organization", "organization.code")
    column_select_related_list = None  # set per view
    form_choices = {"status": list(STATUSES.items())}
    form_ajax_refs = {"organization": {"fields": ["code", "name"], "placeholder": "Tìm tổ chức đăng"}}

    def create_form(self, obj=None):
        """New items are published by the user's own organization unless they pick another in scope."""
        form = super().create_form(obj)
        if request.method == "GET" and current_user.organization_id and form.organization.data is None:
            form.organization.data = db.session.get(Organization, current_user.organization_id)
        return form

    def _remember_file(self, stored_name: str) -> None:
        """Note a file saved during this request, so a failed save removes it again."""
        g.setdefault("content_new_files", []).append(stored_name)

    def _forget_files_on_failure(self, ok) -> None:
        """Remove the files this request stored when the row was not saved."""
        if not ok:
            for name in g.pop("content_new_files", []):
                remove_stored(name)

    def create_model(self, form):
        model = super().create_model(form)
        self._forget_files_on_failure(model)
        return model

    def update_model(self, form, model):
        ok = super().update_model(form, model)
        self._forget_files_on_failure(ok)
        return ok

    def after_form_change(self, form, model, is_created):
        """The publishing rules (content.operations): author, publisher, publication time, points."""
        try:
            prepare_publication(db.session, model, current_user, created=is_created)
        except PublishingError as exc:
            raise ValidationError(str(exc)) from exc


class ArticleView(_PublishingView):
    """News: committee staff publish to their subtree, secretaries to their branch."""

    create_template = "admin/model/richtext_form.html"
    edit_template = "admin/model/richtext_form.html"

    column_list = ["title", "organization", "status", "published_at", "pinned", "points"]
    column_details_list = ["title", "summary", "organization", "status", "published_at", "pinned", "points", "created_at"]
    column_export_list = ["title", "organization.name", "status", "published_at", "pinned", "points"]
    column_searchable_list = ["title"]
    column_filters = ["status", "pinned", "published_at", "organization.code"]
    column_sortable_list = ["title", "status", "published_at", "pinned", "points"]
    column_default_sort = ("published_at", True)
    column_select_related_list = [Article.organization]
    column_formatters = {"status": _status_label}
    column_formatters_export = {"status": _status_label}
    column_labels = {
        "title": "Tiêu đề", "summary": "Tóm tắt", "body_html": "Nội dung", "organization": "Tổ chức đăng",
        "organization.name": "Tổ chức đăng", "organization.code": "Mã tổ chức", "status": "Trạng thái",
        "published_at": "Thời điểm xuất bản", "pinned": "Ghim lên đầu", "points": "Điểm đọc",
        "created_at": "Ngày tạo",
    }
    form_columns = ["title", "summary", "body_html", "cover_upload", "organization", "status", "published_at", "pinned", "points"]
    form_extra_fields = {"cover_upload": FileField("Ảnh bìa (PNG, JPEG, WebP)")}
    form_widget_args = {"body_html": {"rows": 16, "data-richtext": "1"}, "summary": {"rows": 3}}
    form_args = {
        "body_html": {
            "label": "Nội dung",
            "description": "Soạn như văn bản thường; khi lưu, mã lệnh, khung nhúng và thuộc tính on* bị loại bỏ.",
            "validators": [text_length(ARTICLE_BODY_MAX)],
        },
        "summary": {"validators": [text_length(SUMMARY_MAX)]},
        "published_at": {"label": "Thời điểm xuất bản", "description": "Để trống khi xuất bản ngay; đặt giờ sau để hẹn giờ."},
        "points": {"label": "Điểm đọc", "description": POINTS_HELP},
    }

    def after_form_change(self, form, model, is_created):
        """Store a new cover image, checked by content."""
        super().after_form_change(form, model, is_created)
        upload = form.cover_upload.data
        if upload is not None and getattr(upload, "filename", ""):
            try:
                stored = store_upload(upload, IMAGE_KINDS)
            except UploadError as exc:
                raise ValidationError(str(exc)) from exc
            self._remember_file(stored.stored_name)
            g.content_old_cover = model.cover_name
            model.cover_name, model.cover_mime = stored.stored_name, stored.mime

    def after_model_change(self, form, model, is_created):
        """Remove a replaced cover once the new one is saved."""
        old = g.pop("content_old_cover", None)
        if old:
            remove_stored(old)

    def after_model_delete(self, model):
        """Remove the cover file of a deleted article."""
        if model.cover_name:
            remove_stored(model.cover_name)


def _files_formatter(view, context, model, name):
    """The names of a document's files."""
    return Markup("<br>").join(a.original_name for a in model.attachments)


def _text_state_label(view, context, model, name):
    """A file's text extraction: waiting, done or failed ("—" when the kind has no text)."""
    return TEXT_STATES.get(model.text_state, "—")


def _document_text_state(view, context, model, name):
    """A document's text extraction across its files: failed if one failed, waiting while one waits, else done."""
    states = {a.text_state for a in model.attachments if a.text_state}
    for state in ("failed", "pending", "done"):
        if state in states:
            return TEXT_STATES[state]
    return "—"


class DocumentView(_PublishingView):
    """Party documents with their files; an uploaded PDF's text is extracted for search after the save."""

    column_list = ["doc_type", "number", "title", "level", "issued_on", "organization", "status", "points", "text_extraction"]
    column_details_list = [
        "doc_type", "number", "title", "issuing_body", "issued_on", "level", "summary", "organization",
        "status", "published_at", "points", "attachments", "text_extraction", "created_at",
    ]
    column_export_list = ["doc_type", "number", "title", "issuing_body", "issued_on", "level", "organization.name", "status", "points"]
    column_searchable_list = ["title", "number"]
    column_filters = ["doc_type", "level", "status", "issued_on", "organization.code"]
    column_sortable_list = ["doc_type", "number", "title", "level", "issued_on", "status", "points"]
    column_default_sort = ("issued_on", True)
    column_select_related_list = [Document.organization]
    column_formatters = {
        "doc_type": choice_label(DOCUMENT_TYPES), "level": choice_label(DOCUMENT_LEVELS),
        "status": _status_label, "attachments": _files_formatter, "text_extraction": _document_text_state,
    }
    column_formatters_export = {
        "doc_type": choice_label(DOCUMENT_TYPES), "level": choice_label(DOCUMENT_LEVELS), "status": _status_label,
    }
    column_labels = {
        "doc_type": "Loại", "number": "Số hiệu", "title": "Trích yếu", "issuing_body": "Cơ quan ban hành",
        "issued_on": "Ngày ban hành", "level": "Cấp", "summary": "Tóm tắt", "body_text": "Toàn văn",
        "organization": "Tổ chức đăng", "organization.name": "Tổ chức đăng", "organization.code": "Mã tổ chức",
        "status": "Trạng thái", "published_at": "Thời điểm xuất bản", "points": "Điểm đọc",
        "attachments": "Tệp đính kèm", "text_extraction": "Trích xuất văn bản", "created_at": "Ngày tạo",
    }
    form_columns = [
        "doc_type", "number", "title", "issuing_body", "issued_on", "level", "summary", "body_text", "files",
        "organization", "status", "published_at", "points",
    ]
    form_choices = {
        "status": list(STATUSES.items()), "doc_type": list(DOCUMENT_TYPES.items()), "level": list(DOCUMENT_LEVELS.items()),
    }
    form_extra_fields = {"files": MultipleFileField("Thêm tệp đính kèm (PDF, DOCX, PNG, JPEG, WebP)")}
    form_widget_args = {"body_text": {"rows": 12}, "summary": {"rows": 3}}
    form_args = {
        "number": {"label": "Số hiệu", "description": "Ví dụ: 35-NQ/TW"},
        "body_text": {"validators": [text_length(DOCUMENT_TEXT_MAX)]},
        "summary": {"validators": [text_length(SUMMARY_MAX)]},
        "published_at": {"label": "Thời điểm xuất bản", "description": "Để trống khi xuất bản ngay; đặt giờ sau để hẹn giờ."},
        "points": {"label": "Điểm đọc", "description": POINTS_HELP},
    }

    def get_query(self):
        """The documents with their files, for the extraction column (one query per page, not per row)."""
        return super().get_query().options(selectinload(Document.attachments))

    def after_form_change(self, form, model, is_created):
        """Store the uploaded files, each checked by content; their text waits for the extractor."""
        super().after_form_change(form, model, is_created)
        for upload in form.files.data or []:
            if upload is None or not getattr(upload, "filename", ""):
                continue
            try:
                stored = store_upload(upload, DOCUMENT_KINDS)
            except UploadError as exc:
                raise ValidationError(str(exc)) from exc
            self._remember_file(stored.stored_name)
            model.attachments.append(Attachment(
                original_name=stored.original_name, stored_name=stored.stored_name, kind=stored.kind,
                mime=stored.mime, size=stored.size, text_state=initial_text_state(stored.kind),
            ))

    def on_model_delete(self, model):
        """Remember the files of a document about to be deleted."""
        g.content_deleted_files = [a.stored_name for a in model.attachments]

    def after_model_delete(self, model):
        """Remove the files of a deleted document."""
        for name in g.pop("content_deleted_files", []):
            remove_stored(name)


class AttachmentView(ScopedModelView):
    """Files of documents: listed and removed here, added on the document's form."""

    edit_roles = EDITORS
    can_create = False
    can_edit = False
    can_export = False
    column_list = ["original_name", "document", "kind", "size", "text_state", "text_state_at", "created_at"]
    column_searchable_list = ["original_name"]
    column_filters = ["text_state"]
    column_choices = {"text_state": list(TEXT_STATES.items())}  # the filter offers the three states
    column_select_related_list = [Attachment.document]
    column_formatters = {"text_state": _text_state_label}
    column_labels = {"original_name": "Tên tệp", "document": "Tài liệu", "kind": "Loại", "size": "Dung lượng (byte)",
                     "text_state": "Trích xuất văn bản", "text_state_at": "Lúc trích xuất", "created_at": "Ngày tải lên"}

    def on_model_delete(self, model):
        """Remember which file to remove."""
        g.content_deleted_files = [model.stored_name]

    def after_model_delete(self, model):
        """Remove the stored file and refresh the document's search text."""
        for name in g.pop("content_deleted_files", []):
            remove_stored(name)


class ReadMarkView(ScopedModelView):
    """Who read what: each member's read marks, within the user's subtree."""

    can_create = False
    can_edit = False
    can_delete = False
    audits_listing = True
    own_organization_columns = ("member.organization",)
    column_list = ["member", "member.organization", "document", "article", "read_at"]
    column_filters = ["read_at"]
    column_default_sort = ("read_at", True)
    column_select_related_list = [ReadMark.member, ReadMark.document, ReadMark.article]
    column_export_list = ["member.full_name", "member.card_number", "document.number", "document.title", "article.title", "read_at"]
    column_labels = {
        "member": "Đảng viên", "member.organization": "Chi bộ", "member.full_name": "Đảng viên",
        "member.card_number": "Số thẻ", "document": "Tài liệu", "document.number": "Số hiệu",
        "document.title": "Tài liệu", "article": "Tin tức", "article.title": "Tin tức", "read_at": "Thời điểm đọc",
    }


class ReadStatsView(StaffOnly, BaseView):
    """Counts of reading by organization and the most read documents, for the user's subtree."""

    @expose("/")
    def index(self):
        """Render the reading statistics."""
        scope = current_scope()
        return self.render(
            "content/admin_reads.html",
            by_org=read_counts_by_organization(db.session, scope),
            top=top_read_documents(db.session, scope),
        )


def views() -> list:
    """The content screens of the back office, in menu order."""
    category = CONTENT
    return [
        ArticleView(Article, db, name="Tin tức", category=category),
        DocumentView(Document, db, name="Văn bản", category=category),
        AttachmentView(Attachment, db, name="Tệp đính kèm", category=category),
        ReadMarkView(ReadMark, db, name="Lượt đọc", category=category),
        ReadStatsView(name="Thống kê đọc", endpoint="reads", category=category),
    ]
