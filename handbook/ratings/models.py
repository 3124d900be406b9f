"""The yearly rating (đánh giá, xếp loại) of members and organizations: the rules in force each year,
each member's rating through its three steps, and every step taken."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from handbook.clock import utcnow
from handbook.extensions import NEVER_REUSE_IDS, db
from handbook.organizations.models import Member, Organization
from handbook.scope import admin_only, by_subtree, through
from handbook.versioning import Versioned

# The four levels of Quy định 366-QĐ/TW (as of 124-QĐ/TW before it), best first: code -> (short, full).
LEVELS = {
    "excellent": ("HTXSNV", "Hoàn thành xuất sắc nhiệm vụ"),
    "good": ("HTTNV", "Hoàn thành tốt nhiệm vụ"),
    "pass": ("HTNV", "Hoàn thành nhiệm vụ"),
    "fail": ("KHTNV", "Không hoàn thành nhiệm vụ"),
}
LEVEL_ORDER = tuple(LEVELS)  # best first
CRITERION_GROUPS = {"common": "Tiêu chí chung", "tasks": "Kết quả thực hiện nhiệm vụ"}
# Where a member's rating stands: opened with the evidence, then each step in turn.
STATUSES = {
    "open": "Chưa tự đánh giá",
    "self": "Đã tự đánh giá",
    "proposed": "Chi bộ đã đề xuất",
    "decided": "Đã quyết định",
}
STEPS = {
    "open": "Mở đánh giá",
    "self": "Tự đánh giá",
    "proposal": "Chi bộ đề xuất",
    "decision": "Cấp ủy quyết định",
    "reopen": "Mở lại",
}
# A condition compares a piece of evidence (members) or a share of members (organizations) with a value.
OPERATORS = {">=": "≥", "<=": "≤", "==": "="}
CONDITION_SUBJECTS = {"member": "Đảng viên", "organization": "Tổ chức đảng"}
# The shares an organization's conditions may name: of its rated members, those decided at that level or better.
ORGANIZATION_SHARES = {"excellent_share": "Tỷ lệ HTXSNV", "good_share": "Tỷ lệ từ HTTNV trở lên",
                       "pass_share": "Tỷ lệ từ HTNV trở lên"}


def level_short(level: str | None) -> str:
    """"HTXSNV" for "excellent"; "" for none."""
    return LEVELS[level][0] if level in LEVELS else ""


def level_label(level: str | None) -> str:
    """The level's full Vietnamese name; "" for none."""
    return LEVELS[level][1] if level in LEVELS else ""


class RatingRuleSet(Versioned, db.Model):
    """The rules of one year's rating: thresholds on the 100-point score, the criteria, the conditions
    on the evidence and the quota. A new regulation is a new row, not a code change."""

    __tablename__ = "rating_rule_set"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(255))
    regulation: Mapped[str] = mapped_column(String(60))  # "366-QĐ/TW"
    # The lowest score of each level but the last (a score below ``pass_min`` fails).
    excellent_min: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(90))
    good_min: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(70))
    pass_min: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(50))
    # HTXSNV may be at most this percentage of HTTNV within one grassroots organization.
    quota_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(20))
    # Members may assess themselves while the year's rating is open.
    is_open: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    criteria: Mapped[list[RatingCriterion]] = relationship(
        back_populates="rule_set", order_by="RatingCriterion.position", cascade="all, delete-orphan")
    conditions: Mapped[list[RatingCondition]] = relationship(
        back_populates="rule_set", order_by="RatingCondition.id", cascade="all, delete-orphan")

    __scope__ = admin_only()

    def __str__(self) -> str:
        return f"{self.year}: {self.name}"


