"""The rules a new password follows wherever one is chosen: one's own change, activation, the accounts screen."""
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

PASSWORD_LENGTH = Length(min=8, max=200, message="Mật khẩu từ 8 đến 200 ký tự.")


def new_password_field(label: str = "Mật khẩu mới") -> PasswordField:
    """A required new password within PASSWORD_LENGTH."""
    return PasswordField(label, validators=[DataRequired("Vui lòng nhập mật khẩu mới."), PASSWORD_LENGTH])


def confirm_password_field(label: str = "Nhập lại mật khẩu mới", new: str = "new") -> PasswordField:
    """The new password typed again, equal to the field named ``new``."""
    return PasswordField(label, validators=[DataRequired("Vui lòng nhập lại mật khẩu mới."),
                                            EqualTo(new, message="Hai mật khẩu mới không khớp.")])
