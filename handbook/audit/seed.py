"""A year of audited activity for the province data set: logins, record views and exports,
inserted set-based (see ``handbook.seed.thaibinh``)."""
from __future__ import annotations

import bisect
from datetime import timedelta

from sqlalchemy import func, select

from handbook.audit.models import AuditEntry, AuditSubject
from handbook.auth.models import User
from handbook.auth.sessions import UserSession
from handbook.bulk import insert_rows
from handbook.seed.vocabulary import RECENT_DAYS, USER_AGENTS, address, moment

def seed_audit_activity(session, ctx) -> dict[str, int]:
    """Logins (and a few failures) over the year, those of the last month's sessions among them,
    record views by secretaries and subtree exports by committee offices; return rows per table."""
    rng, start, end = ctx.rng, ctx.start, ctx.end
    path_of = dict(zip(ctx.org_ids, ctx.org_paths))
    accounts = session.execute(select(User.id, User.login, User.role, User.organization_id, User.member_id)).all()
    members_of_branch: dict[int, list[int]] = {}
    for member_id, branch_id in zip(ctx.member_ids, ctx.member_branch_ids):
        members_of_branch.setdefault(branch_id, []).append(member_id)

    entries, subjects = [], []
    next_id = (session.execute(select(func.max(AuditEntry.id))).scalar() or 0) + 1

    def entry(at, user, action, entity=None, entity_id=None, detail=None, ua=None, ip=None):
        nonlocal next_id
        uid, login, role, org_id, _member = user
        entries.append({
            "id": next_id, "at": at, "user_id": uid, "login": login, "role": role, "actor_org_id": org_id,
            "actor_org_path": path_of.get(org_id), "ip": ip or address(rng),
            "user_agent": ua or rng.choice(USER_AGENTS), "action": action, "entity": entity, "entity_id": entity_id,
            "changes": None, "detail": detail,
        })
        next_id += 1
        return next_id - 1

    # The last month's logins are those of the sessions the accounts domain kept; earlier ones are drawn here.
    recent = end - timedelta(days=RECENT_DAYS)
    sessions_of: dict[int, list] = {}
    for row in session.execute(select(UserSession.user_id, UserSession.created_at, UserSession.ip, UserSession.user_agent)):
        sessions_of.setdefault(row.user_id, []).append(row)
    for user in accounts:
        uid, _login, role, org_id, _member = user
        logins = rng.randint(12, 48) if role != "member" else (rng.randint(1, 8) if rng.random() < 0.8 else 0)
        earlier = [(moment(rng, start, recent), rng.choice(USER_AGENTS), None) for _ in range(logins)]
        kept = [(s.created_at, s.user_agent, s.ip) for s in sessions_of.get(uid, ())]
        for at, ua, ip in earlier + kept:
            if rng.random() < 0.03:
                entry(at - timedelta(seconds=20), user, "login_failed", "user_account", uid, {}, ua, ip)
            entry(at, user, "login", "user_account", uid, None, ua, ip)
        if role == "secretary" and org_id in members_of_branch:
            # A secretary opens a few records of their branch each month.
            for _ in range(rng.randint(6, 24)):
                member_id = rng.choice(members_of_branch[org_id])
                eid = entry(moment(rng, start, end), user, "view", "member", member_id, {"screen": "Đảng viên"})
                subjects.append({"entry_id": eid, "member_id": member_id})

    # Committee offices export their subtree's members twice a year (the register for rating).
    member_path = sorted((path_of[b], m) for m, b in zip(ctx.member_ids, ctx.member_branch_ids))
    paths_only = [p for p, _ in member_path]
    for user in accounts:
        uid, _login, role, org_id, _member = user
        if role != "committee" or org_id not in path_of:
            continue
        low = path_of[org_id]
        lo, hi = bisect.bisect_left(paths_only, low), bisect.bisect_left(paths_only, low[:-1] + "0")
        ids = [m for _, m in member_path[lo:hi]]
        for _ in range(2):
            eid = entry(moment(rng, start, end), user, "export", "member", None,
                        {"screen": "Đảng viên", "format": rng.choice(["xlsx", "csv"]), "rows": len(ids)})
            subjects.extend({"entry_id": eid, "member_id": m} for m in ids)

    insert_rows(session, AuditEntry.__table__, entries)
    insert_rows(session, AuditSubject.__table__, subjects)
    return {"audit_entries": len(entries), "audit_subjects": len(subjects)}
