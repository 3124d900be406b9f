"""Reads of the organization tree for the screens: an organization's place in it and its size."""
from __future__ import annotations

from sqlalchemy import func, select

from handbook.organizations.models import Member, Organization
from handbook.scope import Scope, path_ids, path_within, scoped


def ancestors(session, org: Organization) -> list[Organization]:
    """The organizations above ``org``, from the root down to its parent (one query, by the path)."""
    ids = path_ids(org.path)[:-1]
    if not ids:
        return []
    return list(session.execute(select(Organization).where(Organization.id.in_(ids)).order_by(Organization.depth)).scalars())


def children(session, org: Organization, scope: Scope) -> list[Organization]:
    """The organizations directly below ``org`` that ``scope`` sees, in tree order."""
    query = select(Organization).where(Organization.parent_id == org.id).order_by(Organization.path)
    return list(session.execute(scoped(query, Organization, scope)).scalars())


def subtree_members_by_status(session, org: Organization, scope: Scope) -> dict[str, int]:
    """{status: count} of the members of ``org`` and every organization below it that ``scope`` sees (one query)."""
    query = (
        select(Member.status, func.count())
        .join(Organization, Member.organization_id == Organization.id)
        .where(path_within(Organization.path, org.path))
        .group_by(Member.status)
    )
    return dict(session.execute(scoped(query, Member, scope)).all())
