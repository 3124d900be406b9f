"""Edit conflicts: the version an edit form was loaded at, and the refusal of a save made from a stale one."""
from __future__ import annotations

from datetime import date, datetime

from markupsafe import Markup
from sqlalchemy import inspect, select
from wtforms import HiddenField

from handbook.text import nfc

VERSION_FIELD = "loaded_version"
SHOWN_LIMIT = 120


class VersionField(HiddenField):
    """The row version the edit form was loaded at; sent back with the form, never written to the row."""

    def populate_obj(self, obj, name):
        """Nothing to write: the version moves only when the row is saved."""


def loaded_version(form) -> int | None:
    """The version the submitted form was loaded at; None when the form did not send one (a script),
    -1 when what it sent is not a version (so it is refused as stale)."""
    field = getattr(form, VERSION_FIELD, None)
    if field is None or field.raw_data is None or not field.raw_data:
        return None
    text = (field.raw_data[0] or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else -1


def is_stale(form, model) -> bool:
    """Was the row saved by someone else after this form was loaded?"""
    version = loaded_version(form)
    return version is not None and version != model.version


def _comparable(value):
    """A value reduced for comparison: blanks alike, text in NFC and trimmed, times to the second, rows by id."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return nfc(value).strip() or None
    if isinstance(value, datetime):
        return value.replace(microsecond=0)  # the form shows seconds only
    if hasattr(value, "__table__"):
        return (type(value).__name__, getattr(value, "id", None))
    return value


def _shown(field, value) -> str:
    """A value as a person reads it: the label of a coded choice, dates day first, text cut short."""
    if value is None or value == "":
        return "(trống)"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    for choice in getattr(field, "choices", None) or ():
        if isinstance(choice, (list, tuple)) and len(choice) >= 2 and str(choice[0]) == str(value):
            return str(choice[1])
    text = " ".join(nfc(str(value)).split())
    return text if len(text) <= SHOWN_LIMIT else text[:SHOWN_LIMIT] + "…"


def differences(form, model) -> list[tuple[str, str, str, str]]:
    """(field name, label, value saved now, value submitted) for each field where the two differ."""
    mapped = set(inspect(model).mapper.attrs.keys())
    rows = []
    for field in form:
        if field.name not in mapped:
            continue  # the token, the version, uploads and typed-once secrets are not stored as sent
        saved, submitted = getattr(model, field.name), field.data
        if _comparable(saved) != _comparable(submitted):
            rows.append((field.name, str(field.label.text), _shown(field, saved), _shown(field, submitted)))
    return rows


def last_update(entity: str, entity_id: int):
    """The newest audit entry of a save of this row (who saved it, when, which fields), or None."""
    from handbook.audit.models import AuditEntry
    from handbook.extensions import db

    return db.session.execute(
        select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id,
                                 AuditEntry.action == "update")
        .order_by(AuditEntry.id.desc()).limit(1)
    ).scalar_one_or_none()


def conflict_message(rows, last) -> Markup:
    """The Vietnamese refusal: who saved last and when, then each field as saved now and as submitted."""
    from handbook.clock import local_time

    if last is not None:
        who = Markup("<strong>{}</strong> đã lưu bản ghi này lúc {}").format(last.login or "Người khác", local_time(last.at))
    else:
        who = Markup("Người khác đã lưu bản ghi này")
    changed_last = set((last.changes or {}) if last is not None else ())
    message = Markup(
        "Chưa lưu thay đổi của bạn: {} sau khi bạn mở trang. Biểu mẫu đã được tải lại với dữ liệu đang lưu; "
        "hãy xem lại và nhập lại thay đổi của bạn nếu vẫn cần."
    ).format(who)
    if not rows:
        return message + Markup(" Các trường trên biểu mẫu không khác dữ liệu đang lưu.")
    items = Markup("").join(
        Markup("<li data-field=\"{}\"><strong>{}</strong>{}: đang lưu «{}» · bạn đã gửi «{}»</li>").format(
            name, label, Markup(" (vừa được sửa)") if name in changed_last else "", saved, submitted)
        for name, label, saved, submitted in rows
    )
    return message + Markup("<ul class=\"mb-0\">") + items + Markup("</ul>")


def reload_form(form, model) -> None:
    """Show the row as saved now, at its current version, in place of the refused submission."""
    form.process(formdata=None, obj=model)
    getattr(form, VERSION_FIELD).data = str(model.version)

