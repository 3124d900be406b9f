"""Helpers for the audit tests: what entries an action left behind."""
from sqlalchemy import func, select

from handbook.audit.models import AuditEntry, AuditSubject


def last_id(dbq) -> int:
    """The id of the newest audit entry (0 when none)."""
    return dbq(lambda s: s.execute(select(func.max(AuditEntry.id))).scalar()) or 0


def entries_since(dbq, since: int, action: str | None = None):
    """Entries written after ``since`` (optionally of one action), detached, oldest first."""

    def run(s):
        stmt = select(AuditEntry).where(AuditEntry.id > since).order_by(AuditEntry.id)
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        rows = s.execute(stmt).scalars().all()
        for row in rows:
            row.subject_ids = sorted(s.execute(select(AuditSubject.member_id).where(AuditSubject.entry_id == row.id)).scalars())
            s.expunge(row)
        return rows

    return dbq(run)
