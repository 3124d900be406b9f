"""The base form of every form in the handbook: CSRF from Flask-WTF, messages in Vietnamese."""
import os
from functools import lru_cache

from babel import support
from flask_wtf import FlaskForm

TRANSLATIONS = os.path.join(os.path.dirname(__file__), "translations")


@lru_cache(maxsize=1)
def _catalogue():
    """Our Vietnamese catalogue of WTForms' messages (WTForms ships none for vi)."""
    return support.Translations.load(TRANSLATIONS, ["vi"], domain="wtforms")


class _VietnameseMessages:
    """The translations object WTForms asks for its built-in messages."""

    def gettext(self, string):
        return _catalogue().ugettext(string)

    def ngettext(self, singular, plural, n):
        return _catalogue().ungettext(singular, plural, n)


class Form(FlaskForm):
    """Base form: CSRF-protected, validation messages in Vietnamese."""

    class Meta:
        def get_translations(self, form):
            return _VietnameseMessages()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Flask-Admin's Unique validator compares against the row being edited, kept here.
        self._obj = kwargs.get("obj", args[1] if len(args) > 1 else None)
