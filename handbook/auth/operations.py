"""Who may change which account: the rules behind the accounts screen, usable from anywhere.

Every check takes the actor's ``Scope``, taken before any form touches an account: the account
being edited may be the very object behind ``current_user``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from handbook.auth.models import ROLE_RANK, ROLES, User, grantable_roles
from handbook.scope import Scope

if TYPE_CHECKING:
    from handbook.organizations.models import Member, Organization

OWN_ACCOUNT = "Bạn không thể tự đổi vai trò, tổ chức, đảng viên gắn với tài khoản hoặc trạng thái hoạt động của tài khoản mình."
NOT_MANAGED = "Bạn chỉ quản lý được tài khoản có vai trò thấp hơn vai trò của mình, trong phạm vi tổ chức của mình."
ROLE_UNKNOWN = "Vai trò không hợp lệ."
ROLE_TOO_HIGH = "Bạn không thể cấp vai trò cao hơn vai trò của mình."
ROLE_EQUAL = "Bạn không thể cấp vai trò ngang với vai trò của mình: chỉ cấp được vai trò thấp hơn."
ORG_OUTSIDE = "Tổ chức của tài khoản phải nằm trong phạm vi tổ chức của bạn."
MEMBER_OUTSIDE = "Đảng viên gắn với tài khoản phải thuộc phạm vi tổ chức của bạn."
OWN_DELETE = "Bạn không thể xóa tài khoản của chính mình."


class RightsError(ValueError):
    """A change to an account that its author has no right to make."""


def may_manage(actor: Scope, account: User) -> bool:
    """May ``actor`` change or delete ``account``: someone else, of a lower role, inside the actor's subtree?"""
    if account.id is not None and account.id == actor.user_id:
        return False
    return account.role in grantable_roles(actor.role) and actor.allows_org(account.organization)


def check_account_change(actor: Scope, account: User | None, role: str, organization: Organization | None,
                         member: Member | None, active: bool) -> None:
    """Refuse a create (``account`` None) or an edit of ``account`` (as stored) to the given values.

    Nobody changes their own role, organization, linked member or active flag; others' accounts are
    changed only when ``may_manage`` allows, to a role strictly below the actor's, inside the actor's
    subtree. Raises ``RightsError`` with the Vietnamese reason.
    """
    if account is not None and account.id == actor.user_id:
        requested = (role, getattr(organization, "id", None), getattr(member, "id", None), bool(active))
        if requested != (account.role, account.organization_id, account.member_id, bool(account.active)):
            raise RightsError(OWN_ACCOUNT)
        return
    if account is not None and not may_manage(actor, account):
        raise RightsError(NOT_MANAGED)
    if role not in ROLES:
        raise RightsError(ROLE_UNKNOWN)
    if role not in grantable_roles(actor.role):
        raise RightsError(ROLE_EQUAL if ROLE_RANK.get(role) == ROLE_RANK.get(actor.role) else ROLE_TOO_HIGH)
    if member is not None and not actor.allows_org(member.organization):
        raise RightsError(MEMBER_OUTSIDE)
    # A member's account takes the member's branch; every other account names its organization.
    if role != "member" and organization is not None and not actor.allows_org(organization):
        raise RightsError(ORG_OUTSIDE)


def check_account_removal(actor: Scope, account: User) -> None:
    """Refuse deleting one's own account or one that ``may_manage`` does not allow."""
    if account.id == actor.user_id:
        raise RightsError(OWN_DELETE)
    if not may_manage(actor, account):
        raise RightsError(NOT_MANAGED)


def offered_roles(actor: Scope, account: User | None) -> list[tuple[str, str]]:
    """The role choices a form shows: those ``actor`` may grant, or the stored role of an account they may not change."""
    if account is not None and not may_manage(actor, account):
        return [(account.role, ROLES.get(account.role, account.role))]
    return [(r, ROLES[r]) for r in grantable_roles(actor.role)]
