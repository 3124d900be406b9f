"""Helpers for every file the handbook writes for spreadsheets."""
import re

from unidecode import unidecode

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value):
    """Make a cell that a spreadsheet would run as a formula read as plain text (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def ascii_filename(title: str, stamp: str, extension: str) -> str:
    """An ASCII file name from a Vietnamese title ("Đảng viên" → "Dang_vien"), safe in headers."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", unidecode(title)).strip("_") or "export"
    return f"{slug}_{stamp}.{extension}"
