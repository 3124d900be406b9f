"""User accounts: who may log in, with which role and over which organization."""
from __future__ import annotations

import re
import secrets
from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from handbook.clock import utcnow
from handbook.extensions import NEVER_REUSE_IDS, db
from handbook.organizations.models import Member, Organization
from handbook.scope import admin_only, by_subtree
from handbook.text import phone_number
from handbook.versioning import Versioned

ROLES = {
    "admin": "Quản trị (Ban Tổ chức Tỉnh ủy)",
    "committee": "Cán bộ cấp ủy",
    "secretary": "Bí thư chi bộ",
    "member": "Đảng viên",
}
ROLE_RANK = {"member": 0, "secretary": 1, "committee": 2, "admin": 3}
STAFF_ROLES = ("admin", "committee", "secretary")


def grantable_roles(role: str) -> list[str]:
    """The roles an account of ``role`` may give: strictly lower ones; the admin, at the top, gives any."""
    if role == "admin":
        return list(ROLES)
    rank = ROLE_RANK.get(role, -1)
    return [r for r in ROLES if ROLE_RANK[r] < rank]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_login(value: str | None) -> str:
    """Return the canonical login: a lower-case email, or a phone number as 0xxxxxxxxx."""
    value = (value or "").strip()
    if "@" in value:
        return value.lower()
    return phone_number(value)


def is_valid_login(value: str) -> bool:
    """Is ``value`` (already normalized) an email address or a Vietnamese phone number?"""
    return bool(_EMAIL.match(value)) or bool(re.fullmatch(r"0\d{9,10}", value))


def new_session_token() -> str:
    """A random token naming the current generation of a user's sessions."""
    return secrets.token_urlsafe(24)


class User(UserMixin, Versioned, db.Model):
    """A login to the handbook with a role and an organization scope."""

    __tablename__ = "user_account"
    __table_args__ = NEVER_REUSE_IDS
    # Written by logins, password changes and the data notice, none of which the account form shows:
    # they must not make an open form stale, nor race each other on the version.
    unversioned = frozenset({
        "password_hash", "session_token", "failed_logins", "last_login_at",
        "notice_version", "notice_acknowledged_at",
    })

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(20), default="member")
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Wrong passwords since the last right one, counted in SQL (handbook/auth/attempts.py).
    failed_logins: Mapped[int] = mapped_column(default=0)
    last_login_at: Mapped[datetime | None]
    # Rotated on logout and password change so that an old session or remember cookie stops working.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The version of the personal-data notice the user acknowledged, and when.
    notice_version: Mapped[str | None] = mapped_column(String(20))
    notice_acknowledged_at: Mapped[datetime | None]

    organization: Mapped[Organization | None] = relationship()
    member: Mapped[Member | None] = relationship()

    @validates("login")
    def _normalize_login(self, _key: str, value: str) -> str:
        """Logins are compared in their canonical form."""
        return normalize_login(value)

    def set_password(self, password: str) -> None:
        """Hash and store ``password``; every existing session ends."""
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        """Does ``password`` match the stored hash?"""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """Flask-Login's identifier: id, session generation and login session (``UserSession.key``).

        The same string goes into the session and the remember cookie, so rotating the token
        (password change) or ending the login session makes both useless.
        """
        key = getattr(self, "session_key", None)
        return f"{self.id}.{self.session_token}.{key}" if key else f"{self.id}.{self.session_token}"

    @property
    def is_active(self) -> bool:
        """Deactivated accounts, and those of members who have left the Party, cannot log in or keep a session."""
        from handbook.auth.membership import membership_ended

        # The member's status too: a change that bypassed the session (raw SQL) still locks them out.
        return self.active and not membership_ended(self.member)

    @property
    def role_label(self) -> str:
        """The role in Vietnamese."""
        return ROLES.get(self.role, self.role)

    @property
    def is_staff(self) -> bool:
        """May this user enter the back office?"""
        return self.role in STAFF_ROLES

    __scope__ = by_subtree("organization_id", own=("id", "user_id"))

    def __str__(self) -> str:
        return self.login


class ActivationCode(db.Model):
    """A one-time code that lets the holder of a new account set its first password.

    Only a keyed hash of the code is stored (``handbook.auth.activation``); a code works once,
    until ``expires_at``, and issuing a new one for the account ends the ones before it.
    """

    __tablename__ = "activation_code"
    __table_args__ = (Index("ix_activation_code_user_open", "user_id", "used_at"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # Set when the code is used, or when a newer code or a password set by staff replaces it.
    used_at: Mapped[datetime | None]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    # Codes are never listed on a screen; only the admin may look at the table itself.
    __scope__ = admin_only()

    def __str__(self) -> str:
        return f"{self.user_id} {self.expires_at:%Y-%m-%d}"
