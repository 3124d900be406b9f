"""Back-office screens: members' correction requests, answered by their secretary, and one's own sessions."""
from flask import flash, make_response, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from handbook.admin.base import ScopedModelView, StaffOnly, choice_label
from handbook.auth.sessions import current_session, open_sessions
from handbook.clock import local_time
from handbook.extensions import db
from handbook.privacy.forms import AnswerForm, ConfirmForm
from handbook.privacy.models import CORRECTABLE_FIELDS, CORRECTION_STATUSES, CorrectionRequest
from handbook.privacy.operations import (STALE, CorrectionRefused, accept_correction, check_answerable,
                                         current_text, reject_correction)


def _requested(view, context, model, name):
    return model.requested_value_shown


def _current(view, context, model, name):
    return current_text(model)


class CorrectionRequestView(ScopedModelView):
    """Correction requests of the members in scope: the field, the record's value and the requested
    one side by side; accepting writes the value into the record, rejecting needs a reason."""

    edit_roles = ("admin", "committee", "secretary")
    audits_listing = True
    details_template = "privacy/correction_details.html"
    column_list = ["created_at", "member", "field", "current_value", "requested_value", "status", "handled_by", "handled_at"]
    column_details_list = ["created_at", "member", "field", "current_value", "requested_value", "note", "status",
                           "response", "previous_value", "handled_by", "handled_at"]
    column_export_list = ["created_at", "member.full_name", "member.card_number", "field", "requested_value", "note",
                          "status", "response", "previous_value", "handled_at"]
    column_filters = ["status", "field", "created_at"]
    column_sortable_list = ["created_at", "field", "status", "handled_at"]
    column_default_sort = ("created_at", True)
    column_select_related_list = [CorrectionRequest.member, CorrectionRequest.handled_by]
    column_labels = {
        "created_at": "Gửi lúc", "member": "Đảng viên", "member.full_name": "Đảng viên",
        "member.card_number": "Số thẻ đảng viên", "field": "Thông tin", "current_value": "Giá trị hiện tại",
        "requested_value": "Giá trị đề nghị", "note": "Ghi chú của đảng viên", "status": "Trạng thái",
        "response": "Trả lời / lý do", "previous_value": "Giá trị trước khi sửa", "handled_by": "Người xử lý",
        "handled_at": "Xử lý lúc",
    }
    _formatters = {
        "field": choice_label(CORRECTABLE_FIELDS),
        "status": choice_label(CORRECTION_STATUSES),
        "requested_value": _requested,
        "current_value": _current,
        "created_at": lambda v, c, m, n: local_time(m.created_at),
        "handled_at": lambda v, c, m, n: local_time(m.handled_at),
    }
    column_formatters = _formatters
    column_formatters_export = _formatters
    # Requests are answered with the two buttons of the details page, never by editing their columns.
    can_create = False
    can_edit = False
    can_delete = False

    def answer_panel(self, model) -> dict:
        """What the details page offers: the answer forms, or why there are none."""
        try:
            check_answerable(model, current_user)
        except CorrectionRefused as exc:
            return {"refusal": str(exc), "form": None}
        form = AnswerForm(formdata=None, version=model.version)
        return {"refusal": None, "form": form}

    @expose("/answer/", methods=["POST"])
    def answer_view(self):
        """Accept (the record takes the value) or reject (with a reason) one request in scope; a request
        already answered, or changed since the page was loaded, is refused with 409 and nothing changes."""
        model = self.get_one(request.args.get("id"))  # 404 outside the scope, audited
        form = AnswerForm()
        decision = request.form.get("decision")
        if not form.validate_on_submit() or decision not in ("accept", "reject"):
            return self._refused(model, "; ".join(e for errors in form.errors.values() for e in errors)
                                 or "Yêu cầu không hợp lệ. Vui lòng tải lại trang.", 400)
        try:
            if decision == "accept":
                accept_correction(db.session, model, current_user, form.version.data, form.response.data)
            else:
                reject_correction(db.session, model, current_user, form.response.data, form.version.data)
            db.session.commit()
        except CorrectionRefused as exc:
            db.session.rollback()
            if exc.status == 403:
                self.refuse(str(exc), model.id)  # a refusal for lack of rights is audited at once
            return self._refused(model, str(exc), exc.status)
        except StaleDataError:
            db.session.rollback()  # answered by someone else between the check and the write
            return self._refused(model, STALE, 409)
        flash("Đã sửa hồ sơ theo đề nghị và ghi nhật ký." if decision == "accept"
              else "Đã trả lời: không chấp nhận. Đảng viên sẽ thấy lý do.", "success")
        return redirect(url_for(".details_view", id=model.id))

    def _refused(self, model, message: str, status: int):
        """The details page again, the refusal on top, with ``status``."""
        flash(message, "error")
        return make_response(self.details_view(), status)


class MySessionsView(StaffOnly, BaseView):
    """"Phiên đăng nhập của tôi" inside the back office: staff stay in its layout and menu."""

    @expose("/")
    def index(self):
        """The user's open sessions, each with a button to end it (back here afterwards)."""
        current = current_session()
        return self.render("privacy/admin_sessions.html", rows=open_sessions(db.session),
                           current_id=current.id if current else None, form=ConfirmForm())
