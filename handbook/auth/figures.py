"""The accounts' monthly figures: members with an account, and signing in as a use of the handbook."""
from __future__ import annotations

from sqlalchemy import func, select

from handbook.audit.models import AuditEntry
from handbook.auth.models import User
from handbook.registry import Figure, MonthContext

GROUP = "Sử dụng sổ tay"
FIGURES = [
    Figure("accounts", "Đảng viên có tài khoản", GROUP),
    Figure("accounts_rate", "Tỷ lệ có tài khoản", GROUP, ratio=("accounts", "members"), percent=True),
]


def monthly_figures(ctx: MonthContext):
    """(key, organization id, count) of the counted members who had an active account at the month's end."""
    members = ctx.members
    query = (select(members.c.organization_id, func.count())
             .join(User, User.member_id == members.c.member_id)
             .where(User.active.is_(True), User.created_at < ctx.end)
             .group_by(members.c.organization_id))
    for org_id, count in ctx.session.execute(query):
        yield "accounts", org_id, count


def signed_in(ctx: MonthContext):
    """The members who signed in during the month (the audit trail keeps every login)."""
    return (select(User.member_id).join(AuditEntry, AuditEntry.user_id == User.id)
            .where(AuditEntry.action == "login", AuditEntry.at >= ctx.start, AuditEntry.at < ctx.end,
                   User.member_id.is_not(None)))
