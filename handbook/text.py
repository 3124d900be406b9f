"""Vietnamese text helpers: normalization, accent-free search keys and a Vietnamese sort key."""
import re
import unicodedata

from unidecode import unidecode

_SPACES = re.compile(r"\s+")
# Control characters other than tab and line breaks (C0, DEL, C1): invisible, refused by openpyxl in a
# cell and (NUL) by PostgreSQL in text; nobody types them on purpose.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_MESSAGE = "Nội dung có ký tự điều khiển (ký tự ẩn) không hợp lệ. Vui lòng xóa chúng rồi gửi lại."

# Vietnamese alphabetical order; letters outside it (f, j, w, z) keep their Latin place.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {ch: f"{i + 10:02d}" for i, ch in enumerate(_ALPHABET)}
# Dictionary order of the tones: ngang, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}


def nfc(value: str | None) -> str | None:
    """Return text in NFC with outer spaces trimmed; NFD input would not match NFC in SQL."""
    if value is None:
        return None
    return unicodedata.normalize("NFC", value).strip()


# Separators people type inside numbers: "034 123.456-789", "(0227) 3 123 456".
_NUMBER_SEPARATORS = re.compile(r"[\s.\-()]")


def number_digits(value: str | None) -> str:
    """A typed number in NFKC (full-width "０３４" becomes "034") without spaces, dots, hyphens or brackets."""
    return _NUMBER_SEPARATORS.sub("", unicodedata.normalize("NFKC", value or ""))


def phone_number(value: str | None) -> str:
    """A Vietnamese phone number as people store it, 0xxxxxxxxx: separators dropped, +84 (or 84
    before ten digits) written 0. Logins and members' phones compare in this form."""
    digits = number_digits(value)
    if digits.startswith("+84"):
        return "0" + digits[3:]
    if digits.startswith("84") and len(digits) == 11:
        return "0" + digits[2:]
    return digits


def has_control_characters(value: str | None) -> bool:
    """Does ``value`` hold a control character other than tab or a line break?"""
    return bool(value) and _CONTROL.search(value) is not None


def without_control_characters(value: str | None) -> str | None:
    """Return ``value`` with its control characters (other than tab and line breaks) removed."""
    if not value:
        return value
    return _CONTROL.sub("", value)


def search_key(value: str | None) -> str:
    """Return the accent-free, lower-case form that searches compare against (đ becomes d)."""
    if not value:
        return ""
    # Control characters never match anything, and PostgreSQL refuses a NUL in a query's text.
    return _SPACES.sub(" ", _CONTROL.sub("", unidecode(unicodedata.normalize("NFC", value))).lower()).strip()


def like_pattern(term: str) -> str:
    """Return a LIKE pattern matching the search key of ``term`` anywhere, wildcards escaped."""
    key = search_key(term).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{key}%"


def _word_key(word: str) -> tuple[str, str]:
    """Return the (letters, tones) parts of one word's sort key."""
    letters, tones = [], []
    for ch in unicodedata.normalize("NFC", word.lower()):
        tone = "0"
        base = ch
        decomposed = unicodedata.normalize("NFD", ch)
        for mark in decomposed[1:]:
            if mark in _TONES:
                tone = _TONES[mark]
        if tone != "0":
            base = unicodedata.normalize("NFC", "".join(m for m in decomposed if m not in _TONES))
        rank = _LETTER_RANK.get(base)
        if rank is None:
            ascii_form = unidecode(base) or "?"
            rank = "".join(_LETTER_RANK.get(c, f"{ord(c) % 100:02d}") for c in ascii_form)
            rank = rank if ascii_form.isalpha() else "0" + rank[:1]
        letters.append(rank)
        tones.append(tone)
    return "".join(letters), "".join(tones)


def vi_sort_key(full_name: str | None) -> str:
    """Return a key that sorts names the Vietnamese way: given name, then family, then middle.

    Letters follow the Vietnamese alphabet (ă after a, đ after d, ư after u); tones break ties.
    """
    words = (nfc(full_name) or "").split()
    if not words:
        return ""
    ordered = [words[-1], words[0], *words[1:-1]] if len(words) > 1 else words
    parts = [_word_key(w) for w in ordered]
    return "00".join(p[0] for p in parts) + "000" + "".join(p[1] for p in parts)


def mask_national_id(value: str | None) -> str:
    """Show only the last three digits of a national ID (CCCD)."""
    if not value:
        return ""
    return "•" * max(len(value) - 3, 0) + value[-3:]
