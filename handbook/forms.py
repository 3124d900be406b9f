"""The base form of every form in the handbook: CSRF from Flask-WTF, messages in Vietnamese; the
date and time fields typed and shown the Vietnamese way."""
import os
import re
from datetime import date, datetime
from functools import lru_cache

from babel import support
from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, StringField
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import Length, ValidationError
from wtforms.widgets import TextInput

from handbook.clock import local_date, local_time, utc_from_local
from handbook.text import CONTROL_MESSAGE, has_control_characters, nfc

TRANSLATIONS = os.path.join(os.path.dirname(__file__), "translations")
# The longest text a field takes when it sets no bound of its own (a long article sets a larger one).
TEXT_MAX = 20_000


@lru_cache(maxsize=1)
def _catalogue():
    """Our Vietnamese catalogue of WTForms' messages (WTForms ships none for vi)."""
    return support.Translations.load(TRANSLATIONS, ["vi"], domain="wtforms")


class _VietnameseMessages:
    """The translations object WTForms asks for its built-in messages."""

    def gettext(self, string):
        return _catalogue().ugettext(string)

    def ngettext(self, singular, plural, n):
        # The catalogue lists both English forms as plain entries (Vietnamese has one form), so a plural
        # lookup found nothing and "Field cannot be longer than 255 characters." stayed English.
        return _catalogue().ugettext(singular if n == 1 else plural)


def clean_text(value):
    """A filter: text in NFC with outer spaces trimmed (anything else untouched)."""
    return nfc(value) if isinstance(value, str) else value


def no_control_characters(form, field):
    """A validator: refuse text holding control characters (one message on every form)."""
    if isinstance(field.data, str) and has_control_characters(field.data):
        raise ValidationError(CONTROL_MESSAGE)


def text_length(maximum: int) -> Length:
    """A length bound on a text field, said in Vietnamese."""
    return Length(max=maximum, message=f"Tối đa {maximum:,} ký tự.".replace(",", "."))


def _guard_text_field(field) -> None:
    """Give a typed-text field (not a password or token) the filter, the check and a length bound."""
    if not isinstance(field, StringField) or isinstance(field, (PasswordField, CSRFTokenField)):
        return
    field.filters = (*field.filters, clean_text)
    bounded = any(isinstance(v, Length) and v.max >= 0 for v in field.validators)
    field.validators = [no_control_characters, *field.validators, *([] if bounded else [text_length(TEXT_MAX)])]


DATE_MESSAGE = "Ngày không hợp lệ: nhập theo dạng ngày/tháng/năm, ví dụ 18/09/1972."
DATETIME_MESSAGE = "Thời điểm không hợp lệ: nhập theo dạng ngày/tháng/năm giờ:phút, ví dụ 18/09/2026 08:30."
# dd/mm/yyyy (one-digit day and month too), then an optional HH:MM[:SS]; ISO yyyy-mm-dd is still
# taken, as pasted from another system or typed by habit. The year has four digits: "18/9/72" is refused
# rather than read as the year 72.
_DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")


def parse_local(text: str) -> tuple[date, tuple[int, int, int] | None] | None:
    """A date typed dd/mm/yyyy [HH:MM] (or ISO) as (date, (hour, minute, second) or None); None if it is not one."""
    text = (text or "").strip()
    if match := _DAY_FIRST.fullmatch(text):
        day, month, year, *clock = match.groups()
    elif match := _ISO.fullmatch(text):
        year, month, day, *clock = match.groups()
    else:
        return None
    try:
        day_of = date(int(year), int(month), int(day))
        hms = None if clock[0] is None else (int(clock[0]), int(clock[1]), int(clock[2] or 0))
        if hms is not None:
            datetime(2000, 1, 1, *hms)  # the hour and minute exist
    except ValueError:
        return None
    return day_of, hms


class PickerInput(TextInput):
    """A text box for a date or time typed the Vietnamese way, opened as the back office's picker
    (admin/js/form.js reads ``data-role``; static/js/admin-dates.js gives it Vietnamese labels)."""

    def __init__(self, role: str, picker_format: str, hint: str):
        super().__init__()
        self.role, self.picker_format, self.hint = role, picker_format, hint

    def __call__(self, field, **kwargs):
        kwargs.setdefault("data-role", self.role)
        kwargs.setdefault("data-date-format", self.picker_format)  # moment.js's spelling of the format
        kwargs.setdefault("placeholder", self.hint)
        kwargs.setdefault("autocomplete", "off")
        return super().__call__(field, **kwargs)


class _TypedField(Field):
    """A field whose text is parsed on submit; what the user typed is shown back when it is refused."""

    def _value(self):
        """The text in the box: as typed when it was refused, else the value shown the Vietnamese way."""
        if self.raw_data:
            return self.raw_data[0]
        return self.show(self.data) if self.data is not None else ""

    def process_formdata(self, valuelist):
        """Parse the typed text; an empty box is None, text that is not a date is this field's message."""
        text = " ".join(valuelist).strip() if valuelist else ""
        if not valuelist or not text:
            self.data = None
            return
        self.data = self.parse(text)
        if self.data is None:
            raise ValueError(self.message)


class VietnameseDateField(_TypedField):
    """A date shown and typed as dd/mm/yyyy, as the lists show it."""

    widget = PickerInput("datepicker", "DD/MM/YYYY", "dd/mm/yyyy")
    message = DATE_MESSAGE
    show = staticmethod(local_date)

    @staticmethod
    def parse(text):
        """The date typed, or None (a time of day is not a date)."""
        parsed = parse_local(text)
        return parsed[0] if parsed and parsed[1] is None else None


class LocalDateTimeField(_TypedField):
    """A time stored in UTC, shown and typed in Vietnam's time as dd/mm/yyyy HH:MM (a bare date is midnight)."""

    widget = PickerInput("datetimepicker", "DD/MM/YYYY HH:mm", "dd/mm/yyyy hh:mm")
    message = DATETIME_MESSAGE
    show = staticmethod(local_time)

    @staticmethod
    def parse(text):
        """The UTC time of the Vietnam time typed, or None."""
        parsed = parse_local(text)
        if parsed is None:
            return None
        day, hms = parsed
        try:
            return utc_from_local(datetime(day.year, day.month, day.day, *(hms or (0, 0, 0))))
        except OverflowError:  # 01/01/0001 00:00 in Vietnam is before the first UTC time there is
            return None


class Form(FlaskForm):
    """Base form: CSRF-protected, validation messages in Vietnamese; every text field is NFC,
    trimmed, free of control characters and bounded in length."""

    class Meta:
        def get_translations(self, form):
            return _VietnameseMessages()

        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            _guard_text_field(field)
            return field

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Flask-Admin's Unique validator compares against the row being edited, kept here.
        self._obj = kwargs.get("obj", args[1] if len(args) > 1 else None)