class RatingCriterion(Versioned, db.Model):
    """One criterion of the score, with the most points it gives (the common ones add up to 30, the tasks to 70)."""

    __tablename__ = "rating_criterion"
    __table_args__ = (UniqueConstraint("rule_set_id", "code", name="uq_rating_criterion_rule_set_code"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rating_rule_set.id", ondelete="CASCADE"), index=True)
    group: Mapped[str] = mapped_column(String(20))  # a key of CRITERION_GROUPS
    code: Mapped[str] = mapped_column(String(20))  # "1.1"
    title: Mapped[str] = mapped_column(String(500))
    max_score: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    position: Mapped[int] = mapped_column(default=0)

    rule_set: Mapped[RatingRuleSet] = relationship(back_populates="criteria")

    __scope__ = admin_only()

    def __str__(self) -> str:
        return f"{self.code}. {self.title} ({self.max_score})"


class RatingCondition(Versioned, db.Model):
    """A condition a level asks beyond the score: on a member's evidence ("tasks_on_time_rate" ≥ 1,
    "disciplined" = 0) or on an organization's shares ("good_share" ≥ 0,8). A condition on evidence
    no domain registers, or that a member has no value for, is not applied."""

    __tablename__ = "rating_condition"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rating_rule_set.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(20), default="member")  # a key of CONDITION_SUBJECTS
    level: Mapped[str] = mapped_column(String(20))  # the level that asks it
    key: Mapped[str] = mapped_column(String(60))  # an evidence key, or a key of ORGANIZATION_SHARES
    operator: Mapped[str] = mapped_column(String(2), default=">=")
    value: Mapped[Decimal] = mapped_column(Numeric(10, 4))
    note: Mapped[str | None] = mapped_column(String(255))

    rule_set: Mapped[RatingRuleSet] = relationship(back_populates="conditions")

    __scope__ = admin_only()

    def holds(self, actual) -> bool:
        """Does ``actual`` meet this condition? (True/False compare as 1/0.)"""
        actual, value = Decimal(str(float(actual))), self.value
        if self.operator == ">=":
            return actual >= value
        if self.operator == "<=":
            return actual <= value
        return actual == value

    def __str__(self) -> str:
        return f"{level_short(self.level)}: {self.key} {OPERATORS.get(self.operator, self.operator)} {self.value}"


class MemberRating(Versioned, db.Model):
    """One member's rating for one year: the evidence, the draft the software proposes, and the three
    steps (self-assessment, the branch's proposal, the committee's decision)."""

    __tablename__ = "member_rating"
    __table_args__ = (
        UniqueConstraint("member_id", "year", name="uq_member_rating_member_year"),
        Index("ix_member_rating_year_organization", "year", "organization_id"),
        NEVER_REUSE_IDS,
    )
    # Refreshed by the evidence job: must not make a secretary's open form stale.
    unversioned = frozenset({"evidence", "evidence_at", "draft_level"})

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rating_rule_set.id", ondelete="RESTRICT"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    # The branch the member is rated in (theirs when the rating was opened).
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)  # evidence key -> value
    evidence_at: Mapped[datetime | None]
    draft_level: Mapped[str | None] = mapped_column(String(20))
    self_scores: Mapped[dict] = mapped_column(JSON, default=dict)  # criterion code -> score
    self_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    self_level: Mapped[str | None] = mapped_column(String(20))
    self_comment: Mapped[str | None] = mapped_column(Text)
    self_at: Mapped[datetime | None]
    proposed_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    proposed_level: Mapped[str | None] = mapped_column(String(20))
    proposal_reason: Mapped[str | None] = mapped_column(Text)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime | None]
    decided_level: Mapped[str | None] = mapped_column(String(20))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship()
    organization: Mapped[Organization] = relationship()
    rule_set: Mapped[RatingRuleSet] = relationship()
    proposed_by = relationship("User", foreign_keys=[proposed_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    # Staff see their subtree's ratings; a member sees their own.
    __scope__ = by_subtree("organization_id", own=("member_id", "member_id"))

    def __str__(self) -> str:
        return f"{self.year} {self.member_id}"


class OrganizationRating(Versioned, db.Model):
    """A party organization's rating for one year: its members' levels counted, the draft its
    conditions give, and the decision of the committee above."""

    __tablename__ = "organization_rating"
    __table_args__ = (UniqueConstraint("organization_id", "year", name="uq_organization_rating_organization_year"),
                      NEVER_REUSE_IDS)
    unversioned = frozenset({"counts", "draft_level", "counted_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("rating_rule_set.id", ondelete="RESTRICT"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)  # decided level -> members, "rated" -> all
    counted_at: Mapped[datetime | None]
    draft_level: Mapped[str | None] = mapped_column(String(20))
    decided_level: Mapped[str | None] = mapped_column(String(20))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship()
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    __scope__ = by_subtree("organization_id")

    def __str__(self) -> str:
        return f"{self.year} {self.organization_id}"


class RatingStep(db.Model):
    """One step taken on a rating, append-only: who, when, which level and score, and what changed."""

    __tablename__ = "rating_step"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    member_rating_id: Mapped[int | None] = mapped_column(ForeignKey("member_rating.id", ondelete="CASCADE"), index=True)
    organization_rating_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization_rating.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(20))  # a key of STEPS
    level: Mapped[str | None] = mapped_column(String(20))
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    # What the step changed, field -> [before, after], and its scores, comment or reason.
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    by = relationship("User", foreign_keys=[by_id])
    member_rating: Mapped[MemberRating | None] = relationship()

    __scope__ = through(MemberRating, "member_rating_id")

    def __str__(self) -> str:
        return f"{STEPS.get(self.step, self.step)} {level_short(self.level)}"
