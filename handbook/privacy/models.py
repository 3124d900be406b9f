"""A member's request to correct their record, handled by their secretary."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from handbook.clock import utcnow
from handbook.extensions import NEVER_REUSE_IDS, db
from handbook.organizations.models import MEMBER_LABELS, Member
from handbook.scope import by_member
from handbook.text import mask_national_id
from handbook.versioning import Versioned

CORRECTION_STATUSES = {
    "pending": "Chờ xử lý",
    "accepted": "Đã sửa",
    "rejected": "Không chấp nhận",
}

# Fields of the record a member may ask to correct, with their Vietnamese labels.
CORRECTABLE_FIELDS = {
    field: MEMBER_LABELS[field]
    for field in ("full_name", "date_of_birth", "gender", "ethnicity", "religion", "hometown", "admitted_on",
                  "official_on", "occupation", "education", "theory_level", "phone", "email", "national_id")
}


class CorrectionRequest(Versioned, db.Model):
    """A member asks for one field of their record to be corrected; the secretary answers."""

    __tablename__ = "correction_request"
    __table_args__ = (Index("ix_correction_request_member_status", "member_id", "status"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(40))
    requested_value: Mapped[str] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)
    # The record's value when the request was accepted (masked for the CCCD), kept for its history.
    previous_value: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    # The secretary's answer: the reason, when the request is not accepted.
    response: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    handled_at: Mapped[datetime | None]

    member: Mapped[Member] = relationship()
    handled_by = relationship("User")

    @property
    def field_label(self) -> str:
        """The field in Vietnamese."""
        return CORRECTABLE_FIELDS.get(self.field, self.field)

    @property
    def requested_value_shown(self) -> str:
        """The requested value as pages and exports show it: a CCCD masked, as everywhere."""
        return mask_national_id(self.requested_value) if self.field == "national_id" else self.requested_value

    @property
    def is_pending(self) -> bool:
        """Is the request still waiting for an answer?"""
        return self.status == "pending"

    @property
    def status_label(self) -> str:
        """The status in Vietnamese."""
        return CORRECTION_STATUSES.get(self.status, self.status)

    __scope__ = by_member("member_id")

    def __str__(self) -> str:
        return f"{self.field_label}: {self.requested_value}"
