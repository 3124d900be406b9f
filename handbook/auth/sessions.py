"""Login sessions a user can see and end: one row per login, named in the session and remember cookies."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app, request
from sqlalchemy import ForeignKey, Index, String, event, inspect, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from ua_parser import parse as parse_user_agent

from handbook.clock import utcnow
from handbook.extensions import NEVER_REUSE_IDS, db
from handbook.scope import own_rows, scoped_select

# ua-parser names the mobile and embedded builds apart ("Mobile Safari", "Chrome Mobile iOS",
# "HeadlessChrome"): people know them by the browser's own name.
_BROWSER_NAMES = {"Mobile Safari": "Safari", "Mobile Safari UI/WKWebView": "Safari", "Chrome Mobile": "Chrome",
                  "Chrome Mobile iOS": "Chrome", "Chrome Mobile WebView": "Chrome", "HeadlessChrome": "Chrome",
                  "Firefox Mobile": "Firefox", "Firefox iOS": "Firefox", "Edge Mobile": "Edge",
                  "Samsung Internet": "Samsung Internet", "Coc Coc": "Cốc Cốc"}
_SYSTEM_NAMES = {"Mac OS X": "macOS", "Chrome OS": "ChromeOS"}
_COMPUTERS = {"Windows", "Mac OS X", "Linux", "Ubuntu", "Fedora", "Debian", "Chrome OS", "FreeBSD"}


def new_session_key() -> str:
    """A random, unguessable name for one login session."""
    return secrets.token_urlsafe(24)


class UserSession(db.Model):
    """One login on one device; ending it makes its session and remember cookies useless."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_revoked", "user_id", "revoked_at"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_key)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the password was last typed in this session: exports of personal data need it recent.
    authenticated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None]

    user = relationship("User")

    __scope__ = own_rows("user_id")

    @property
    def is_active(self) -> bool:
        """Has this session not been ended?"""
        return self.revoked_at is None

    @property
    def device(self) -> str:
        """The device and browser in words (``device_words``)."""
        return device_words(self.user_agent)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.created_at:%Y-%m-%d %H:%M}"


def device_words(user_agent: str | None) -> str:
    """A browser's user-agent string as an older member reads it: "Chrome 131 trên Windows 10 · máy tính",
    "Safari trên iPhone · điện thoại"; parsed where it is shown, never stored."""
    parsed = parse_user_agent(user_agent or "")
    agent, system, device = parsed.user_agent, parsed.os, parsed.device
    if agent is None and system is None:
        return "Thiết bị không rõ"
    browser = "Trình duyệt không rõ"
    if agent is not None:
        browser = _BROWSER_NAMES.get(agent.family, agent.family)
        # Safari's version is the system's: naming it says nothing more.
        if agent.major and browser != "Safari":
            browser = f"{browser} {agent.major}"
    family = system.family if system else ""
    device_family = device.family if device else ""
    if device_family in ("iPhone", "iPad"):
        place, kind = device_family, "điện thoại" if device_family == "iPhone" else "máy tính bảng"
    elif family == "Android":
        place = f"Android {system.major}" if system.major else "Android"
        kind = "điện thoại" if "Mobile" in (user_agent or "") else "máy tính bảng"
    elif family in _COMPUTERS:
        name = _SYSTEM_NAMES.get(family, family)
        place, kind = (f"{name} {system.major}" if family == "Windows" and system.major else name), "máy tính"
    else:
        place, kind = family or "", ""
    words = f"{browser} trên {place}" if place else browser
    return f"{words} · {kind}" if kind else words


def open_sessions(session: Session) -> list[UserSession]:
    """The current user's sessions not ended, the last active first."""
    return session.execute(
        scoped_select(UserSession).where(UserSession.revoked_at.is_(None)).order_by(UserSession.last_seen_at.desc())
    ).scalars().all()


def start_session(session: Session, user) -> UserSession:
    """Open a session row for ``user`` logging in now from this request."""
    from handbook.audit.operations import clean

    row = UserSession(
        user_id=user.id,
        ip=clean(request.remote_addr, 45),
        user_agent=clean(request.user_agent.string, 200),
    )
    session.add(row)
    session.flush()
    return row


def revoke_sessions(connection, user_id: int, keep_key: str | None = None) -> None:
    """End every open session of ``user_id`` (except ``keep_key``)."""
    stmt = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
    if keep_key:
        stmt = stmt.where(UserSession.key != keep_key)
    connection.execute(stmt.values(revoked_at=utcnow()))


def valid_session(user, row: UserSession | None) -> UserSession | None:
    """``row`` if it is an open session of ``user``, marked seen now; None if it was ended or is someone else's."""
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return None
    now = utcnow()
    if (now - row.last_seen_at).total_seconds() > current_app.config.get("SESSION_TOUCH_SECONDS", 60):
        # Written apart from the request's transaction, which may be read-only or rolled back.
        with db.engine.begin() as conn:
            conn.execute(update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
    return row


def is_recent(row: UserSession | None) -> bool:
    """Was the password typed in this session within the last REAUTH_MINUTES?"""
    if row is None:
        return False
    limit = timedelta(minutes=current_app.config.get("REAUTH_MINUTES", 15))
    return utcnow() - row.authenticated_at <= limit


@event.listens_for(Session, "after_flush")
def _end_sessions_on_password_or_deactivation(session, _context):
    """A new password or a deactivated account ends all the account's sessions (but the one kept)."""
    from handbook.auth.models import User

    for obj in list(session.dirty):
        if not isinstance(obj, User):
            continue
        state = inspect(obj)
        password = state.attrs.password_hash.history.has_changes()
        active = state.attrs.active.history
        deactivated = active.has_changes() and obj.active is False
        if password or deactivated:
            revoke_sessions(session.connection(), obj.id, keep_key=getattr(obj, "keep_session_key", None))


def current_session() -> UserSession | None:
    """The login session of this request, as the user loader found it."""
    from flask import g

    return g.get("user_session")


def recent_login() -> bool:
    """Did the current user type their password within the last REAUTH_MINUTES?"""
    return is_recent(current_session())
