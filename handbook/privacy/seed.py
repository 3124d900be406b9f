"""Members' correction requests over the year of the province data set."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handbook.auth.models import User
from handbook.bulk import insert_rows
from handbook.privacy.models import CORRECTABLE_FIELDS, CorrectionRequest
from handbook.seed.vocabulary import moment


def seed_corrections(session, ctx) -> dict[str, int]:
    """About one member in two hundred asks for a correction; most are handled by their secretary."""
    rng, start, end = ctx.rng, ctx.start, ctx.end
    secretary_of = dict(session.execute(select(User.organization_id, User.id).where(User.role == "secretary")).all())
    fields = list(CORRECTABLE_FIELDS)
    rows = []
    for member_id, branch_id in zip(ctx.member_ids, ctx.member_branch_ids):
        if rng.random() >= 0.005:
            continue
        asked = moment(rng, start, end)
        handled = rng.random() < 0.8
        rows.append({
            "member_id": member_id, "field": rng.choice(fields), "requested_value": "Thông tin đúng theo giấy tờ",
            "note": "Đề nghị chi bộ cập nhật.", "status": rng.choice(["accepted", "rejected"]) if handled else "pending",
            "response": "Đã kiểm tra hồ sơ." if handled else None, "created_at": asked,
            "handled_by_id": secretary_of.get(branch_id) if handled else None,
            "handled_at": asked + timedelta(days=rng.randint(1, 7)) if handled else None,
        })
    insert_rows(session, CorrectionRequest.__table__, rows)
    return {"correction_requests": len(rows)}
