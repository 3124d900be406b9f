"""Back-office screen for user accounts."""
from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import Length, Optional, ValidationError

from handbook.admin.base import ScopedModelView
from handbook.auth.models import ROLE_RANK, ROLES, User, is_valid_login


def _role_label(view, context, model, name):
    """The role in Vietnamese."""
    return ROLES.get(model.role, model.role)


class UserView(ScopedModelView):
    """Accounts: admins manage all; committees their subtree; secretaries the members of their branch."""

    edit_roles = ("admin", "committee", "secretary")
    audits_listing = True
    column_list = ["login", "role", "organization", "member", "active", "last_login_at"]
    column_details_list = ["login", "role", "organization", "member", "active", "failed_logins", "locked_until", "last_login_at", "created_at"]
    column_export_list = ["login", "role", "organization.code", "organization.name", "member.full_name", "active", "last_login_at"]
    column_searchable_list = ["login"]
    column_filters = ["role", "active", "organization.code"]
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
        "failed_logins": "Số lần đăng nhập sai",
        "locked_until": "Khóa đến",
        "last_login_at": "Đăng nhập lần cuối",
        "created_at": "Ngày tạo",
    }
    column_formatters = {"role": _role_label}
    column_formatters_export = {"role": _role_label}
    # Extra fields must be listed too: with form_columns set, Flask-Admin drops unlisted ones.
    form_columns = ["login", "role", "organization", "member", "active", "new_password"]
    form_choices = {"role": list(ROLES.items())}
    form_extra_fields = {
        "new_password": PasswordField(
            "Mật khẩu mới",
            description="Để trống nếu không đổi. Ít nhất 8 ký tự.",
            validators=[Optional(), Length(min=8, max=200, message="Mật khẩu từ 8 đến 200 ký tự.")],
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

    def after_form_change(self, form, model, is_created):
        """Check the login, the role the user may grant, the scope and the password."""
        if not is_valid_login(model.login):
            raise ValidationError("Tên đăng nhập phải là số điện thoại hoặc email hợp lệ.")
        if ROLE_RANK.get(model.role, 99) > ROLE_RANK[current_user.role]:
            raise ValidationError("Bạn không thể cấp vai trò cao hơn vai trò của mình.")
        if current_user.role == "secretary" and model.role != "member" and model.id != current_user.id:
            raise ValidationError("Bí thư chi bộ chỉ tạo được tài khoản đảng viên.")
        if model.id == current_user.id and (model.role != current_user.role or not model.active):
            raise ValidationError("Bạn không thể tự đổi vai trò hoặc khóa tài khoản của mình.")
        if model.role == "member":
            if model.member is None:
                raise ValidationError("Tài khoản đảng viên phải gắn với một đảng viên.")
            model.organization = model.member.organization
        elif model.role != "admin" and model.organization is None:
            raise ValidationError("Vui lòng chọn tổ chức cho tài khoản.")
        if form.new_password.data:
            model.set_password(form.new_password.data)
        elif is_created:
            raise ValidationError("Vui lòng đặt mật khẩu cho tài khoản mới.")

    def on_model_delete(self, model):
        """Nobody deletes their own account."""
        if model.id == current_user.id:
            raise ValidationError("Bạn không thể xóa tài khoản của chính mình.")
