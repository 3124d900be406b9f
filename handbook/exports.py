"""Helpers for every file the handbook writes for spreadsheets."""
import re

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from unidecode import unidecode

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value):
    """Make a cell safe in any spreadsheet: control characters that openpyxl refuses (and a stored
    ``\x01`` would turn into a 500) are dropped, and a formula reads as plain text (OWASP CSV injection)."""
    if not isinstance(value, str):
        return value
    # Dropped first: "\x01=cmd" would otherwise start with "=" only once written.
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value


def ascii_filename(title: str, stamp: str, extension: str) -> str:
    """An ASCII file name from a Vietnamese title ("Đảng viên" → "Dang_vien"), safe in headers."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", unidecode(title)).strip("_") or "export"
    return f"{slug}_{stamp}.{extension}"
