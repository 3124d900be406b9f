"""Forms of the member's rights and account pages."""
from wtforms import HiddenField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from handbook.auth.passwords import confirm_password_field, new_password_field
from handbook.forms import Form
from handbook.privacy.models import CORRECTABLE_FIELDS


class CorrectionForm(Form):
    """Ask for one field of one's record to be corrected."""

    field = SelectField("Thông tin cần sửa", choices=list(CORRECTABLE_FIELDS.items()))
    requested_value = StringField(
        "Giá trị đúng",
        validators=[DataRequired("Vui lòng nhập giá trị đúng."), Length(max=300, message="Tối đa 300 ký tự.")],
    )
    note = TextAreaField("Ghi chú (căn cứ, giấy tờ kèm theo)", validators=[Optional(), Length(max=1000, message="Tối đa 1000 ký tự.")])


class AnswerForm(Form):
    """The secretary's answer to a correction request, for the request as it was when the page was loaded."""

    version = IntegerField(widget=HiddenField.widget)
    response = TextAreaField("Lý do / trả lời đảng viên", validators=[Optional(), Length(max=1000, message="Tối đa 1000 ký tự.")])


class PasswordChangeForm(Form):
    """Change one's own password."""

    current = PasswordField("Mật khẩu hiện tại", validators=[DataRequired("Vui lòng nhập mật khẩu hiện tại.")])
    new = new_password_field()
    confirm = confirm_password_field()


class ReauthForm(Form):
    """Type the password again before a sensitive action."""

    password = PasswordField("Mật khẩu", validators=[DataRequired("Vui lòng nhập mật khẩu.")])


class ConfirmForm(Form):
    """A button and its CSRF token."""
