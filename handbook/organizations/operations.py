"""Business operations on the organization tree, and the rules every change of it keeps.

The rules: one root; a child's kind strictly below its parent's (``KIND_ORDER``); a move keeps
the mover inside their subtree, never moves their own root, and only the admin moves the
organization that is the root of a staff account's scope. A mover is a ``Scope`` (None: the
system itself, the CLI or a seed, which keeps every tree rule but has every right).
"""
from __future__ import annotations

from sqlalchemy import exists, func, literal, select, update

from handbook.organizations.models import ORG_KINDS, Organization, OrganizationMove, path_segment
from handbook.scope import Scope

# Highest first: province > committee > grassroots > sub_committee > branch.
KIND_ORDER = tuple(ORG_KINDS)
_RANK = {kind: rank for rank, kind in enumerate(KIND_ORDER)}


class TreeError(ValueError):
    """A change that would break the tree (a cycle, a missing parent, kinds that do not nest)."""


class TreeForbidden(TreeError):
    """A change of the tree that the mover has no right to make."""


def _kind_label(kind: str) -> str:
    return ORG_KINDS.get(kind, kind)


def check_placement(kind: str, parent: Organization | None, child_kinds=()) -> None:
    """Refuse a kind that does not nest: strictly below the parent's kind, strictly above each child's."""
    if kind not in _RANK:
        raise TreeError("Cấp tổ chức không hợp lệ.")
    if parent is not None and _RANK[kind] <= _RANK.get(parent.kind, len(_RANK)):
        raise TreeError(f"{_kind_label(kind)} không thể trực thuộc {_kind_label(parent.kind).lower()}: "
                        "cấp dưới phải thấp hơn cấp trên.")
    for child in child_kinds:
        if _RANK.get(child, len(_RANK)) <= _RANK[kind]:
            raise TreeError(f"{_kind_label(kind)} không thể có {_kind_label(child).lower()} trực thuộc: "
                            "hãy chuyển các tổ chức trực thuộc trước.")


def child_kinds(session, org: Organization) -> list[str]:
    """The kinds of ``org``'s direct children, as stored."""
    with session.no_autoflush:
        return list(session.execute(select(Organization.kind).where(Organization.parent_id == org.id).distinct()).scalars())


def is_scope_root(session, org: Organization) -> bool:
    """Is ``org`` the organization of a staff account, that is the root of someone's scope?"""
    from handbook.auth.models import STAFF_ROLES, User  # accounts live above the tree

    with session.no_autoflush:
        return session.execute(select(exists().where(User.organization_id == org.id, User.role.in_(STAFF_ROLES)))).scalar()


def _within(scope: Scope | None, org: Organization | None) -> bool:
    """Is ``org`` inside the mover's subtree (everything for the system; ``allows_org`` answers for the admin)?"""
    return scope is None or scope.allows_org(org)


def check_new(session, org: Organization, scope: Scope | None = None) -> None:
    """Refuse a new organization without a parent (except the first root, by the admin), outside the
    mover's subtree, or of a kind that does not fit under its parent."""
    if org.parent is None:
        if scope is not None and not scope.sees_all:
            raise TreeForbidden("Vui lòng chọn tổ chức cấp trên trong phạm vi của bạn.")
        with session.no_autoflush:  # the new row is pending: not counted
            if session.execute(select(Organization.id).limit(1)).first() is not None:
                raise TreeError("Vui lòng chọn tổ chức cấp trên: cây tổ chức chỉ có một gốc.")
    elif not _within(scope, org.parent):
        raise TreeForbidden("Tổ chức cấp trên phải nằm trong phạm vi của bạn.")
    check_placement(org.kind, org.parent)


def check_move(session, org: Organization, new_parent: Organization | None, scope: Scope | None = None) -> None:
    """Refuse a move that detaches ``org`` (no parent), leaves the mover's subtree, moves the mover's own root
    or (unless the mover is the admin) the root of someone's scope, makes a cycle, or breaks the kinds."""
    old_path = org.path
    if scope is not None and not scope.sees_all:
        if not _within(scope, org):
            raise TreeForbidden("Tổ chức nằm ngoài phạm vi của bạn.")
        if old_path == scope.org_path:
            raise TreeForbidden("Chỉ quản trị viên mới chuyển được tổ chức gốc trong phạm vi của bạn.")
        if is_scope_root(session, org):
            raise TreeForbidden("Tổ chức này là phạm vi quản lý của một tài khoản: chỉ quản trị viên mới chuyển được.")
        if new_parent is not None and not _within(scope, new_parent):
            raise TreeForbidden("Tổ chức cấp trên mới phải nằm trong phạm vi của bạn.")
    if new_parent is None:
        raise TreeForbidden("Không thể bỏ tổ chức cấp trên: cây tổ chức chỉ có một gốc.")
    if new_parent.path.startswith(old_path):
        raise TreeError("Không thể chuyển một tổ chức vào chính nó hoặc tổ chức cấp dưới của nó.")
    check_placement(org.kind, new_parent, child_kinds(session, org))


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
    """Check the move (``check_move``, as ``moved_by``; None: the system), then move ``org`` and its whole
    subtree under ``new_parent`` in one UPDATE, and record the move.

    ``old_parent_id`` is needed only when the caller has already pointed ``org.parent`` elsewhere.
    Nothing is flushed before the UPDATE, so ``org``'s own changes (parent, path, depth) stay in its
    history for the audit trail.
    """

    with session.no_autoflush:
        check_move(session, org, new_parent, Scope.for_user(moved_by) if moved_by is not None else None)
        old_path, old_depth = org.path, org.depth
        if old_parent_id is None:
            old_parent_id = session.execute(
                select(Organization.parent_id).where(Organization.id == org.id)
            ).scalar()
        new_path = new_parent.path + path_segment(org.id)
        new_depth = new_parent.depth + 1
        low, high = old_path, old_path[:-1] + "0"
        # Deliberately leaves each row's version alone: a path follows the parents, nobody types it (handbook.versioning).
        session.execute(
            update(Organization)
            .where(Organization.path >= low, Organization.path < high)
            .values(
                path=literal(new_path) + func.substr(Organization.path, len(old_path) + 1),
                depth=Organization.depth + (new_depth - old_depth),
            )
            .execution_options(synchronize_session=False)
        )
        # The UPDATE bypassed the identity map; refresh what is loaded so later checks see the new paths.
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Organization) and obj is not org and obj.path and obj.path.startswith(old_path):
                session.expire(obj, ["path", "depth"])
    # Set on the object itself (the UPDATE already wrote them) so the audit sees path and depth from → to.
    org.path, org.depth = new_path, new_depth
    org.parent = new_parent
    move = OrganizationMove(
        organization_id=org.id,
        from_parent_id=old_parent_id,
        to_parent_id=new_parent.id,
        from_path=old_path,
        to_path=new_path,
        moved_by_id=getattr(moved_by, "id", None),
    )
    session.add(move)
    return move
