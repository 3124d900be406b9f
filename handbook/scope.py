"""The one organization-scoping rule: every list, count, export, lookup and fetch goes through here.

A model takes part by declaring its rule in the vocabulary below, e.g.
``__scope__ = by_subtree("organization_id")``; ``Model.__scope__(scope)`` is then a SQL condition
(None for "everything"). Nothing else in the code filters by organization on its own.

The rules name the tree's tables (``organization``, ``member``) as plain table clauses rather than
importing their models: this module sits below every domain.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, and_, column, false, or_, select, table

from handbook.extensions import db

ORGANIZATION = table("organization", column("id"), column("path"))
MEMBER = table("member", column("id"), column("organization_id"))


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


def subtree_bounds(path: str) -> tuple[str, str]:
    """Return [low, high) bounds of every path under ``path``; '0' is the byte after '/'."""
    return path, path[:-1] + "0"


def path_within(column, path: str):
    """SQL condition: the path in ``column`` lies in the subtree at ``path`` (an indexed range)."""
    low, high = subtree_bounds(path)
    return and_(column >= low, column < high)


def subtree_ids(path: str) -> Select:
    """A SELECT of the ids of every organization in the subtree at ``path``."""
    return select(ORGANIZATION.c.id).where(path_within(ORGANIZATION.c.path, path))


def path_ids(path: str) -> tuple[int, ...]:
    """The organization ids of a materialized path, root first."""
    return tuple(int(part) for part in path.strip("/").split("/") if part)


# -- the vocabulary of scope rules ------------------------------------------------------------
class Rule:
    """A model's scope rule: declared on the class as ``__scope__``, called as ``Model.__scope__(scope)``."""

    def __init__(self, clause, description: str):
        self.clause, self.description = clause, description

    def __get__(self, _obj, owner):
        return partial(self.clause, owner)

    def __repr__(self) -> str:
        return f"<scope rule: {self.description}>"


def admin_only() -> Rule:
    """The province's own operations (job runs, point rules): the admin sees them, nobody else."""
    return Rule(lambda cls, scope: None if scope.sees_all else false(), "admin only")


def own_rows(user_column: str = "user_id") -> Rule:
    """Rows that belong to one account (sessions, bookmarks): each user sees their own, the admin too."""

    def clause(cls, scope):
        return getattr(cls, user_column) == scope.user_id if scope.user_id else false()

    return Rule(clause, f"own rows by {user_column}")


def by_path(path_column: str = "path") -> Rule:
    """The tree itself: the organizations of the user's subtree, by materialized path."""

    def clause(cls, scope):
        if scope.sees_all:
            return None
        return false() if scope.org_path is None else path_within(getattr(cls, path_column), scope.org_path)

    return Rule(clause, f"subtree by {path_column}")


def by_subtree(org_column: str = "organization_id", own: tuple[str, str] | None = None) -> Rule:
    """Rows of an organization in the user's subtree. ``own`` = (column, Scope attribute) makes a
    member (or an account without organization) see only the row that is theirs instead."""

    def clause(cls, scope):
        if scope.sees_all:
            return None
        if own is not None and (scope.role == "member" or scope.org_path is None):
            value = getattr(scope, own[1])
            return getattr(cls, own[0]) == value if value else false()
        if scope.org_path is None:
            return false()
        return getattr(cls, org_column).in_(subtree_ids(scope.org_path))

    return Rule(clause, f"subtree by {org_column}" + (f", own by {own[0]}" if own else ""))


def by_member(member_column: str = "member_id") -> Rule:
    """Rows that belong to one member (points, read marks, requests): a member sees their own;
    staff the rows of members in their subtree; the admin everything."""

    def clause(cls, scope):
        if scope.sees_all:
            return None
        if scope.role == "member":
            return getattr(cls, member_column) == scope.member_id if scope.member_id else false()
        if scope.org_path is None:
            return false()
        members = select(MEMBER.c.id).where(MEMBER.c.organization_id.in_(subtree_ids(scope.org_path)))
        return getattr(cls, member_column).in_(members)

    return Rule(clause, f"member's rows by {member_column}")


def audience(org_column: str = "organization_id", role_column: str | None = None) -> Rule:
    """What an organization published to its subtree (news, documents; notices, meetings, tasks).

    Staff manage what their subtree published. A member reads what any organization on the path
    from their branch up to the root published; staff on the member pages (``scope.reading``) read
    both. With ``role_column``, a row naming a role reaches only readers of that role (NULL: all).
    """

    def clause(cls, scope):
        if scope.sees_all:
            return None
        org = getattr(cls, org_column)
        managed = org.in_(subtree_ids(scope.org_path)) if scope.org_path is not None and scope.role != "member" else None
        if not (scope.role == "member" or scope.reading):
            return managed if managed is not None else false()
        above = org.in_(scope.ancestor_ids) if scope.ancestor_ids else None
        if above is not None and role_column is not None:
            role = getattr(cls, role_column)
            above = and_(above, or_(role.is_(None), role == scope.role))
        parts = [c for c in (above, managed) if c is not None]
        return or_(*parts) if parts else false()

    return Rule(clause, f"audience of {org_column}" + (f" and {role_column}" if role_column else ""))


def through(parent, foreign_key: str) -> Rule:
    """Rows that belong to a parent row (a document's files): visible when the parent is."""

    def clause(cls, scope):
        rule = parent.__scope__(scope)
        return None if rule is None else getattr(cls, foreign_key).in_(select(parent.id).where(rule))

    return Rule(clause, f"through {parent.__name__}.{foreign_key}")


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


# Ids are INTEGER columns: a larger one would reach PostgreSQL and fail there ("integer out of range").
MAX_ID = 2**31 - 1


def parse_id(value) -> int | None:
    """An id from a URL or form: a positive integer that fits the INTEGER id columns, else None."""
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
