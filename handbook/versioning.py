"""Row versions for optimistic concurrency: a save made from a stale form never reverts another's edit.

Every model that a screen edits mixes in ``Versioned``. Its ``version`` is the mapper's
``version_id_col``, so every ORM UPDATE and DELETE of such a row carries ``WHERE version = <the
version read>`` and SQLAlchemy raises ``StaleDataError`` when another transaction changed the row
in between. The counter is moved by ``_bump_versions`` below, and only by an edit: bookkeeping
that nobody types into a form (search keys, timestamps, login counters, the tree's paths) leaves
the version alone, so a login or a re-index never makes an open form stale.

Bulk UPDATEs (``session.execute(update(...))``) bypass the mapper and do not move the version
either; that is deliberate for the tree's path rewrite in ``move_organization`` (a path is derived
from the parents, not typed by anyone, and an open form of a moved organization stays valid).
A bulk UPDATE that does change what a form shows must set ``version=Model.version + 1`` itself.
"""
from __future__ import annotations

import weakref
from typing import ClassVar

from sqlalchemy import event, inspect, text
from sqlalchemy.orm import MANYTOONE, Mapped, Session, declared_attr, mapped_column

# Columns that never count as an edit, in every versioned model: derived keys and timestamps.
BOOKKEEPING = frozenset({"search_key", "sort_key", "created_at", "updated_at"})


class Versioned:
    """A row people edit on a screen: ``version`` counts the edits, starting at 1."""

    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    # A model's own columns that change without anyone editing the row.
    unversioned: ClassVar[frozenset[str]] = frozenset()

    @declared_attr.directive
    def __mapper_args__(cls):
        # The application moves the counter (``_bump_versions``); SQLAlchemy only checks it.
        return {"version_id_col": cls.__table__.c.version, "version_id_generator": False}


def is_versioned(model) -> bool:
    """Does ``model`` (a class) carry a row version?"""
    return isinstance(model, type) and issubclass(model, Versioned)


def edited_fields(obj) -> list[str]:
    """The attributes of ``obj`` changed since it was loaded that count as an edit."""
    state = inspect(obj)
    skip = BOOKKEEPING | type(obj).unversioned | {"version"}
    edited = [a.key for a in state.mapper.column_attrs
              if a.key not in skip and state.attrs[a.key].history.has_changes()]
    # A dropdown sets the relationship; its foreign key column follows only at flush.
    edited += [r.key for r in state.mapper.relationships
               if r.direction is MANYTOONE and not r.viewonly and r.key not in skip
               and state.attrs[r.key].history.has_changes()]
    return edited


@event.listens_for(Session, "before_flush")
def _bump_versions(session, _context, _instances):
    """Move the version of each edited row by one per transaction, however often the save flushes."""
    bumped = session.info.setdefault("versions_bumped", weakref.WeakSet())
    for obj in session.dirty:
        if not isinstance(obj, Versioned) or obj in bumped or not edited_fields(obj):
            continue
        if inspect(obj).attrs.version.history.has_changes():
            continue  # the code set the version itself
        obj.version = (obj.version or 0) + 1
        bumped.add(obj)


@event.listens_for(Session, "after_transaction_end")
def _forget_bumped(session, transaction):
    """A new transaction starts counting afresh."""
    if transaction.parent is None:
        session.info.pop("versions_bumped", None)
