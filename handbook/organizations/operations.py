"""Business operations on the organization tree."""
from sqlalchemy import func, literal, select, update

from handbook.organizations.models import Organization, OrganizationMove, path_segment


class TreeError(ValueError):
    """A change that would break the tree (a cycle, a missing parent)."""


def assign_path(session, org: Organization) -> None:
    """Give a newly flushed organization its materialized path and depth from its parent."""
    if org.id is None:
        session.flush()
    parent = org.parent
    org.path = (parent.path if parent is not None else "/") + path_segment(org.id)
    org.depth = (parent.depth + 1) if parent is not None else 0


def move_organization(
    session, org: Organization, new_parent: Organization | None, moved_by=None, old_parent_id: int | None = None
) -> OrganizationMove:
    """Move ``org`` and its whole subtree under ``new_parent`` in one UPDATE, and record the move.

    ``old_parent_id`` is needed only when the caller has already pointed ``org.parent`` elsewhere.
    """
    if new_parent is not None and new_parent.path.startswith(org.path):
        raise TreeError("Không thể chuyển một tổ chức vào chính nó hoặc tổ chức cấp dưới của nó.")
    with session.no_autoflush:
        old_path, old_depth = org.path, org.depth
        if old_parent_id is None:
            old_parent_id = session.execute(
                select(Organization.parent_id).where(Organization.id == org.id)
            ).scalar()
    new_path = (new_parent.path if new_parent is not None else "/") + path_segment(org.id)
    depth_delta = ((new_parent.depth + 1) if new_parent is not None else 0) - old_depth
    low, high = old_path, old_path[:-1] + "0"
    # Deliberately leaves each row's version alone: a path follows the parents, nobody types it (handbook.versioning).
    session.execute(
        update(Organization)
        .where(Organization.path >= low, Organization.path < high)
        .values(
            path=literal(new_path) + func.substr(Organization.path, len(old_path) + 1),
            depth=Organization.depth + depth_delta,
        )
        .execution_options(synchronize_session=False)
    )
    # The UPDATE bypassed the identity map; refresh what is loaded so later checks see the new paths.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Organization) and obj.path and obj.path.startswith(old_path):
            session.expire(obj, ["path", "depth"])
    org.parent = new_parent
    move = OrganizationMove(
        organization_id=org.id,
        from_parent_id=old_parent_id,
        to_parent_id=new_parent.id if new_parent is not None else None,
        from_path=old_path,
        to_path=new_path,
        moved_by_id=getattr(moved_by, "id", None),
    )
    session.add(move)
    return move
