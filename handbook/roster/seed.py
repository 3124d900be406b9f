"""The register imports of the province's year: each committee brought its members in at the year's
start, and each member account began with an activation code, used within days or still waiting."""
from __future__ import annotations

import hashlib
from datetime import timedelta

from handbook.auth.models import ActivationCode
from handbook.bulk import insert_rows
from handbook.roster.models import MemberImport

# Member accounts still waiting for their member to activate them, with a code re-issued lately.
PENDING_SHARE = 0.03


def seed_imports(session, ctx) -> dict:
    """One applied import per committee early in the year (its counts, no files kept), and one
    activation code per member account: used within a week, or re-issued and waiting."""
    rng = ctx.rng
    committees = ctx.ids_of_kind("committee")
    members_per_committee = len(ctx.member_ids) // max(len(committees), 1)
    admin = (ctx.accounts.get("admin") or [None])[0]
    imports = []
    for number, org_id in enumerate(committees, start=1):
        at = ctx.start + timedelta(days=rng.randint(3, 20), hours=rng.randint(1, 9))
        imports.append({
            "organization_id": org_id, "user_id": admin, "filename": f"so-danh-sach-dang-vien-{number:02d}.xlsx",
            "stored_name": f"seed-{number:02d}.xlsx", "size": members_per_committee * 110, "status": "applied",
            "row_count": members_per_committee, "error_count": 0, "errors": [], "message": None,
            "summary": {"created": members_per_committee, "updated": 0, "transferred": 0, "unchanged": 0,
                        "accounts": int(members_per_committee * 0.8), "ignored": []},
            "created_at": at, "checked_at": at + timedelta(minutes=2), "applied_at": at + timedelta(minutes=9),
            "sheet_name": None, "messages_name": None,
        })
    insert_rows(session, MemberImport.__table__, imports)
    codes = []
    for user_id in ctx.accounts.get("member", []):
        issued = ctx.start + timedelta(days=rng.randint(3, 25))
        pending = rng.random() < PENDING_SHARE
        if pending:
            issued = ctx.end - timedelta(days=rng.randint(1, 20))
        codes.append({
            # Not the keyed hash of any code: seeded codes cannot be redeemed.
            "user_id": user_id, "code_hash": hashlib.sha256(f"seed:{user_id}:{issued.isoformat()}".encode()).hexdigest(),
            "created_at": issued, "expires_at": issued + timedelta(days=30), "issued_by_id": admin,
            "used_at": None if pending else issued + timedelta(days=rng.randint(0, 6), hours=rng.randint(0, 12)),
        })
    insert_rows(session, ActivationCode.__table__, codes)
    return {"member_imports": len(imports), "activation_codes": len(codes)}
