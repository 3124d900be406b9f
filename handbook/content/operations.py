"""Business functions of news and documents: the library query, reading, bookmarks, read statistics."""
from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func, select

from handbook.clock import utcnow
from handbook.content.models import Article, Bookmark, Document, ReadMark
from handbook.extensions import dialect_insert
from handbook.organizations.models import Member, Organization
from handbook.scope import Scope, scoped
from handbook.study.operations import award_points
from handbook.text import like_pattern

READ_SOURCE = "read"
# Newest first, the id breaking ties so that pages never overlap.
LIBRARY_ORDER = (Document.issued_on.desc().nulls_last(), Document.id.desc())
FEED_ORDER = (Article.pinned.desc(), Article.published_at.desc(), Article.id.desc())


def reference_of(item) -> str:
    """The ledger reference of an article or a document, e.g. "document:35"."""
    return f"{'document' if isinstance(item, Document) else 'article'}:{item.id}"


def library_query(scope: Scope, doc_type: str | None = None, level: str | None = None,
                  year: int | None = None, q: str | None = None):
    """Published documents ``scope`` may read, filtered, newest first (issue date, then id)."""
    query = scoped(select(Document), Document, scope).where(Document.visible_now())
    if doc_type:
        query = query.where(Document.doc_type == doc_type)
    if level:
        query = query.where(Document.level == level)
    if year:
        query = query.where(Document.issued_on >= date(year, 1, 1), Document.issued_on < date(year + 1, 1, 1))
    for word in (q or "").split()[:8]:
        query = query.where(Document.search_key.like(like_pattern(word), escape="\\"))
    return query.order_by(*LIBRARY_ORDER)


def feed_query(scope: Scope, q: str | None = None):
    """Published articles ``scope`` may read: pinned first, then newest."""
    query = scoped(select(Article), Article, scope).where(Article.visible_now())
    for word in (q or "").split()[:8]:
        query = query.where(Article.search_key.like(like_pattern(word), escape="\\"))
    return query.order_by(*FEED_ORDER)


class PublishingError(ValueError):
    """An item that cannot be saved as it is; the message is for the person who wrote it."""


POINTS_RANGE = (0, 5)  # an item is worth at most 5 points: reading stays one source among several


def prepare_publication(session, item, author, created: bool) -> None:
    """Apply the publishing rules to a news item or document about to be saved by ``author``: a new
    item records its author and is published by the author's own organization unless another was
    chosen; publishing without a time publishes now; its points stay within POINTS_RANGE."""
    if created:
        item.created_by_id = author.id
        if item.organization is None and author.organization_id:
            item.organization = session.get(Organization, author.organization_id)
    if item.status == "published" and item.published_at is None:
        item.published_at = utcnow()
    low, high = POINTS_RANGE
    if item.points is None or not low <= item.points <= high:
        raise PublishingError(f"Điểm đọc phải từ {low} đến {high}.")


def mark_read(session, member_id: int, item) -> tuple[bool, int]:
    """Record that ``member_id`` read ``item`` and award its points once; return (new mark, points awarded).

    Both writes rely on unique constraints, so ten simultaneous clicks make one mark and one award.
    """
    column = "document_id" if isinstance(item, Document) else "article_id"
    result = session.execute(
        dialect_insert(session)(ReadMark)
        .values(member_id=member_id, read_at=utcnow(), **{column: item.id})
        .on_conflict_do_nothing(index_elements=["member_id", column])
        .returning(ReadMark.id)
    ).scalar_one_or_none()
    awarded = award_points(session, member_id, READ_SOURCE, reference_of(item), item.points or 0)
    return result is not None, awarded


def toggle_bookmark(session, user_id: int, document_id: int) -> bool:
    """Add the bookmark if missing, remove it if present; return whether it is now kept."""
    deleted = session.execute(
        delete(Bookmark).where(Bookmark.user_id == user_id, Bookmark.document_id == document_id)
        .returning(Bookmark.id)
    ).first()
    if deleted is not None:
        return False
    session.execute(
        dialect_insert(session)(Bookmark)
        .values(user_id=user_id, document_id=document_id, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["user_id", "document_id"])
    )
    return True


def bookmarks_query(scope: Scope):
    """The user's bookmarked documents they may still read, most recently kept first."""
    query = scoped(select(Document), Document, scope.for_reading()).where(Document.visible_now())
    query = scoped(query.join(Bookmark, Bookmark.document_id == Document.id), Bookmark, scope)
    return query.order_by(Bookmark.created_at.desc(), Bookmark.id.desc())


def read_counts_by_organization(session, scope: Scope, since=None):
    """Per organization in ``scope``'s subtree that has members: (organization, readers, document reads,
    article reads), the busiest first (ties by tree order)."""
    marks = scoped(
        select(
            Member.organization_id.label("org_id"),
            func.count(func.distinct(ReadMark.member_id)).label("readers"),
            func.count(ReadMark.document_id).label("documents"),
            func.count(ReadMark.article_id).label("articles"),
        ).join(Member, Member.id == ReadMark.member_id),
        ReadMark, scope,
    )
    if since is not None:
        marks = marks.where(ReadMark.read_at >= since)
    marks = marks.group_by(Member.organization_id).subquery()
    rows = session.execute(
        select(Organization, marks.c.readers, marks.c.documents, marks.c.articles)
        .join(marks, marks.c.org_id == Organization.id)
        .order_by((marks.c.documents + marks.c.articles).desc(), Organization.path)
        .limit(500)
    ).all()
    return rows


def top_read_documents(session, scope: Scope, limit: int = 20):
    """The documents most read by members in ``scope``: (document, readers)."""
    marks = scoped(
        select(ReadMark.document_id, func.count().label("readers")).where(ReadMark.document_id.is_not(None)),
        ReadMark, scope,
    ).group_by(ReadMark.document_id).subquery()
    return session.execute(
        select(Document, marks.c.readers).join(marks, marks.c.document_id == Document.id)
        .order_by(marks.c.readers.desc(), Document.id.desc()).limit(limit)
    ).all()
