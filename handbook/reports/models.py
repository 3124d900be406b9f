"""The computed monthly figures and the report files written from them."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from handbook.clock import utcnow
from handbook.extensions import NEVER_REUSE_IDS, db
from handbook.organizations.models import Organization
from handbook.scope import by_subtree

REPORT_KINDS = {"monthly": "Thống kê tháng"}


class MonthlyStatistics(db.Model):
    """One organization's figures for one month, with the tree as it was at the month's end:
    its parent and depth then, its counts over its own members and over its whole subtree."""

    __tablename__ = "monthly_statistics"
    __table_args__ = (
        UniqueConstraint("month", "organization_id", name="uq_monthly_statistics_month_organization"),
        Index("ix_monthly_statistics_month_parent", "month", "parent_id"),
        Index("ix_monthly_statistics_organization_month", "organization_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]  # the first day of the month, Vietnam time
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    # The tree as it was: no foreign key, a parent since dissolved keeps its rows readable.
    parent_id: Mapped[int | None]
    depth: Mapped[int]
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))
    totals: Mapped[dict] = mapped_column(JSON)  # figure key -> count over the subtree
    own: Mapped[dict] = mapped_column(JSON)  # figure key -> count over its own members
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # True once computed after the month ended: the figures no longer move.
    final: Mapped[bool] = mapped_column(default=False)

    organization: Mapped[Organization] = relationship()

    __scope__ = by_subtree("organization_id")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.code}"


class GeneratedReport(db.Model):
    """A report written to disk (Excel and PDF) for one organization and period; rewritten in place
    when the period is computed again."""

    __tablename__ = "generated_report"
    __table_args__ = (
        UniqueConstraint("kind", "organization_id", "period", name="uq_generated_report_kind_organization_period"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(20))  # "2026-11"
    # Relative to REPORTS_FOLDER.
    xlsx_path: Mapped[str] = mapped_column(String(255))
    pdf_path: Mapped[str] = mapped_column(String(255))
    xlsx_size: Mapped[int] = mapped_column(default=0)
    pdf_size: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # None: written by the scheduler.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    organization: Mapped[Organization] = relationship()
    created_by = relationship("User", foreign_keys=[created_by_id])

    __scope__ = by_subtree("organization_id")

    @property
    def kind_label(self) -> str:
        """The kind in Vietnamese."""
        return REPORT_KINDS.get(self.kind, self.kind)

    def __str__(self) -> str:
        return f"{self.kind_label} {self.period}"
