"""Periodic housekeeping of accounts: login sessions no one can use any more."""
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_

from handbook.auth.sessions import UserSession
from handbook.jobs import job


@job("purge-sessions", "Dọn phiên đăng nhập cũ", {"hour": 3, "minute": 10},
     about="Xoá khỏi trang Phiên đăng nhập các phiên đã kết thúc hoặc không còn dùng được quá thời hạn lưu giữ; nhật ký vẫn giữ các lần đăng nhập.")
def purge_sessions(session, now: datetime) -> dict:
    """Delete sessions ended, or unused past the remember cookie's life, more than SESSION_RETENTION_DAYS
    ago: the audit trail keeps the logins; these rows only serve the "Phiên đăng nhập" page."""
    keep = timedelta(days=current_app.config["SESSION_RETENTION_DAYS"])
    unusable = now - current_app.config["REMEMBER_COOKIE_DURATION"] - keep
    result = session.execute(
        delete(UserSession).where(or_(UserSession.revoked_at < now - keep, UserSession.last_seen_at < unusable))
    )
    return {"deleted": result.rowcount}
