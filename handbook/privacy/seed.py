"""Members' correction requests over the year of the province data set."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handbook.auth.models import User
from handbook.bulk import insert_rows
from handbook.privacy.models import CorrectionRequest
from handbook.seed.vocabulary import EDUCATIONS, OCCUPATIONS, PHONE_PREFIXES, moment

# What members ask to correct most, each with a value its field's rules accept (a secretary who
# accepts a seeded request must see it written into the record, not refused).
REQUESTED = {
    "phone": lambda rng: f"0{rng.choice(PHONE_PREFIXES)}{rng.randrange(10**7):07d}",
    "occupation": lambda rng: rng.choice(OCCUPATIONS),
    "education": lambda rng: rng.choice(EDUCATIONS),
}
REJECTION_REASONS = ["Chưa có giấy tờ chứng minh, đề nghị đồng chí nộp bản sao cho chi bộ.",
                     "Thông tin này khớp với lý lịch đảng viên đang lưu."]


def seed_corrections(session, ctx) -> dict[str, int]:
    """About one member in two hundred asks for a correction; most are handled by their secretary."""
    rng, start, end = ctx.rng, ctx.start, ctx.end
    secretary_of = dict(session.execute(select(User.organization_id, User.id).where(User.role == "secretary")).all())
    fields = list(REQUESTED)
    rows = []
    for member_id, branch_id in zip(ctx.member_ids, ctx.member_branch_ids):
        if rng.random() >= 0.005:
            continue
        asked = moment(rng, start, end)
        handled = rng.random() < 0.8
        status = rng.choice(["accepted", "rejected"]) if handled else "pending"
        field = rng.choice(fields)
        rows.append({
            "member_id": member_id, "field": field, "requested_value": REQUESTED[field](rng),
            "note": "Đề nghị chi bộ cập nhật.", "status": status,
            "response": rng.choice(REJECTION_REASONS) if status == "rejected" else None, "created_at": asked,
            "handled_by_id": secretary_of.get(branch_id) if handled else None,
            "handled_at": asked + timedelta(days=rng.randint(1, 7)) if handled else None,
        })
    insert_rows(session, CorrectionRequest.__table__, rows)
    return {"correction_requests": len(rows)}
