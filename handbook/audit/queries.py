"""Breach response: who opened or exported a member, and whom an account saw — from the audit."""
from __future__ import annotations

from sqlalchemy import func, select

from handbook.audit.models import AuditEntry, AuditSubject
from handbook.organizations.models import Member

# Actions that show a member's personal data to the actor.
SEEING_ACTIONS = ("view", "unmask", "export", "update", "create", "delete", "download_own",
                  "list", "lookup", "breach_lookup")


def who_saw_member(session, member_id: int, limit: int = 1000):
    """Entries that opened or exported member ``member_id``, newest first (by the subject index)."""
    stmt = (
        select(AuditEntry)
        .join(AuditSubject, AuditSubject.entry_id == AuditEntry.id)
        .where(AuditSubject.member_id == member_id, AuditEntry.action.in_(SEEING_ACTIONS))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return session.execute(stmt).scalars().all()


def members_seen_by(session, user_id: int, limit: int = 200_000):
    """Members whose data account ``user_id`` opened or exported: (member id, name, card, times, first, last).

    Ordered by the last time seen, newest first; a member deleted since shows without a name.
    """
    seen = (
        select(
            AuditSubject.member_id.label("member_id"),
            func.count().label("times"),
            func.min(AuditEntry.at).label("first_at"),
            func.max(AuditEntry.at).label("last_at"),
        )
        .join(AuditEntry, AuditEntry.id == AuditSubject.entry_id)
        .where(AuditEntry.user_id == user_id, AuditEntry.action.in_(SEEING_ACTIONS))
        .group_by(AuditSubject.member_id)
        .subquery()
    )
    stmt = (
        select(seen.c.member_id, Member.full_name, Member.card_number, seen.c.times, seen.c.first_at, seen.c.last_at)
        .outerjoin(Member, Member.id == seen.c.member_id)
        .order_by(seen.c.last_at.desc(), seen.c.member_id)
        .limit(limit)
    )
    return session.execute(stmt).all()
