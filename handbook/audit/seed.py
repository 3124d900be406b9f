"""A year of audited activity for the province data set: logins, sessions, record views, exports,
correction requests and read-later lists, inserted set-based (see ``handbook.seed.thaibinh``)."""
from __future__ import annotations

import bisect
import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select

from handbook.audit.models import AuditEntry, AuditSubject
from handbook.auth.models import User
from handbook.auth.sessions import UserSession
from handbook.content.models import Bookmark, Document
from handbook.privacy.models import CORRECTABLE_FIELDS, CorrectionRequest
from handbook.seed.thaibinh import insert_rows

USER_AGENTS = [
    "Mozilla/5.0 (Linux; Android 10; SM-A105F) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 8.1.0; Redmi 5A) AppleWebKit/537.36 Chrome/109.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 15_8 like Mac OS X) AppleWebKit/605.1.15 Version/15.6 Mobile Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0 Safari/537.36",
]
RECENT_DAYS = 30  # login sessions are kept as rows for the last month; older logins live in the audit only


def _moment(rng, start: datetime, end: datetime) -> datetime:
    """A random time in [start, end), in working hours more often than not."""
    day = start + timedelta(days=rng.randrange(max((end - start).days, 1)))
    return day.replace(hour=rng.choice([7, 8, 9, 10, 14, 15, 16, 19, 20, 21]), minute=rng.randrange(60),
                       second=rng.randrange(60), microsecond=0)


def seed_audit_activity(session, ctx) -> dict[str, int]:
    """Logins (and a few failures), the last month's sessions, record views by secretaries, subtree
    exports by committee offices, correction requests and bookmarks; return rows per table."""
    rng, start, end = ctx.rng, ctx.start, ctx.end
    path_of = dict(zip(ctx.org_ids, ctx.org_paths))
    accounts = session.execute(select(User.id, User.login, User.role, User.organization_id, User.member_id)).all()
    members_of_branch: dict[int, list[int]] = {}
    for member_id, branch_id in zip(ctx.member_ids, ctx.member_branch_ids):
        members_of_branch.setdefault(branch_id, []).append(member_id)

    entries, subjects, sessions = [], [], []
    next_id = (session.execute(select(func.max(AuditEntry.id))).scalar() or 0) + 1

    def entry(at, user, action, entity=None, entity_id=None, detail=None, ua=None):
        nonlocal next_id
        uid, login, role, org_id, _member = user
        entries.append({
            "id": next_id, "at": at, "user_id": uid, "login": login, "role": role, "actor_org_id": org_id,
            "actor_org_path": path_of.get(org_id), "ip": f"113.160.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            "user_agent": ua or rng.choice(USER_AGENTS), "action": action, "entity": entity, "entity_id": entity_id,
            "changes": None, "detail": detail,
        })
        next_id += 1
        return next_id - 1

    recent = end - timedelta(days=RECENT_DAYS)
    for user in accounts:
        uid, _login, role, org_id, _member = user
        logins = rng.randint(12, 48) if role != "member" else (rng.randint(1, 8) if rng.random() < 0.8 else 0)
        for _ in range(logins):
            at = _moment(rng, start, end)
            ua = rng.choice(USER_AGENTS)
            if rng.random() < 0.03:
                entry(at - timedelta(seconds=20), user, "login_failed", "user_account", uid, {}, ua)
            entry(at, user, "login", "user_account", uid, None, ua)
            if at >= recent:
                sessions.append({"key": secrets.token_urlsafe(24), "user_id": uid, "created_at": at,
                                 "authenticated_at": at, "last_seen_at": at + timedelta(minutes=rng.randint(1, 40)),
                                 "ip": entries[-1]["ip"], "user_agent": ua,
                                 "revoked_at": at + timedelta(minutes=45) if rng.random() < 0.6 else None})
        if role == "secretary" and org_id in members_of_branch:
            # A secretary opens a few records of their branch each month.
            for _ in range(rng.randint(6, 24)):
                member_id = rng.choice(members_of_branch[org_id])
                eid = entry(_moment(rng, start, end), user, "view", "member", member_id, {"screen": "Đảng viên"})
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
            eid = entry(_moment(rng, start, end), user, "export", "member", None,
                        {"screen": "Đảng viên", "format": rng.choice(["xlsx", "csv"]), "rows": len(ids)})
            subjects.extend({"entry_id": eid, "member_id": m} for m in ids)

    # About one member in two hundred asks for a correction; most are handled by the secretary.
    secretary_of = {org: uid for uid, _l, role, org, _m in accounts if role == "secretary"}
    corrections = []
    fields = list(CORRECTABLE_FIELDS)
    for member_id, branch_id in zip(ctx.member_ids, ctx.member_branch_ids):
        if rng.random() >= 0.005:
            continue
        asked = _moment(rng, start, end)
        handled = rng.random() < 0.8
        corrections.append({
            "member_id": member_id, "field": rng.choice(fields), "requested_value": "Thông tin đúng theo giấy tờ",
            "note": "Đề nghị chi bộ cập nhật.", "status": rng.choice(["accepted", "rejected"]) if handled else "pending",
            "response": "Đã kiểm tra hồ sơ." if handled else None, "created_at": asked,
            "handled_by_id": secretary_of.get(branch_id) if handled else None,
            "handled_at": asked + timedelta(days=rng.randint(1, 7)) if handled else None,
        })

    # Read-later lists: about one member account in ten keeps a few central or province documents.
    root = min(zip(ctx.org_paths, ctx.org_ids))[1]
    shared_docs = session.execute(select(Document.id).where(Document.organization_id == root)).scalars().all()
    bookmarks = []
    if shared_docs:
        for uid, _l, role, _org, _m in accounts:
            if role == "member" and rng.random() < 0.1:
                for doc_id in rng.sample(shared_docs, min(len(shared_docs), rng.randint(1, 3))):
                    bookmarks.append({"user_id": uid, "document_id": doc_id, "created_at": _moment(rng, start, end)})

    insert_rows(session, AuditEntry.__table__, entries)
    insert_rows(session, AuditSubject.__table__, subjects)
    insert_rows(session, UserSession.__table__, sessions)
    insert_rows(session, CorrectionRequest.__table__, corrections)
    insert_rows(session, Bookmark.__table__, bookmarks)
    return {"audit_entries": len(entries), "audit_subjects": len(subjects), "user_sessions": len(sessions),
            "correction_requests": len(corrections), "bookmarks": len(bookmarks)}
