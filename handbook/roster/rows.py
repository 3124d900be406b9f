"""One row of the register as a member's values: read as a person typed it, checked by the member form's rules."""
from __future__ import annotations

from datetime import date, datetime

from handbook.organizations.validation import MemberDataError, clean_member, parse_date
from handbook.roster.columns import BY_FIELD, CHOICES, header_key
from handbook.text import nfc, without_control_characters

# The longest text each free-text field takes (the member table's column sizes).
TEXT_LIMITS = {"ethnicity": 40, "religion": 40, "hometown": 200, "occupation": 120, "education": 120}
DATE_FIELDS = ("date_of_birth", "admitted_on", "official_on")
# Cells longer than this are refused before any rule looks at them.
CELL_MAX = 1000


def text_of(value) -> str:
    """A cell as the text a person sees: a whole number without ".0", a date day first, invisible characters gone."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return nfc(without_control_characters(str(value))) or ""


def _date(value, label: str) -> date | None:
    """A date cell: an Excel date, or text dd/mm/yyyy (also yyyy-mm-dd, as other systems export it)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = text_of(value)
    if not text:
        return None
    if isinstance(value, (int, float)):
        raise ValueError(f"{label} phải ghi theo dạng ngày/tháng/năm, ví dụ 18/09/1972 (ô đang là số {text}).")
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    return parse_date(text, label)


def _digits_cell(value, field: str) -> str:
    """A number typed in a number cell: Excel dropped a phone's leading 0, which is put back."""
    text = text_of(value)
    if field == "phone" and isinstance(value, (int, float)) and len(text) in (9, 10) and not text.startswith("0"):
        return "0" + text
    return text


def _choice(field: str, text: str) -> str | None:
    """A coded value from its Vietnamese label (any case or accents)."""
    if not text:
        return None
    labels, words = CHOICES[field]
    code = words.get(header_key(text))
    if code is None:
        raise ValueError(f"{BY_FIELD[field].label} phải là một trong: {', '.join(labels.values())}.")
    return code


def read_row(record: dict, today: date) -> tuple[dict, dict[str, str]]:
    """The member's values a row gives (fields with an empty cell left out) and its errors by field."""
    values, errors = {}, {}
    for field, raw in record.items():
        if field == "row_number":
            continue
        label = BY_FIELD[field].label
        try:
            if isinstance(raw, str) and len(raw) > CELL_MAX:
                raise ValueError(f"{label} quá dài (tối đa {CELL_MAX} ký tự).")
            if field in DATE_FIELDS:
                value = _date(raw, label)
            elif field in CHOICES:
                value = _choice(field, text_of(raw))
            elif field in ("card_number", "phone", "national_id"):
                value = _digits_cell(raw, field)
            else:
                value = text_of(raw)
                limit = TEXT_LIMITS.get(field)
                if limit and len(value) > limit:
                    raise ValueError(f"{label} tối đa {limit} ký tự.")
        except ValueError as exc:
            errors[field] = str(exc)
            continue
        if value not in (None, ""):
            values[field] = value
    for field in ("full_name", "card_number", "branch_code"):
        if field in record and field not in values and field not in errors:
            errors[field] = f"Thiếu {BY_FIELD[field].label.lower()}."
    # The form's rules over what the row gives (a cell that already failed gave nothing); the dates
    # always, as their order is checked whichever of them are there.
    checked = {f: values[f] for f in ("full_name", "card_number", "phone", "email", "national_id") if f in values}
    checked.update({f: values.get(f) for f in DATE_FIELDS})
    try:
        values.update({k: v for k, v in clean_member(checked, today).items() if v is not None})
    except MemberDataError as exc:
        for field, message in exc.errors.items():
            errors.setdefault(field, message)
    return values, errors


def new_member_status(values: dict) -> str:
    """The status of a new member whose row names none: official once made official, else probationary."""
    return values.get("status") or ("official" if values.get("official_on") else "probationary")
