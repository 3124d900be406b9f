"""Reads of the organization tree: an organization's place in it and its size, now and as it was."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, select

from handbook.organizations.models import Member, MemberChange, Organization, OrganizationMove
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


# The statuses of the members a branch counts: in the party, whether or not they attend.
COUNTED_STATUSES = ("official", "probationary", "exempt")


def _first_change_after(moment: datetime, column):
    """A subquery of each member's first change of ``column`` at or after ``moment``: (member_id, value before it)."""
    order = func.row_number().over(partition_by=MemberChange.member_id, order_by=(MemberChange.changed_at, MemberChange.id))
    ranked = (select(MemberChange.member_id, column.label("before"), order.label("n"))
              .where(MemberChange.changed_at >= moment, column.is_not(None)).subquery())
    return select(ranked.c.member_id, ranked.c.before).where(ranked.c.n == 1).subquery()


def members_as_of(moment: datetime, counted_only: bool = False):
    """A subquery of the members as they were at ``moment`` (UTC): ``member_id``, ``organization_id``
    and ``status`` then, undoing the moves and changes of status recorded since; members added
    later are left out. ``counted_only``: only those in the party then (``COUNTED_STATUSES``)."""
    moved = _first_change_after(moment, MemberChange.from_organization_id)
    restated = _first_change_after(moment, MemberChange.from_status)
    organization = func.coalesce(moved.c.before, Member.organization_id)
    status = func.coalesce(restated.c.before, Member.status)
    query = (select(Member.id.label("member_id"), organization.label("organization_id"), status.label("status"))
             .outerjoin(moved, moved.c.member_id == Member.id)
             .outerjoin(restated, restated.c.member_id == Member.id)
             .where(Member.created_at < moment))
    if counted_only:
        query = query.where(status.in_(COUNTED_STATUSES))
    return query.subquery("members_then")


def tree_as_of(session, moment: datetime) -> list[tuple[int, str, str, str, int | None]]:
    """The organizations that existed at ``moment`` (UTC), each with the parent it had then, undoing
    the moves recorded since: ``(id, code, name, kind, parent_id)`` in today's tree order."""
    order = func.row_number().over(partition_by=OrganizationMove.organization_id,
                                   order_by=(OrganizationMove.moved_at, OrganizationMove.id))
    ranked = (select(OrganizationMove.organization_id, OrganizationMove.from_parent_id, order.label("n"))
              .where(OrganizationMove.moved_at >= moment).subquery())
    moved = select(ranked.c.organization_id, ranked.c.from_parent_id).where(ranked.c.n == 1).subquery()
    parent = func.coalesce(moved.c.from_parent_id, Organization.parent_id)
    query = (select(Organization.id, Organization.code, Organization.name, Organization.kind, parent)
             .outerjoin(moved, and_(moved.c.organization_id == Organization.id))
             .where(Organization.created_at < moment).order_by(Organization.path))
    return [tuple(row) for row in session.execute(query)]
