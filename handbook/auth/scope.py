"""The one organization-scoping rule: every list, count, export, lookup and fetch goes through here.

A model takes part by defining ``__scope__(cls, scope)``, which returns a SQL condition (or None
for "everything"). Nothing else in the code filters by organization on its own.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, select

from handbook.extensions import db


@dataclass(frozen=True)
class Scope:
    """What one user may see: everything (admin), a subtree, or only their own records."""

    role: str
    org_path: str | None = None
    user_id: int | None = None
    member_id: int | None = None
    # Ids on the path from the reader's organization (a member's branch) up to the root: the
    # organizations whose published content this user reads. ``reading`` marks a scope used by
    # the member-facing pages, where staff read like members (see ``for_reading``).
    ancestor_ids: tuple[int, ...] = ()
    reading: bool = False

    @property
    def sees_all(self) -> bool:
        """Admins see the whole province."""
        return self.role == "admin"

    @classmethod
    def for_user(cls, user) -> Scope:
        """Build the scope of ``user`` (anonymous users see nothing)."""
        if user is None or not getattr(user, "is_authenticated", False):
            return cls(role="anonymous")
        org = user.organization
        member = user.member if user.role == "member" else None
        reader_org = member.organization if member is not None else org
        return cls(
            role=user.role,
            org_path=org.path if org is not None and org.path else None,
            user_id=user.id,
            member_id=user.member_id,
            ancestor_ids=path_ids(reader_org.path) if reader_org is not None and reader_org.path else (),
        )

    def for_reading(self) -> Scope:
        """The same user as a reader of published content (member pages) rather than a manager."""
        return replace(self, reading=True)

    def allows_org(self, org) -> bool:
        """Is organization ``org`` (already loaded) inside this scope's subtree?"""
        if self.sees_all:
            return True
        return org is not None and self.org_path is not None and org.is_within(self.org_path)


def path_ids(path: str) -> tuple[int, ...]:
    """The organization ids of a materialized path, root first."""
    return tuple(int(part) for part in path.strip("/").split("/") if part)


def current_scope() -> Scope:
    """The scope of the logged-in user."""
    return Scope.for_user(current_user)


def scope_clause(model, scope: Scope | None = None):
    """The SQL condition limiting ``model`` to ``scope`` (None when nothing needs limiting)."""
    scope = scope or current_scope()
    rule = getattr(model, "__scope__", None)
    if rule is None:
        raise TypeError(f"{model.__name__} has no __scope__ rule; it cannot be shown to users")
    return rule(scope)


def scoped(query, model, scope: Scope | None = None):
    """Limit a legacy Query or a 2.0 Select over ``model`` to what ``scope`` may see."""
    clause = scope_clause(model, scope)
    if clause is None:
        return query
    return query.where(clause) if isinstance(query, Select) else query.filter(clause)


def scoped_select(model, scope: Scope | None = None) -> Select:
    """``SELECT model`` limited to ``scope``."""
    return scoped(select(model), model, scope)


MAX_ID = 2**63 - 1


def parse_id(value) -> int | None:
    """An id from a URL or form: a positive integer that fits a BIGINT, else None."""
    try:
        ident = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return ident if 0 < ident <= MAX_ID else None


def get_scoped_or_404(model, ident, scope: Scope | None = None):
    """Fetch one row by primary key if ``scope`` may see it; otherwise 404, never a leak."""
    ident = parse_id(ident)
    if ident is None:
        abort(404)
    row = db.session.execute(scoped_select(model, scope).where(model.id == ident)).scalar_one_or_none()
    if row is None:
        record_refusal(model, ident)
        abort(404)
    return row


def record_refusal(model, ident) -> None:
    """Audit a lookup refused by the scope (the 404 a user meets for a row outside it)."""
    from handbook.audit.operations import record

    record("refused_404", getattr(model, "__tablename__", model.__name__), ident, separate=True)
