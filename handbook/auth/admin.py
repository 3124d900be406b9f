"""Back-office screen for user accounts."""
import tempfile

from flask import flash, redirect, send_file
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.helpers import get_redirect_target, is_form_submitted
from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import Optional, ValidationError

from handbook.admin.base import ScopedModelView, unresolved_choice
from handbook.audit.operations import record
from handbook.auth.activation import activation_rows, end_codes, issue_codes, write_activation_sheet
from handbook.auth.models import ROLES, User, is_valid_login
from handbook.auth.operations import (
    MEMBER_OUTSIDE,
    NOT_MANAGED,
    ORG_OUTSIDE,
    RightsError,
    check_account_change,
    check_account_removal,
    may_manage,
    offered_roles,
)
from handbook.auth.passwords import PASSWORD_LENGTH
from handbook.extensions import db
from handbook.scope import current_scope

ACTIVATED, NOT_ACTIVATED = "Đã kích hoạt", "Chưa kích hoạt"
SHEET_NAME = "phieu-kich-hoat.pdf"


def _role_label(view, context, model, name):
    """The role in Vietnamese."""
    return ROLES.get(model.role, model.role)


def _activated_label(view, context, model, name):
    """Whether the account has a password yet."""
    return ACTIVATED if model.password_hash else NOT_ACTIVATED


class ActivatedFilter(BaseSQLAFilter):
    """Accounts with or without a password (imported accounts have none until activated)."""

    def __init__(self):
        super().__init__(User.password_hash, "Kích hoạt", options=(("1", ACTIVATED), ("0", NOT_ACTIVATED)))

    def apply(self, query, value, alias=None):
        return query.filter(User.password_hash != "" if value == "1" else User.password_hash == "")

    def operation(self):
        return "là"


