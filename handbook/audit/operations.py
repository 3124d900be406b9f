"""Writing the audit trail: ``record`` is the one way an entry is made."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from handbook.audit.models import AuditEntry, AuditSubject
from handbook.extensions import db
from handbook.text import mask_national_id

# Control characters and line/paragraph separators would let a value forge lines in a log viewer.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# Never written to the audit, whatever the model: secrets stay out of the trail.
SECRET_FIELDS = frozenset({
    "password", "password_hash", "new_password", "session_token", "csrf_token", "remember_token", "token", "key",
})
# Written masked.
MASKED_FIELDS = {"national_id": mask_national_id, "new_national_id": mask_national_id}
# Derived columns that only repeat another change.
DERIVED_FIELDS = frozenset({"search_key", "sort_key", "updated_at"})
TEXT_LIMIT = 500
SUBJECT_BATCH = 10_000


def clean(value, limit: int = TEXT_LIMIT) -> str | None:
    """Text made safe for the trail: control characters and newlines replaced, length capped."""
    if value is None:
        return None
    return _UNSAFE.sub(" ", str(value))[:limit]


def jsonable(value):
    """A value as JSON can hold it, text cleaned."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {clean(k, 80): jsonable(v) for k, v in list(value.items())[:100]}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in list(value)[:200]]
    return clean(value)


def _field_value(key: str, value):
    """The value of one field as the audit keeps it (masked when sensitive)."""
    if key in MASKED_FIELDS and value:
        return MASKED_FIELDS[key](str(value))
    return jsonable(value)


def model_changes(obj, mode: str = "update") -> dict:
    """Field → [old, new] for a model about to be saved (``mode`` create/update) or deleted."""
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in SECRET_FIELDS or key in DERIVED_FIELDS or key == "id":
            continue
        value = getattr(obj, key, None) if mode != "update" else None
        if mode == "create":
            if value is not None and value != "":
                changes[key] = [None, _field_value(key, value)]
        elif mode == "delete":
            changes[key] = [_field_value(key, value), None]
        else:
            history = state.attrs[key].history
            if history.has_changes():
                old = history.deleted[0] if history.deleted else None
                new = history.added[0] if history.added else None
                if old != new:
                    changes[key] = [_field_value(key, old), _field_value(key, new)]
    for rel in state.mapper.relationships:
        if rel.uselist or rel.viewonly or mode == "delete":
            continue
        history = state.attrs[rel.key].history
        if history.added or (mode == "update" and history.deleted):
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old is not new:
                changes[rel.key] = [clean(old) if old is not None else None, clean(new) if new is not None else None]
    return changes


def _actor_values(user) -> dict:
    """Who is acting, from where: a snapshot, since accounts and trees change later."""
    values = {"user_id": None, "login": None, "role": None, "actor_org_id": None, "actor_org_path": None}
    if user is not None and getattr(user, "is_authenticated", True) and getattr(user, "id", None):
        org = user.organization
        values.update(
            user_id=user.id,
            login=clean(user.login, 120),
            role=user.role,
            actor_org_id=org.id if org is not None else None,
            actor_org_path=org.path if org is not None else None,
        )
    if has_request_context():
        values["ip"] = clean(request.remote_addr, 45)
        values["user_agent"] = clean(request.user_agent.string, 200)
    return values


def _values(action, entity, entity_id, changes, detail, user, login) -> dict:
    """The columns of one entry."""
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user._get_current_object()
    values = _actor_values(user)
    if login and not values["login"]:
        values["login"] = clean(login, 120)
    values.update(
        action=clean(action, 40),
        entity=clean(entity, 40),
        entity_id=int(entity_id) if entity_id is not None and str(entity_id).isdigit() else None,
        changes=jsonable(changes) if changes else None,
        detail=jsonable(detail) if detail else None,
    )
    return values


def _write(session: Session, values: dict, subjects) -> AuditEntry:
    """Insert the entry and its subjects in ``session``."""
    entry = AuditEntry(**values)
    session.add(entry)
    session.flush()
    ids = sorted({int(m) for m in subjects if m is not None})
    # Core executemany on the table, in batches: an export of a whole province names ~100,000
    # members, and their parameters all at once would weigh more than the export itself.
    for start in range(0, len(ids), SUBJECT_BATCH):
        session.connection().execute(AuditSubject.__table__.insert(),
                                     [{"entry_id": entry.id, "member_id": m} for m in ids[start:start + SUBJECT_BATCH]])
    return entry


def record(action: str, entity: str | None = None, entity_id=None, *, changes: dict | None = None,
           detail: dict | None = None, user=None, login: str | None = None, subjects=(),
           session: Session | None = None, separate: bool = False) -> int:
    """Write one audit entry and return its id.

    ``user`` is the actor: by default the logged-in user; ``False`` for nobody (a failed login),
    with the attempted ``login`` kept instead.

    By default the entry joins the current transaction, so it is saved with the change it
    describes or not at all. ``separate=True`` commits it on its own at once: refusals, views and
    exports are recorded even when the request's own transaction is rolled back.
    """
    values = _values(action, entity, entity_id, changes, detail, user, login)
    if separate:
        with Session(db.engine) as own:
            entry = _write(own, values, subjects)
            own.commit()
            return entry.id
    return _write(session or db.session, values, subjects).id


@contextmanager
def recorded_save(entity: str, obj, created: bool, *, detail: dict | None = None, subjects=()):
    """Audit a create or update of ``obj`` in its own transaction: the changes are read on entry
    (before anything inside flushes the attribute history away), the entry written on a clean exit,
    so it is saved with the change or not at all. ``subjects`` may be a function, called at exit:
    a new row has its id only once flushed."""
    action = "create" if created else "update"
    changes = model_changes(obj, action)
    yield
    record(action, entity, obj.id, changes=changes, detail=detail, subjects=subjects() if callable(subjects) else subjects)


def recorded_delete(entity: str, obj, *, detail: dict | None = None, subjects=()) -> None:
    """Audit the deletion of ``obj`` (its last values and its label) in the deleting transaction."""
    record("delete", entity, obj.id, changes=model_changes(obj, "delete"),
           detail={**(detail or {}), "label": clean(obj, 200)}, subjects=subjects)
