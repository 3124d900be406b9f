"""What the member home lists under "Hôm nay" from reading: new documents and the newest unread article."""
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import func, select, text

from handbook.cache import kept
from handbook.clock import utcnow
from handbook.content.models import Article, Document, ReadMark
from handbook.content.operations import feed_query, library_query
from handbook.extensions import db
from handbook.scope import Scope

NEW_DAYS = 30  # a document or article counts as new for a month

# The newest read mark of a member: any reading changes it, in any process.
_VERSION = text("SELECT max(id) FROM read_mark WHERE member_id = :m")


def _unread(query, model, column, member_id):
    """``query`` limited to items published in the last month that ``member_id`` has not marked read."""
    read = select(column).where(ReadMark.member_id == member_id, column.is_not(None))
    return query.where(model.published_at >= utcnow() - timedelta(days=NEW_DAYS), model.id.not_in(read))


def reading_today(user) -> list[dict]:
    """New documents and the newest unread article.

    Counting unread items over the whole audience is most of the member home's cost, so the result is
    kept per member for TODAY_CACHE_SECONDS. The key holds the member's newest read mark, so their own
    reading shows at once in every process; what others publish shows within the TTL.
    """
    if not user.member_id:
        return []
    scope = Scope.for_user(user).for_reading()
    seconds = current_app.config.get("TODAY_CACHE_SECONDS", 60)
    version = db.session.execute(_VERSION, {"m": user.member_id}).scalar() if seconds else None
    items = kept("reading_today", (user.member_id, scope, version),
                 lambda: _reading_items(user.member_id, scope), seconds, maxsize=20_000)
    return [dict(item) for item in items]


def _reading_items(member_id: int, scope: Scope) -> list[dict]:
    """The reading items computed from the database."""
    items = []
    # Only the columns the home shows: no ORDER BY for the count, no article bodies.
    documents = _unread(library_query(scope), Document, ReadMark.document_id, member_id)
    count = db.session.execute(documents.with_only_columns(func.count(Document.id)).order_by(None)).scalar_one()
    if count:
        items.append({"text": f"{count} tài liệu mới chưa đọc", "url": url_for("content.library")})
    article = db.session.execute(
        _unread(feed_query(scope), Article, ReadMark.article_id, member_id)
        .with_only_columns(Article.id, Article.title).limit(1)
    ).first()
    if article is not None:
        items.append({"text": f"Tin mới: {article.title}", "url": url_for("content.article", id=article.id)})
    return items
