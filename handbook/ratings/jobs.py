"""The rating's job: while a year is open, its evidence is brought up to date every night."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from handbook.jobs import job
from handbook.ratings.evidence import refresh_evidence
from handbook.ratings.models import RatingRuleSet


@job("rating-evidence", "Minh chứng xếp loại", cron={"hour": 3, "minute": 10}, period="day",
     about="Hằng đêm, trong thời gian đánh giá, xếp loại: cập nhật minh chứng (điểm tích lũy, số tháng sử dụng "
           "sổ tay, kỷ luật…) và mức dự kiến của mọi đảng viên được đánh giá.")
def rating_evidence(session, now: datetime) -> dict:
    """Recompute the evidence and draft levels of every rating of the years open for self-assessment."""
    years = session.execute(select(RatingRuleSet.year).where(RatingRuleSet.is_open.is_(True))
                            .order_by(RatingRuleSet.year)).scalars().all()
    return {str(year): refresh_evidence(session, year, None, now) for year in years}
