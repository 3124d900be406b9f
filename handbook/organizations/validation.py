"""The rules a member's record obeys, in one place: the back-office form and the coming import call them.

Each ``clean_*`` function takes what a person typed and returns the value to store, or raises
``ValueError`` with a Vietnamese message; ``clean_member`` checks a whole record and names every
field that breaks a rule.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from handbook.clock import local_today
from handbook.text import number_digits, phone_number

# The Communist Party of Vietnam was founded on 3 February 1930: nobody was admitted before.
PARTY_FOUNDED = date(1930, 2, 3)
EARLIEST_BIRTH = date(1900, 1, 1)
ADMISSION_AGE = 18
NAME_MAX = 120
EMAIL_MAX = 120

_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")
_NAME_PUNCTUATION = set(".'-")


class MemberDataError(ValueError):
    """A record that breaks the rules; ``errors`` maps each field to its Vietnamese message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(" ".join(errors.values()))


def clean_full_name(value: str | None) -> str:
    """A name of letters (with their accents), spaces and . ' - only, at least one letter."""
    name = " ".join(unicodedata.normalize("NFC", value or "").split())
    if not any(ch.isalpha() for ch in name):
        raise ValueError("Họ và tên không được để trống và phải có chữ cái.")
    if len(name) > NAME_MAX:
        raise ValueError(f"Họ và tên tối đa {NAME_MAX} ký tự.")
    if any(not (ch.isalpha() or ch == " " or ch in _NAME_PUNCTUATION or unicodedata.category(ch).startswith("M"))
           for ch in name):
        raise ValueError("Họ và tên chỉ gồm chữ cái, dấu cách và các dấu . ' -")
    return name


def clean_card_number(value: str | None) -> str:
    """A party card number: 6 to 12 digits (separators and full-width digits allowed when typing)."""
    digits = number_digits(value)
    if not (digits.isascii() and digits.isdigit() and 6 <= len(digits) <= 12):
        raise ValueError("Số thẻ đảng viên chỉ gồm chữ số (6 đến 12 chữ số).")
    return digits


def clean_national_id(value: str | None) -> str | None:
    """A CCCD: exactly 12 digits, or nothing."""
    digits = number_digits(value)
    if not digits:
        return None
    if not (digits.isascii() and digits.isdigit() and len(digits) == 12):
        raise ValueError("Số CCCD gồm đúng 12 chữ số.")
    return digits


def clean_phone(value: str | None) -> str | None:
    """A Vietnamese phone number stored as 0xxxxxxxxx (+84 and separators accepted), or nothing."""
    digits = phone_number(value)
    if not digits:
        return None
    if not (digits.isascii() and re.fullmatch(r"0\d{9,10}", digits)):
        raise ValueError("Số điện thoại không hợp lệ (ví dụ: 0912345678 hoặc +84912345678).")
    return digits


def clean_email(value: str | None) -> str | None:
    """An email address in lower case, or nothing."""
    email = unicodedata.normalize("NFKC", value or "").strip().lower()
    if not email:
        return None
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        raise ValueError("Địa chỉ email không hợp lệ (ví dụ: ten@example.vn).")
    return email


def _years_after(day: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 1 March)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def date_errors(date_of_birth: date | None, admitted_on: date | None, official_on: date | None,
                today: date | None = None) -> dict[str, str]:
    """What is wrong with a member's dates: each in range, and in the order a life allows."""
    today = today or local_today()
    errors = {}
    if date_of_birth and not EARLIEST_BIRTH <= date_of_birth <= today:
        errors["date_of_birth"] = f"Ngày sinh phải từ {EARLIEST_BIRTH:%d/%m/%Y} đến hôm nay."
    if admitted_on:
        if not PARTY_FOUNDED <= admitted_on <= today:
            errors["admitted_on"] = f"Ngày vào Đảng phải từ {PARTY_FOUNDED:%d/%m/%Y} đến hôm nay."
        elif date_of_birth and "date_of_birth" not in errors and admitted_on < _years_after(date_of_birth, ADMISSION_AGE):
            errors["admitted_on"] = f"Ngày vào Đảng phải sau khi đủ {ADMISSION_AGE} tuổi."
    if official_on:
        if official_on > today:
            errors["official_on"] = "Ngày chính thức không thể sau hôm nay."
        elif not admitted_on:
            errors["official_on"] = "Vui lòng nhập ngày vào Đảng trước ngày chính thức."
        elif official_on < admitted_on:
            errors["official_on"] = "Ngày chính thức không thể trước ngày vào Đảng."
    return errors


_CLEANERS = {
    "full_name": clean_full_name,
    "card_number": clean_card_number,
    "national_id": clean_national_id,
    "phone": clean_phone,
    "email": clean_email,
}


def clean_member(values: dict, today: date | None = None) -> dict:
    """Check a member's record (any of its fields) and return the values to store; raise
    ``MemberDataError`` naming every field that breaks a rule."""
    cleaned, errors = dict(values), {}
    for field, clean in _CLEANERS.items():
        if field in values:
            try:
                cleaned[field] = clean(values[field])
            except ValueError as exc:
                errors[field] = str(exc)
    errors.update(date_errors(values.get("date_of_birth"), values.get("admitted_on"), values.get("official_on"), today))
    if errors:
        raise MemberDataError(errors)
    return cleaned



def parse_date(value: str | None, label: str = "Ngày") -> date:
    """A date typed the Vietnamese way, dd/mm/yyyy (also with - or .), as a ``date``; ``label`` names it in the message."""
    match = re.fullmatch(r"\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*", value or "")
    try:
        if not match:
            raise ValueError
        day, month, year = (int(part) for part in match.groups())
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{label} phải ghi theo dạng ngày/tháng/năm, ví dụ 18/09/1972.") from None


def _errors(values: dict, today: date | None) -> dict[str, str]:
    """What ``clean_member`` finds wrong with ``values`` (nothing: empty)."""
    try:
        clean_member(values, today)
    except MemberDataError as exc:
        return exc.errors
    return {}


def clean_change(record: dict, field: str, value, today: date | None = None):
    """The value to store when ``field`` of a record (``record``: its current values, dates included)
    becomes ``value``; ``MemberDataError`` names what is wrong with the value and what it breaks elsewhere,
    leaving aside faults the rest of the record already had."""
    before = _errors(record, today)
    caused = {f: message for f, message in _errors({**record, field: value}, today).items()
              if f == field or before.get(f) != message}
    if caused:
        raise MemberDataError(caused)
    clean = _CLEANERS.get(field)
    return clean(value) if clean else value
