"""Forms of the login pages."""
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from handbook.auth.passwords import confirm_password_field, new_password_field
from handbook.forms import Form


class LoginForm(Form):
    """Log in by phone number or email and password."""

    login = StringField(
        "Số điện thoại hoặc email",
        validators=[DataRequired("Vui lòng nhập số điện thoại hoặc email."), Length(max=120, message="Quá dài.")],
    )
    password = PasswordField(
        "Mật khẩu",
        validators=[DataRequired("Vui lòng nhập mật khẩu."), Length(max=200, message="Quá dài.")],
    )
    remember = BooleanField("Ghi nhớ đăng nhập trên thiết bị này")


class ActivationForm(Form):
    """Choose the first password of an account with its one-time activation code."""

    login = StringField(
        "Tài khoản (số điện thoại, email hoặc số thẻ đảng viên)",
        validators=[DataRequired("Vui lòng nhập tài khoản."), Length(max=120, message="Quá dài.")],
    )
    code = StringField(
        "Mã kích hoạt",
        validators=[DataRequired("Vui lòng nhập mã kích hoạt."), Length(max=40, message="Quá dài.")],
    )
    # The rules of every new password (handbook/auth/passwords.py), as on the own-password change.
    new = new_password_field()
    confirm = confirm_password_field("Nhập lại mật khẩu mới")
