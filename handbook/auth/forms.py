"""Forms of the login pages."""
from handbook.forms import Form
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


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
