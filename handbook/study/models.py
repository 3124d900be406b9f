"""The points ledger: append-only entries, and the rules (points, daily caps) that are data."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from handbook.clock import utcnow
from handbook.extensions import NEVER_REUSE_IDS, db
from handbook.organizations.models import Member
from handbook.scope import admin_only, by_member
from handbook.versioning import Versioned

# The sources of points; a rule row may override each one's daily cap.
POINT_SOURCES = {
    "read": "Đọc tài liệu, tin tức",
    "quiz": "Bài thi trắc nghiệm",
    "meeting": "Dự sinh hoạt chi bộ",
    "manual": "Cấp ủy cộng điểm",
}


class PointRule(Versioned, db.Model):
    """How a source of points is limited: the most points one member may earn from it in a day."""

    __tablename__ = "point_rule"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20), unique=True)
    # None: no cap for this source.
    daily_cap: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __scope__ = admin_only()

    def __str__(self) -> str:
        return f"{POINT_SOURCES.get(self.source, self.source)}: {self.daily_cap or '∞'}/ngày"


class PointEntry(db.Model):
    """One award of points to a member; a (member, source, reference) earns once, rows are never changed."""

    __tablename__ = "point_entry"
    __table_args__ = (
        UniqueConstraint("member_id", "source", "reference", name="uq_point_entry_member_source_reference"),
        Index("ix_point_entry_member_created", "member_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20))
    # What earned the points, e.g. "document:35" or "article:12"; a manual award names its reason.
    reference: Mapped[str] = mapped_column(String(120))
    points: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    member: Mapped[Member] = relationship()

    @property
    def source_label(self) -> str:
        """The source in Vietnamese."""
        return POINT_SOURCES.get(self.source, self.source)

    __scope__ = by_member("member_id")

    def __str__(self) -> str:
        return f"{self.points:+d} ({self.source_label}, {self.reference})"
