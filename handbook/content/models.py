"""News articles, party documents, their files, read marks and bookmarks."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, and_, event,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, validates

from handbook.clock import utcnow
from handbook.richtext import html_to_text, sanitize_html
from handbook.extensions import NEVER_REUSE_IDS, db
from handbook.organizations.models import Member, Organization
from handbook.scope import audience, by_member, own_rows, through
from handbook.text import nfc, search_key
from handbook.versioning import Versioned

DOCUMENT_TYPES = {
    "resolution": "Nghị quyết",
    "regulation": "Quy định",
    "directive": "Chỉ thị",
    "conclusion": "Kết luận",
    "guidance": "Hướng dẫn",
    "plan": "Kế hoạch",
    "notice": "Thông báo",
    "instruction": "Văn bản chỉ đạo",
}
DOCUMENT_LEVELS = {"central": "Trung ương", "province": "Tỉnh", "local": "Cấp ủy cơ sở"}
STATUSES = {"draft": "Bản nháp", "published": "Xuất bản"}
# The searchable text is cut here: enough for the opening of a long resolution, small enough to scan.
SEARCH_TEXT_LIMIT = 8000


class PublishedContent:
    """What news and documents share: the publishing organization, status, time, points, search key."""

    __scope__ = audience("organization_id")

    @classmethod
    def visible_now(cls, now: datetime | None = None):
        """SQL condition: published and its publication time has come (scheduled items wait)."""
        return and_(cls.status == "published", cls.published_at <= (now or utcnow()))

    @property
    def is_visible(self) -> bool:
        """Is this published and due?"""
        return self.status == "published" and self.published_at is not None and self.published_at <= utcnow()

    @property
    def status_label(self) -> str:
        """Draft, published or scheduled, in Vietnamese."""
        if self.status == "published" and self.published_at and self.published_at > utcnow():
            return "Hẹn giờ xuất bản"
        return STATUSES.get(self.status, self.status)


class Article(PublishedContent, Versioned, db.Model):
    """A news article (tin tức): rich text sanitized on save, published to an organization's subtree."""

    __tablename__ = "article"
    __table_args__ = (
        Index("ix_article_feed", "status", "published_at"),
        # What a reader's organizations published, newest first: the feed counts it and picks a page's
        # ids on the index alone, the home's "new for you" reads one organization's recent items.
        Index("ix_article_audience", "organization_id", "status", "published_at", "pinned"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    summary: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    cover_name: Mapped[str | None] = mapped_column(String(80))
    cover_mime: Mapped[str | None] = mapped_column(String(40))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    published_at: Mapped[datetime | None]
    pinned: Mapped[bool] = mapped_column(default=False)
    points: Mapped[int] = mapped_column(default=0)
    search_key: Mapped[str] = mapped_column(Text, default="", deferred=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()

    @validates("title", "summary")
    def _normalize_text(self, _key, value):
        """Store text in NFC."""
        return nfc(value)

    @validates("body_html")
    def _sanitize(self, _key, value):
        """Rich text is cleaned before it is stored, so it is safe wherever it is shown."""
        return sanitize_html(nfc(value))

    def compute_search_key(self) -> str:
        """Accent-free text searched by the member pages."""
        text = " ".join(filter(None, [self.title, self.summary, html_to_text(self.body_html)]))
        return search_key(text)[:SEARCH_TEXT_LIMIT]

    def __str__(self) -> str:
        return self.title or ""


class DocumentLabels:
    """A document's type and level in Vietnamese, for the model and for the rows a list reads."""

    __slots__ = ()

    @property
    def type_label(self) -> str:
        """The type in Vietnamese."""
        return DOCUMENT_TYPES.get(self.doc_type, self.doc_type)

    @property
    def level_label(self) -> str:
        """The level in Vietnamese."""
        return DOCUMENT_LEVELS.get(self.level, self.level)


class Document(PublishedContent, DocumentLabels, Versioned, db.Model):
    """A party document (văn bản): resolution, regulation, directive... with its files."""

    __tablename__ = "document"
    __table_args__ = (
        Index("ix_document_library", "status", "issued_on"),
        # As for articles: the library's count, oldest year and page ids, and the home's recent items.
        Index("ix_document_audience", "organization_id", "status", "published_at", "issued_on"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(20), index=True)
    number: Mapped[str | None] = mapped_column(String(60), index=True)
    title: Mapped[str] = mapped_column(String(500))
    issuing_body: Mapped[str | None] = mapped_column(String(255))
    issued_on: Mapped[date | None]
    level: Mapped[str] = mapped_column(String(12), default="local", index=True)
    summary: Mapped[str | None] = mapped_column(Text)
    body_text: Mapped[str | None] = mapped_column(Text, deferred=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    published_at: Mapped[datetime | None]
    points: Mapped[int] = mapped_column(default=0)
    search_key: Mapped[str] = mapped_column(Text, default="", deferred=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="Attachment.id"
    )

    @validates("title", "summary", "body_text", "issuing_body")
    def _normalize_text(self, _key, value):
        """Store text in NFC."""
        return nfc(value)

    @validates("number")
    def _normalize_number(self, _key, value):
        """Numbers (số hiệu) are trimmed; an empty one is none."""
        return nfc(value) or None

    def compute_search_key(self, removed=()) -> str:
        """Accent-free text of the title, number, issuer, summary, full text and files' text
        (files in ``removed`` are being deleted and no longer count)."""
        files = " ".join(a.text_content or "" for a in self.attachments if a not in removed)
        text = " ".join(filter(None, [
            self.type_label, self.number, self.title, self.issuing_body, self.summary, self.body_text, files,
        ]))
        return search_key(text)[:SEARCH_TEXT_LIMIT]

    def __str__(self) -> str:
        return f"{self.number} — {self.title}" if self.number else (self.title or "")


class Attachment(db.Model):
    """A file of a document, stored outside static/ under a generated name."""

    __tablename__ = "document_attachment"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    # Text extracted from a PDF, for search; None for other kinds, unreadable PDFs, or not yet extracted.
    text_content: Mapped[str | None] = mapped_column(Text)
    # Extraction runs outside the request (content/extraction.py): pending, done or failed; None when
    # the kind has no text to extract. The time is when it ended, or, while pending, when an
    # extractor took the file.
    text_state: Mapped[str | None] = mapped_column(String(10), index=True)
    text_state_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship(back_populates="attachments")

    __scope__ = through(Document, "document_id")

    def __str__(self) -> str:
        return self.original_name


class ReadMark(db.Model):
    """A member has read an article or a document (once; the first time is kept)."""

    __tablename__ = "read_mark"
    __table_args__ = (
        UniqueConstraint("member_id", "document_id", name="uq_read_mark_member_document"),
        UniqueConstraint("member_id", "article_id", name="uq_read_mark_member_article"),
        CheckConstraint("(document_id IS NULL) <> (article_id IS NULL)", name="one_item"),
        Index("ix_read_mark_read_at", "read_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("article.id", ondelete="CASCADE"), index=True)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship()
    document: Mapped[Document | None] = relationship()
    article: Mapped[Article | None] = relationship()

    __scope__ = by_member("member_id")

    def __str__(self) -> str:
        return f"{self.member_id} → {self.document_id or self.article_id}"


class Bookmark(db.Model):
    """A document a user keeps to read later."""

    __tablename__ = "bookmark"
    __table_args__ = (UniqueConstraint("user_id", "document_id", name="uq_bookmark_user_document"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    document: Mapped[Document] = relationship()

    __scope__ = own_rows("user_id")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.document_id}"


@event.listens_for(Session, "before_flush")
def _refresh_search_keys(session, _context, _instances):
    """Keep each changed article's and document's search key in step with its text and files."""
    removed = {obj for obj in session.deleted if isinstance(obj, Attachment)}
    for obj in list(session.new) + list(session.dirty) + list(removed):
        if isinstance(obj, Attachment):
            obj = obj.document
        if isinstance(obj, Document) and obj not in session.deleted:
            obj.search_key = obj.compute_search_key(removed)
        elif isinstance(obj, Article):
            obj.search_key = obj.compute_search_key()