class UserView(ScopedModelView):
    """Accounts: admins manage all; committees their subtree; secretaries the members of their branch."""

    edit_roles = ("admin", "committee", "secretary")
    audits_listing = True
    column_list = ["login", "role", "organization", "member", "active", "activated", "last_login_at"]
    column_details_list = ["login", "role", "organization", "member", "active", "failed_logins", "last_login_at", "created_at"]
    column_export_list = ["login", "role", "organization.code", "organization.name", "member.full_name", "active", "last_login_at"]
    column_searchable_list = ["login"]
    column_filters = ["role", "active", ActivatedFilter(), "organization.code"]
    column_sortable_list = ["login", "role", "active", "last_login_at"]
    column_default_sort = "login"
    column_select_related_list = [User.organization, User.member]
    column_labels = {
        "login": "Tên đăng nhập",
        "role": "Vai trò",
        "organization": "Tổ chức",
        "organization.code": "Mã tổ chức",
        "organization.name": "Tổ chức",
        "member": "Đảng viên",
        "member.full_name": "Đảng viên",
        "active": "Đang hoạt động",
        "activated": "Kích hoạt",
        "failed_logins": "Số lần đăng nhập sai",
        "last_login_at": "Đăng nhập lần cuối",
        "created_at": "Ngày tạo",
    }
    column_formatters = {"role": _role_label, "activated": _activated_label}
    column_formatters_export = {"role": _role_label}
    # Extra fields must be listed too: with form_columns set, Flask-Admin drops unlisted ones.
    form_columns = ["login", "role", "organization", "member", "active", "new_password"]
    form_choices = {"role": list(ROLES.items())}
    form_extra_fields = {
        "new_password": PasswordField(
            "Mật khẩu mới",
            description="Để trống nếu không đổi. Ít nhất 8 ký tự.",
            validators=[Optional(), PASSWORD_LENGTH],
        )
    }
    form_ajax_refs = {
        "organization": {"fields": ["code", "name"], "placeholder": "Tìm tổ chức"},
        "member": {"fields": ["full_name", "card_number"], "placeholder": "Tìm đảng viên"},
    }
    form_args = {
        "login": {"label": "Tên đăng nhập", "description": "Số điện thoại hoặc email."},
        "role": {"label": "Vai trò"},
        "organization": {"label": "Tổ chức"},
        "member": {"label": "Đảng viên"},
        "active": {"label": "Đang hoạt động"},
    }

    # -- rights: checked on the submitted values against the user's rights before the form is applied
    def create_form(self, obj=None):
        """The new-account form offers only the roles the user may grant."""
        form = super().create_form(obj)
        form.role.choices = offered_roles(current_scope(), None)
        return form

    def edit_form(self, obj=None):
        """The edit form offers the roles the user may grant, or only the stored one when they may not change it."""
        form = super().edit_form(obj)
        form.role.choices = offered_roles(current_scope(), obj)
        return form

    def validate_form(self, form):
        """Refuse (403, audited) a create or edit the user has no right to make, before WTForms or the model see it.

        Flask-Admin's ``get_one`` for one's own account returns the very object behind
        ``current_user`` and ``populate_obj`` would change it: so the check runs here, on the
        submitted values, against the user's scope taken now, while nothing is applied.
        """
        if "role" in form and is_form_submitted():
            account = getattr(form, "_obj", None)
            try:
                # An id the scoped dropdown cannot resolve lies outside the subtree (one's own account: see below).
                if account is None or account.id != current_user.id:
                    if unresolved_choice(form.organization):
                        raise RightsError(ORG_OUTSIDE)
                    if unresolved_choice(form.member):
                        raise RightsError(MEMBER_OUTSIDE)
                check_account_change(current_scope(), account, form.role.data, form.organization.data,
                                     form.member.data, form.active.data)
            except RightsError as exc:
                self.handle_view_exception(self.refuse(str(exc), getattr(account, "id", None), requested={
                    "role": form.role.data, "organization": form.organization.raw_data,
                    "member": form.member.raw_data, "active": bool(form.active.data)}))
                return False
        return super().validate_form(form)

    def delete_model(self, model):
        """Nobody deletes their own account or one they may not manage (also in bulk); a refusal is audited."""
        try:
            check_account_removal(current_scope(), model)
        except RightsError as exc:
            self.handle_view_exception(self.refuse(str(exc), model.id, role=model.role))
            return False
        return super().delete_model(model)

    def after_form_change(self, form, model, is_created):
        """Check the login, the organization a role needs, and the password (rights were checked before)."""
        if not is_valid_login(model.login):
            raise ValidationError("Tên đăng nhập phải là số điện thoại hoặc email hợp lệ.")
        if model.role == "member":
            if model.member is None:
                raise ValidationError("Tài khoản đảng viên phải gắn với một đảng viên.")
            model.organization = model.member.organization
        elif model.role != "admin" and model.organization is None:
            raise ValidationError("Vui lòng chọn tổ chức cho tài khoản.")
        if form.new_password.data:
            model.set_password(form.new_password.data)
            if not is_created:
                # A password set by staff leaves no code to redeem. Not flushed: the audit entry
                # reads the form's changes after this.
                with db.session.no_autoflush:
                    end_codes(db.session, model.id)
        elif is_created:
            raise ValidationError("Vui lòng đặt mật khẩu cho tài khoản mới.")

    # -- activation codes
    def is_action_allowed(self, name):
        """Codes are issued by those who may change accounts here."""
        if name == "issue_codes" and not self._may_edit():
            return False
        return super().is_action_allowed(name)

    @action("issue_codes", "Cấp mã kích hoạt",
            "Cấp mã kích hoạt mới cho các tài khoản đã chọn? Mã cấp trước đó của các tài khoản này sẽ hết hiệu lực.")
    def action_issue_codes(self, ids):
        """Issue a code to each selected account and answer with the activation sheet (PDF); refused
        as a whole, nothing issued, when any of them is one the user may not manage."""
        scope = current_scope()
        wanted = set(ids)
        accounts = self.get_query().filter(User.id.in_(wanted)).all() if wanted else []
        if not accounts or len(accounts) != len(wanted) or not all(may_manage(scope, a) for a in accounts):
            self.refuse(NOT_MANAGED, None, action="issue_codes", ids=sorted(wanted)[:50])
            flash(f"Không cấp mã kích hoạt: {NOT_MANAGED}", "error")
            return redirect(get_redirect_target() or self.get_url(".index_view"))
        codes = issue_codes(db.session, [a.id for a in accounts], issued_by_id=current_user.id)
        record("activation_issue", self.audit_entity, None, detail={"screen": str(self.name), "count": len(codes)},
               subjects=self.subject_member_ids(accounts))
        db.session.commit()
        # Spills to disk past 8 MB: a committee's sheet for thousands of accounts stays out of memory.
        out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        write_activation_sheet(activation_rows(db.session, codes), out)
        out.seek(0)
        return send_file(out, mimetype="application/pdf", as_attachment=True, download_name=SHEET_NAME)
