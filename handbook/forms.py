"""The base form of every form in the handbook: CSRF from Flask-WTF, messages in Vietnamese."""
import os
from functools import lru_cache

from babel import support
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import Length, ValidationError

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
