"""Business rules of accounts: an account follows its member's membership of the Party.

A member who leaves the Party (expelled), transfers out or dies, or whose record is deleted, no
longer has an account: it is deactivated, its session generation rotated and its login sessions
ended, in the transaction that changed the member. ``end_accounts_with_membership`` applies the
rule at every flush, so every path that changes a member (admin screen, bulk delete, CLI, an import)
goes through it. Nothing reactivates an account on its own: staff do it, once the member is back.
"""
from __future__ import annotations

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from wtforms.validators import ValidationError

from handbook.audit.operations import record
from handbook.auth.models import User, new_session_token
from handbook.auth.sessions import revoke_sessions
from handbook.organizations.models import MEMBER_STATUSES, Member

# The statuses that end a membership, hence the account (MEMBER_STATUSES keys).
ENDED_STATUSES = ("expelled", "transferred", "deceased")
DELETED = "deleted"  # the reason recorded when the member's record itself is deleted


class MembershipEnded(ValidationError):
    """An account that cannot be active because its member has left; a form shows the message.

    A wtforms error because it is raised while the session flushes, where the admin screens catch
    exactly this kind and show it to the person saving.
    """


def membership_ended(member: Member | None) -> bool:
    """Has ``member`` left the Party, transferred out or died?"""
    return member is not None and member.status in ENDED_STATUSES


def end_account(session: Session, user: User, reason: str, member_id: int | None) -> bool:
    """Deactivate ``user``, rotate its session generation and end its login sessions, audited with
    ``reason`` (a member status or "deleted"); return whether the account was active.

    Safe inside a flush: the changes join the flush under way and the audit entry is written on the
    same connection, so they are saved with the member's change or not at all.
    """
    was_active = bool(user.active)
    user.active = False
    user.session_token = new_session_token()
    revoke_sessions(session.connection(), user.id)
    if was_active:
        # A session of its own on the same connection: the flush under way cannot flush again.
        with Session(bind=session.connection()) as side:
            record("account_ended", "user_account", user.id, session=side, subjects=[member_id], detail={
                "reason": reason, "reason_label": MEMBER_STATUSES.get(reason, "Xóa hồ sơ đảng viên"),
                "member_id": member_id, "login": user.login,
            })
    return was_active


def _accounts_of(session: Session, member_ids) -> list[User]:
    """The accounts linked to ``member_ids``."""
    if not member_ids:
        return []
    return list(session.execute(select(User).where(User.member_id.in_(member_ids))).scalars())


def _member_of(session: Session, user: User) -> Member | None:
    """The member ``user`` is (being) linked to, also for a pending account given only ``member_id``."""
    if user.member is not None:
        return user.member
    return session.get(Member, user.member_id) if user.member_id else None


def end_accounts_with_membership(session: Session, _context=None, _instances=None) -> None:
    """Before a flush: end the accounts of members leaving or deleted in it, and refuse to activate
    or link an account whose member has left."""
    reasons: dict[int, str] = {}
    for obj in session.deleted:
        if isinstance(obj, Member) and obj.id is not None:
            reasons[obj.id] = DELETED
    for obj in session.dirty:
        if isinstance(obj, Member) and obj not in session.deleted and obj.status in ENDED_STATUSES:
            if inspect(obj).attrs.status.history.has_changes():
                reasons[obj.id] = obj.status
    ended = set()
    for user in _accounts_of(session, list(reasons)):
        end_account(session, user, reasons[user.member_id], user.member_id)
        ended.add(user)
    for user in list(session.new) + list(session.dirty):
        if not isinstance(user, User) or user in ended or not user.active:
            continue
        state = inspect(user)
        touched = user in session.new or any(
            state.attrs[key].history.has_changes() for key in ("active", "member", "member_id"))
        if touched and membership_ended(_member_of(session, user)):
            raise MembershipEnded(
                "Không thể kích hoạt tài khoản của đảng viên đã ra khỏi Đảng, chuyển đi hoặc từ trần. "
                "Hãy cập nhật tình trạng đảng viên trước."
            )
