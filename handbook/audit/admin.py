"""Back-office screens: the audit trail (read only) and the breach-response look-up."""
import json

from flask import request
from flask_admin import BaseView, expose

from handbook.admin.base import ScopedModelView, StaffOnly
from handbook.audit.models import ACTIONS
from handbook.audit.operations import record
from handbook.audit.queries import members_seen_by, who_saw_member
from handbook.auth.models import ROLES, User, normalize_login
from handbook.clock import local_time
from handbook.extensions import db
from handbook.organizations.models import Member
from handbook.scope import scoped_select
from handbook.text import without_control_characters


def _local(view, context, model, name):
    return local_time(getattr(model, name))


def _json(view, context, model, name):
    value = getattr(model, name)
    return json.dumps(value, ensure_ascii=False) if value else ""


def _action(view, context, model, name):
    return ACTIONS.get(model.action, model.action)


# What the audit calls its entities (table names), as a person reads them.
ENTITIES = {
    "point_entry": "Mục sổ điểm", "quiz": "Bài thi", "quiz_attempt": "Lượt làm bài", "quiz_question": "Câu hỏi",
    "study_topic": "Chuyên đề", "quiz_category": "Lĩnh vực câu hỏi", "leaderboard_setting": "Cài đặt bảng xếp hạng",
    "user_account": "Tài khoản", "member": "Đảng viên", "organization": "Tổ chức đảng", "document": "Tài liệu",
    "article": "Tin tức", "document_attachment": "Tệp đính kèm", "correction_request": "Yêu cầu sửa thông tin",
    "audit_entry": "Nhật ký", "point_rule": "Quy tắc điểm", "read_mark": "Lượt đọc", "user_session": "Phiên đăng nhập",
    "job_run": "Lần chạy tác vụ", "generated_report": "Báo cáo thống kê",
    "rating_rule_set": "Bộ tiêu chí xếp loại", "rating_criterion": "Tiêu chí xếp loại",
    "rating_condition": "Điều kiện xếp loại", "member_rating": "Xếp loại đảng viên",
    "organization_rating": "Xếp loại tổ chức đảng", "rating_step": "Bước xếp loại", "member_discipline": "Kỷ luật đảng viên",
    "member_import": "Nhập danh sách đảng viên",
}


def _entity(view, context, model, name):
    return ENTITIES.get(model.entity, model.entity or "")


def _role(view, context, model, name):
    return ROLES.get(model.role, model.role or "")


class AuditEntryView(ScopedModelView):
    """The audit trail: searched and exported, never changed (and exports of it are audited too)."""

    edit_roles = ()  # no role creates, edits or deletes here
    audits_listing = True  # logins are phone numbers and emails; entries name members
    can_view_details = True
    column_list = ["at", "login", "role", "ip", "action", "entity", "entity_id"]
    column_details_list = ["at", "login", "role", "ip", "user_agent", "action", "entity", "entity_id", "changes", "detail"]
    column_export_list = ["at", "login", "role", "ip", "user_agent", "action", "entity", "entity_id", "changes", "detail"]
    column_searchable_list = ["login", "ip"]
    column_filters = ["action", "login", "entity", "entity_id", "at", "ip"]
    column_sortable_list = ["at", "login", "action"]
    column_default_sort = ("at", True)
    column_labels = {
        "at": "Thời gian", "login": "Tài khoản", "role": "Vai trò", "ip": "Địa chỉ IP",
        "user_agent": "Trình duyệt", "action": "Hành động", "entity": "Đối tượng", "entity_id": "Mã bản ghi",
        "changes": "Thay đổi", "detail": "Chi tiết",
    }
    column_formatters = {"at": _local, "action": _action, "entity": _entity, "role": _role,
                         "changes": _json, "detail": _json}
    column_formatters_export = column_formatters
    column_choices = {"action": list(ACTIONS.items())}

    def subject_member_ids(self, rows) -> list[int]:
        """The members the entries are about (from the rows alone: an export calls this once per row)."""
        return [row.entity_id for row in rows if row.entity == "member" and row.entity_id]


# Rows of the "seen by" answer the page shows (the CLI gives them all).
SEEN_SHOWN = 1000


class BreachView(StaffOnly, BaseView):
    """"Who opened or exported member X" and "which members did account Y see": admins only."""

    allowed_roles = ("admin",)  # the province's organization department answers breach questions

    @expose("/")
    def index(self):
        """Answer one of the two questions from the audit."""
        # Control characters never reach SQL (PostgreSQL refuses NUL in text: it was a 500).
        card = (without_control_characters(request.args.get("member")) or "").strip()[:20]
        login = (without_control_characters(request.args.get("user")) or "").strip()[:120]
        member = account = None
        entries = seen = None
        if card:
            member = db.session.execute(scoped_select(Member).where(Member.card_number == card)).scalar_one_or_none()
            entries = who_saw_member(db.session, member.id) if member else []
        if login:
            account = db.session.execute(scoped_select(User).where(User.login == normalize_login(login))).scalar_one_or_none()
            seen = members_seen_by(db.session, account.id) if account else []
        if card or login:
            # The answer shows members (and who saw them): the look-up is itself personal data seen.
            shown = ([member.id] if member else []) + [r.member_id for r in (seen or [])[:SEEN_SHOWN]]
            record("breach_lookup", None, None, separate=True, subjects=shown, detail={
                "member": card or None, "user": login or None, "rows": len(entries or []) + len(seen or []),
            })
        return self.render("audit/breach.html", card=card, login=login, member=member, account=account,
                           entries=entries, seen=seen, seen_shown=SEEN_SHOWN, local_time=local_time, actions=ACTIONS)
