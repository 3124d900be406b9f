"""The points ledger: append-only entries, and the rules (points, daily caps) that are data."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from handbook.clock import utcnow
from handbook.richtext import sanitize_html
from handbook.extensions import NEVER_REUSE_IDS, db
from handbook.organizations.models import Member, Organization
from handbook.scope import admin_only, audience, by_member, by_subtree, through
from handbook.text import nfc
from handbook.versioning import Versioned

if TYPE_CHECKING:
    from handbook.content.models import Document

# The sources of points; a rule row may override each one's daily cap.
POINT_SOURCES = {
    "read": "Đọc tài liệu, tin tức",
    "quiz": "Bài thi trắc nghiệm",
    "meeting": "Dự sinh hoạt chi bộ",
    "topic": "Học chuyên đề hằng tháng",
    "manual": "Cấp ủy cộng điểm",
    "correction": "Điều chỉnh (đính chính)",
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
        # A member's entries of a period, covering what the points page, the leaderboard and the target
        # read (source, points): no table lookup per entry.
        Index("ix_point_entry_member_created", "member_id", "created_at", "source", "points"),
        NEVER_REUSE_IDS,  # the audit trail names manual awards and corrections by id
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20))
    # What earned the points, e.g. "document:35", "quiz:7:attempt:1234"; a manual award "manual:<key>", a
    # correction "correction:<entry id>" (an entry is corrected once, by a new entry of opposite sign).
    reference: Mapped[str] = mapped_column(String(120))
    points: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # A manual award or a correction: the committee's reason and who gave it.
    note: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    member: Mapped[Member] = relationship()

    @property
    def source_label(self) -> str:
        """The source in Vietnamese."""
        return POINT_SOURCES.get(self.source, self.source)

    __scope__ = by_member("member_id")

    def __str__(self) -> str:
        return f"{self.points:+d} ({self.source_label}, {self.reference})"


# -- the monthly topic -------------------------------------------------------------------------
TOPIC_STATUSES = {"draft": "Bản nháp", "published": "Xuất bản"}

topic_document = db.Table(
    "study_topic_document",
    db.Column("topic_id", ForeignKey("study_topic.id", ondelete="CASCADE"), primary_key=True),
    db.Column("document_id", ForeignKey("document.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class StudyTopic(Versioned, db.Model):
    """The monthly topic (chuyên đề hằng tháng): published by a committee to its subtree; studying it earns points once."""

    __tablename__ = "study_topic"
    __table_args__ = (
        Index("ix_study_topic_audience", "organization_id", "status", "month"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(index=True)  # the first day of the topic's month
    title: Mapped[str] = mapped_column(String(255))
    summary: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    published_at: Mapped[datetime | None]
    points: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    documents: Mapped[list["Document"]] = relationship(secondary=topic_document, order_by="Document.id")

    __scope__ = audience("organization_id")

    @validates("title", "summary")
    def _normalize_text(self, _key, value):
        """Store text in NFC."""
        return nfc(value)

    @validates("body_html")
    def _sanitize(self, _key, value):
        """Rich text is cleaned before it is stored, so it is safe wherever it is shown."""
        return sanitize_html(nfc(value))

    @classmethod
    def visible_now(cls, now: datetime | None = None):
        """SQL condition: published and its publication time has come."""
        return and_(cls.status == "published", cls.published_at <= (now or utcnow()))

    @property
    def is_visible(self) -> bool:
        """Is this published and due?"""
        return self.status == "published" and self.published_at is not None and self.published_at <= utcnow()

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} — {self.title}" if self.month else (self.title or "")


class TopicRead(db.Model):
    """A member studied a topic (once; the first time is kept): the month's "studied the topic" figure."""

    __tablename__ = "study_topic_read"
    __table_args__ = (
        UniqueConstraint("member_id", "topic_id", name="uq_study_topic_read_member_topic"),
        Index("ix_study_topic_read_topic_read_at", "topic_id", "read_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    topic_id: Mapped[int] = mapped_column(ForeignKey("study_topic.id", ondelete="CASCADE"))
    read_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __scope__ = by_member("member_id")

    def __str__(self) -> str:
        return f"{self.member_id} → {self.topic_id}"


# -- the question bank and quizzes ---------------------------------------------------------------
QUESTION_KINDS = {"single": "Một đáp án đúng", "multiple": "Nhiều đáp án đúng"}
QUIZ_STATUSES = {"draft": "Bản nháp", "published": "Xuất bản"}
COUNTING = {"best": "Lần có điểm cao nhất", "first": "Lần làm đầu tiên"}
ATTEMPT_STATUSES = {"open": "Đang làm", "submitted": "Đã nộp", "expired": "Hết giờ (tự nộp)"}
MAX_OPTIONS = 8


class QuizCategory(Versioned, db.Model):
    """A category of the question bank (lĩnh vực), owned by an organization; quizzes of its subtree draw from it."""

    __tablename__ = "quiz_category"
    __table_args__ = (UniqueConstraint("organization_id", "name", name="uq_quiz_category_organization_name"),
                      NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()

    # Staff manage their subtree's categories; on the quiz form (``for_reading``) the categories of the
    # organizations above them are usable too.
    __scope__ = audience("organization_id")

    @validates("name")
    def _normalize_text(self, _key, value):
        """Store text in NFC."""
        return nfc(value)

    def __str__(self) -> str:
        return self.name or ""


class QuizQuestion(Versioned, db.Model):
    """A question of the bank: its text, options (``[{"text": ..., "correct": bool}]``), kind and explanation.

    The options' correct flags stay on the server: the quiz page shows the text of the options in the
    attempt's own order and scores by the attempt's mapping."""

    __tablename__ = "quiz_question"
    __table_args__ = (Index("ix_quiz_question_category_active", "category_id", "active"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("quiz_category.id", ondelete="RESTRICT"))
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10), default="single")
    options: Mapped[list] = mapped_column(JSON, default=list)
    explanation: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    category: Mapped[QuizCategory] = relationship()

    __scope__ = through(QuizCategory, "category_id")

    @validates("text", "explanation")
    def _normalize_text(self, _key, value):
        """Store text in NFC."""
        return nfc(value)

    @property
    def correct_indexes(self) -> list[int]:
        """The positions (in the bank's order) of the correct options."""
        return [i for i, option in enumerate(self.options or ()) if option.get("correct")]

    def __str__(self) -> str:
        text_ = self.text or ""
        return text_ if len(text_) <= 80 else text_[:79] + "…"


quiz_category_link = db.Table(
    "quiz_category_link",
    db.Column("quiz_id", ForeignKey("quiz.id", ondelete="CASCADE"), primary_key=True),
    db.Column("category_id", ForeignKey("quiz_category.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Quiz(Versioned, db.Model):
    """A quiz (bài thi trắc nghiệm) published to an organization's subtree: N questions drawn per attempt
    from its categories, a time limit, an open window, the attempts allowed, a pass mark and points by score."""

    __tablename__ = "quiz"
    __table_args__ = (Index("ix_quiz_audience", "organization_id", "status", "closes_at"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("study_topic.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    question_count: Mapped[int] = mapped_column(default=10)
    time_limit_minutes: Mapped[int] = mapped_column(default=15)
    attempts_allowed: Mapped[int] = mapped_column(default=1)
    counting: Mapped[str] = mapped_column(String(10), default="best")
    pass_mark: Mapped[int] = mapped_column(default=50)  # percent of the questions right
    points: Mapped[int] = mapped_column(default=10)  # points for a full score; a lower score earns its share
    show_review: Mapped[bool] = mapped_column(default=True)  # answers, right ones and explanations after submitting
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    topic: Mapped[StudyTopic | None] = relationship()
    categories: Mapped[list[QuizCategory]] = relationship(secondary=quiz_category_link, order_by="QuizCategory.id")

    __scope__ = audience("organization_id")

    @validates("title", "description")
    def _normalize_text(self, _key, value):
        """Store text in NFC."""
        return nfc(value)

    def is_open(self, now: datetime | None = None) -> bool:
        """Published and within its window."""
        now = now or utcnow()
        return self.status == "published" and self.opens_at <= now < self.closes_at

    @classmethod
    def open_now(cls, now: datetime | None = None):
        """SQL condition: published and within its window."""
        now = now or utcnow()
        return and_(cls.status == "published", cls.opens_at <= now, cls.closes_at > now)

    def __str__(self) -> str:
        return self.title or ""


class QuizAttempt(db.Model):
    """One member's attempt at a quiz: the questions and option orders drawn for it (``layout``, kept on
    the server), the answers saved so far, and once submitted (or closed at its deadline) the score.

    ``layout`` is ``[[question_id, [bank option index, ...]], ...]`` in the order shown; ``answers`` maps
    the shown question's position (as text) to the shown option positions chosen."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (
        UniqueConstraint("quiz_id", "member_id", "number", name="uq_quiz_attempt_quiz_member_number"),
        Index("ix_quiz_attempt_member_started", "member_id", "started_at"),
        Index("ix_quiz_attempt_open_deadline", "status", "deadline"),
        Index("ix_quiz_attempt_quiz_org", "quiz_id", "organization_id"),
        Index("ix_quiz_attempt_submitted", "submitted_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quiz.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    # The member's branch when the attempt started: statistics by organization count it there.
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(10), default="open")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    layout: Mapped[list] = mapped_column(JSON, default=list)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    correct_count: Mapped[int | None]
    question_count: Mapped[int] = mapped_column(default=0)
    score: Mapped[float | None]  # percent of the questions right, 0–100
    passed: Mapped[bool | None]
    points_awarded: Mapped[int] = mapped_column(default=0)

    quiz: Mapped[Quiz] = relationship()
    member: Mapped[Member] = relationship()
    organization: Mapped[Organization] = relationship()

    __scope__ = by_member("member_id")

    @property
    def status_label(self) -> str:
        """The status in Vietnamese."""
        return ATTEMPT_STATUSES.get(self.status, self.status)

    def __str__(self) -> str:
        return f"#{self.id} ({self.status_label})"


class QuizAnswer(db.Model):
    """Whether an attempt got one question right, written when the attempt is scored: the hardest questions
    of a quiz, by organization, are counted over these rows."""

    __tablename__ = "quiz_answer"
    __table_args__ = (Index("ix_quiz_answer_question", "question_id", "correct"),)

    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("quiz_question.id", ondelete="CASCADE"), primary_key=True)
    correct: Mapped[bool]

    __scope__ = through(QuizAttempt, "attempt_id")

    def __str__(self) -> str:
        return f"{self.attempt_id}/{self.question_id}: {'đúng' if self.correct else 'sai'}"


# -- leaderboards ------------------------------------------------------------------------------
LEADERBOARD_MODES = {"shown": "Hiển thị", "hidden": "Ẩn", "frozen": "Tạm dừng (giữ bảng tại một thời điểm)"}


class LeaderboardSetting(Versioned, db.Model):
    """How the branch leaderboards under an organization are shown: the nearest setting on a branch's path wins."""

    __tablename__ = "leaderboard_setting"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), unique=True)
    mode: Mapped[str] = mapped_column(String(10), default="shown")
    frozen_at: Mapped[datetime | None]  # a frozen board counts the points earned before this moment
    note: Mapped[str | None] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()

    __scope__ = by_subtree("organization_id")

    def __str__(self) -> str:
        return LEADERBOARD_MODES.get(self.mode, self.mode)
