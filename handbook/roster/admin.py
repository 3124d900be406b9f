"""The imports screen: upload the register, read its dry run, import it, hand out the activation codes."""
from __future__ import annotations

import os

from flask import abort, current_app, flash, jsonify, redirect, request, send_file, url_for
from flask_admin import expose
from flask_login import current_user

from handbook.admin.base import ScopedModelView, choice_label
from handbook.audit.operations import record
from handbook.auth.activation import activation_url
from handbook.content.uploads import clean_filename
from handbook.extensions import db
from handbook.roster.columns import template_workbook
from handbook.roster.models import IMPORT_STATUSES, MemberImport
from handbook.roster.reader import FileRefused, sniff
from handbook.roster.runner import claim_for_import, new_stored_name, progress_of, start, stored_path
from handbook.scope import current_scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "mau-danh-sach-dang-vien.xlsx"
DOWNLOADS = {
    "sheet": ("sheet_name", "application/pdf", "phieu-kich-hoat-{}.pdf"),
    "messages": ("messages_name", XLSX, "tin-nhan-kich-hoat-{}.xlsx"),
}


def _max_bytes() -> int:
    """The largest register file taken (IMPORT_MAX_MB)."""
    return int(current_app.config.get("IMPORT_MAX_MB", 20)) * 1024 * 1024


class MemberImportView(ScopedModelView):
    """Imports of the branch register: secretaries into their branch, committees into their subtree,
    the admin anywhere; each import is listed to whoever manages the organization it was made in."""

    edit_roles = ("admin", "committee", "secretary")
    can_create = False
    can_edit = False
    can_delete = False
    can_export = False
    can_view_details = False  # the import's own page (the file's name links to it) shows what matters
    list_template = "roster/list.html"
    column_list = ["created_at", "filename", "user", "organization", "status", "row_count", "error_count"]
    column_labels = {
        "created_at": "Thời gian", "filename": "Tệp", "user": "Người nhập", "organization": "Phạm vi",
        "status": "Trạng thái", "row_count": "Số dòng", "error_count": "Số lỗi",
    }
    column_formatters = {"status": choice_label(IMPORT_STATUSES),
                         "filename": lambda v, c, m, n: _link(v, m)}
    column_default_sort = ("created_at", True)
    column_filters = ["status"]
    column_select_related_list = [MemberImport.user, MemberImport.organization]

    @expose("/new", methods=["GET", "POST"])
    def upload_view(self):
        """The upload form; a posted file is stored under a generated name and its dry run started."""
        if request.method == "GET":
            return self.render("roster/upload.html", max_mb=_max_bytes() // (1024 * 1024))
        limit = _max_bytes()
        if request.content_length and request.content_length > limit + 64 * 1024:
            return self._refuse_upload(f"Tệp quá lớn: tối đa {limit // (1024 * 1024)} MB. Hãy chia danh sách thành nhiều tệp.", 413)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            return self._refuse_upload("Vui lòng chọn tệp danh sách đảng viên (.xlsx hoặc .csv).", 400)
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            return self._refuse_upload(f"Tệp quá lớn: tối đa {limit // (1024 * 1024)} MB. Hãy chia danh sách thành nhiều tệp.", 413)
        try:
            kind = sniff(data[:8192]) if data.strip() else None
        except FileRefused as exc:
            return self._refuse_upload(str(exc), 400)
        if kind is None:
            return self._refuse_upload("Tệp rỗng.", 400)
        stored = new_stored_name(kind)
        with open(stored_path(stored), "wb") as handle:
            handle.write(data)
        item = MemberImport(organization_id=current_user.organization_id, user_id=current_user.id,
                            filename=clean_filename(upload.filename)[:200], stored_name=stored, size=len(data),
                            status="checking")
        db.session.add(item)
        db.session.flush()
        start(item, current_scope(), write=False, activation_url=activation_url())
        return redirect(url_for(".show_view", id=item.id))

    def _refuse_upload(self, message: str, status: int):
        """The upload form again, with why the file was refused."""
        flash(message, "error")
        return self.render("roster/upload.html", max_mb=_max_bytes() // (1024 * 1024)), status

    @expose("/show")
    def show_view(self):
        """An import: its progress while it runs, its errors by row and column, its counts, its files."""
        item = self.get_one(request.args.get("id"))
        return self.render("roster/show.html", item=item, progress=progress_of(item), statuses=IMPORT_STATUSES)

    @expose("/progress")
    def progress_view(self):
        """How far a running import got, for the page's progress bar."""
        item = self.get_one(request.args.get("id"))
        state = progress_of(item)
        return jsonify(status=item.status, rows=state.get("rows", 0), running=state["running"], stalled=state["stalled"])

    @expose("/apply", methods=["POST"])
    def apply_view(self):
        """Import a file whose dry run passed: all its rows, or none."""
        item = self.get_one(request.form.get("id"))
        if not claim_for_import(item):
            # The import's page again, with why: a redirect would drop the 409 a second click deserves.
            flash("Tệp này không ở trạng thái chờ nhập (đã nhập, đang nhập hoặc có lỗi).", "error")
            db.session.refresh(item)
            return self.render("roster/show.html", item=item, progress=progress_of(item), statuses=IMPORT_STATUSES), 409
        db.session.refresh(item)
        start(item, current_scope(), write=True, activation_url=activation_url())
        return redirect(url_for(".show_view", id=item.id))

    @expose("/recheck", methods=["POST"])
    def recheck_view(self):
        """Check a file again (after an interruption, or to see today's state of the database)."""
        item = self.get_one(request.form.get("id"))
        if item.status == "applied" or progress_of(item)["running"]:
            abort(409)
        item.status = "checking"
        start(item, current_scope(), write=False, activation_url=activation_url())
        return redirect(url_for(".show_view", id=item.id))

    @expose("/template")
    def template_view(self):
        """The register template: headers in Vietnamese, one example row."""
        from io import BytesIO

        return send_file(BytesIO(template_workbook()), mimetype=XLSX, as_attachment=True, download_name=TEMPLATE_NAME)

    @expose("/file/<kind>")
    def file_view(self, kind):
        """The activation sheet (PDF) or messages (xlsx) of an import; the download is audited."""
        if kind not in DOWNLOADS:
            abort(404)
        item = self.get_one(request.args.get("id"))
        attribute, mimetype, name = DOWNLOADS[kind]
        stored = getattr(item, attribute)
        if not stored or not os.path.exists(stored_path(stored)):
            abort(404)
        record("export", "member_import", item.id, detail={"file": kind}, separate=True)
        return send_file(stored_path(stored), mimetype=mimetype, as_attachment=True, download_name=name.format(item.id))


def _link(view, model):
    """The file's name, linking to its import."""
    from markupsafe import Markup

    return Markup('<a href="{}">{}</a>').format(url_for("member_import.show_view", id=model.id), model.filename)
