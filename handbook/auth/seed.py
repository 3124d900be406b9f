"""The accounts' last month in the province data set: the login sessions still kept as rows."""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from handbook.auth.models import User
from handbook.auth.sessions import UserSession
from handbook.bulk import insert_rows
from handbook.seed.vocabulary import RECENT_DAYS, USER_AGENTS, address, moment


def seed_sessions(session, ctx) -> int:
    """The sessions of the last RECENT_DAYS: offices log in every week, a member now and then;
    most sessions were ended by logging out."""
    rng, end = ctx.rng, ctx.end
    recent = end - timedelta(days=RECENT_DAYS)
    rows = []
    for uid, role in session.execute(select(User.id, User.role).order_by(User.id)):
        count = rng.randint(1, 4) if role != "member" else (1 if rng.random() < 0.3 else 0)
        for _ in range(count):
            at = moment(rng, recent, end)
            rows.append({"key": secrets.token_urlsafe(24), "user_id": uid, "created_at": at,
                         "authenticated_at": at, "last_seen_at": at + timedelta(minutes=rng.randint(1, 40)),
                         "ip": address(rng), "user_agent": rng.choice(USER_AGENTS),
                         "revoked_at": at + timedelta(minutes=45) if rng.random() < 0.6 else None})
    insert_rows(session, UserSession.__table__, rows)
    return {"user_sessions": len(rows)}
