"""What the member home lists under "Hôm nay" from reading: points toward the yearly target and new items."""
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import func, select

from handbook.auth.scope import Scope
from handbook.content.models import Article, Document, ReadMark
from handbook.content.operations import feed_query, library_query
from handbook.extensions import db
from handbook.organizations.models import utcnow
from handbook.study.operations import LOCAL_OFFSET, member_year_total

NEW_DAYS = 30  # a document or article counts as new for a month


def _unread(query, model, column, member_id):
    """``query`` limited to items published in the last month that ``member_id`` has not marked read."""
    read = select(column).where(ReadMark.member_id == member_id, column.is_not(None))
    return query.where(model.published_at >= utcnow() - timedelta(days=NEW_DAYS), model.id.not_in(read))


def reading_today(user) -> list[dict]:
    """Points still missing toward the yearly target, then new documents and the newest unread article."""
    if not user.member_id:
        return []
    scope = Scope.for_user(user).for_reading()
    items = []
    year = (utcnow() + LOCAL_OFFSET).year
    points = member_year_total(db.session, user.member_id, year)
    target = current_app.config["POINTS_YEARLY_TARGET"]
    if points < target:
        items.append({"text": f"Điểm tích lũy năm {year}: {points}/{target} — còn {target - points} điểm để đạt chỉ tiêu",
                      "url": url_for("content.library")})
    else:
        items.append({"text": f"Điểm tích lũy năm {year}: {points} — đã đạt chỉ tiêu {target} điểm",
                      "url": url_for("content.library")})
    # Only the columns the home shows: no ORDER BY for the count, no article bodies.
    documents = _unread(library_query(scope), Document, ReadMark.document_id, user.member_id)
    count = db.session.execute(documents.with_only_columns(func.count(Document.id)).order_by(None)).scalar_one()
    if count:
        items.append({"text": f"{count} tài liệu mới chưa đọc", "url": url_for("content.library")})
    article = db.session.execute(
        _unread(feed_query(scope), Article, ReadMark.article_id, user.member_id)
        .with_only_columns(Article.id, Article.title).limit(1)
    ).first()
    if article is not None:
        items.append({"text": f"Tin mới: {article.title}", "url": url_for("content.article", id=article.id)})
    return items
