"""What the member pages of news and documents read: only the columns a page shows, in as few
statements as it needs, the library's and the feed's totals counted on the audience indexes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, false, func, select
from sqlalchemy.orm import joinedload, undefer

from handbook.content.models import Article, Attachment, Bookmark, Document, DocumentLabels, ReadMark
from handbook.content.operations import FEED_ORDER, LIBRARY_ORDER, feed_query, library_query
from handbook.organizations.models import Organization
from handbook.paging import Page
from handbook.scope import Scope, scoped_select


@dataclass(frozen=True, slots=True)
class ListedDocument(DocumentLabels):
    """A document as the library lists it."""

    id: int
    doc_type: str
    number: str | None
    title: str
    level: str
    issued_on: date | None


@dataclass(frozen=True, slots=True)
class Publisher:
    """The organization that published an article, as the feed names it."""

    name: str


@dataclass(frozen=True, slots=True)
class ListedArticle:
    """An article as the news feed lists it: no body."""

    id: int
    title: str
    summary: str | None
    cover_name: str | None
    pinned: bool
    published_at: datetime
    organization: Publisher


def read_flag(model, member_id: int | None):
    """SQL, per row of ``model`` (articles or documents): has ``member_id`` marked it read?"""
    column = ReadMark.document_id if model is Document else ReadMark.article_id
    return exists().where(ReadMark.member_id == member_id, column == model.id) if member_id else false()


def _page_rows(session, matching, model, order, columns, page: int, per_page: int, searched: bool,
               join=None) -> tuple[list, int]:
    """The ``columns`` of one page of ``matching`` (a filtered, ordered select of ``model``) and its total.

    The page's ids and the total are chosen first, then only the page's rows are read. A text search
    reads every candidate row anyway, so it counts them as it goes (a window count); otherwise the
    total and the ids come from the audience index alone. Sorting every visible row whole with its
    window count, as one ORM select did, took 2.0 ms of SQL for a province member's library; this 0.3 ms.
    """
    total = (func.count().over() if searched
             else matching.with_only_columns(func.count()).order_by(None).scalar_subquery())
    chosen = (matching.with_only_columns(model.id.label("id"), total.label("total"))
              .limit(per_page).offset((page - 1) * per_page).subquery())
    query = select(*columns, chosen.c.total).join_from(chosen, model, model.id == chosen.c.id)
    if join is not None:
        query = query.join(*join)
    rows = session.execute(query.order_by(*order)).all()
    if rows:
        return [row[:-1] for row in rows], rows[0][-1]
    # Past the last page: count, so the pager can lead back.
    return [], session.execute(matching.with_only_columns(func.count()).order_by(None)).scalar_one()


def _searched(q: str | None) -> bool:
    """Does ``q`` hold a word to search for?"""
    return bool((q or "").split())


def library_page(session, scope: Scope, member_id: int | None, page: int, per_page: int,
                 doc_type: str | None = None, level: str | None = None, year: int | None = None,
                 q: str | None = None) -> tuple[Page, set[int], date | None]:
    """One page of the library as ``library_query`` filters and orders it, with the total; which of its
    documents ``member_id`` has read; the oldest issue date of all the documents ``scope`` may read
    (the year filter starts there)."""
    matching = library_query(scope, doc_type, level, year, q)
    # Unfiltered, the page's own select is the reader's whole library.
    everything = matching if not (doc_type or level or year or _searched(q)) else library_query(scope)
    oldest = everything.with_only_columns(func.min(Document.issued_on)).order_by(None)
    columns = (Document.id, Document.doc_type, Document.number, Document.title, Document.level,
               Document.issued_on, read_flag(Document, member_id), oldest.scalar_subquery())
    rows, total = _page_rows(session, matching, Document, LIBRARY_ORDER, columns, page, per_page, _searched(q))
    items = [ListedDocument(*row[:-2]) for row in rows]
    seen = {row[0] for row in rows if row[-2]}
    first = rows[0][-1] if rows else session.execute(oldest).scalar()
    return Page(items, page, per_page, total), seen, first


def feed_page(session, scope: Scope, member_id: int | None, page: int, per_page: int,
              q: str | None = None) -> tuple[Page, set[int]]:
    """One page of the news feed as ``feed_query`` filters and orders it, with the total, and which of
    its articles ``member_id`` has read."""
    columns = (Article.id, Article.title, Article.summary, Article.cover_name, Article.pinned, Article.published_at,
               Organization.name, read_flag(Article, member_id))
    rows, total = _page_rows(session, feed_query(scope, q), Article, FEED_ORDER, columns, page, per_page,
                             _searched(q), join=(Organization, Organization.id == Article.organization_id))
    items = [ListedArticle(*row[:-2], Publisher(row[-2])) for row in rows]
    return Page(items, page, per_page, total), {row[0] for row in rows if row[-1]}


def reading(session, model, ident: int, scope: Scope, member_id: int | None, user_id: int | None):
    """An article or document in ``scope`` with its publisher (a document with its full text and files),
    whether ``member_id`` read it and whether ``user_id`` keeps it to read later (documents): (item,
    read, kept), or None when ``scope`` may not see it."""
    options = [joinedload(model.organization).load_only(Organization.name)]
    kept = false()
    if model is Document:
        # The files' names and sizes in the same statement, not the text read out of them for search.
        files = joinedload(Document.attachments).load_only(
            Attachment.id, Attachment.document_id, Attachment.original_name, Attachment.kind, Attachment.size)
        options += [undefer(Document.body_text), files]
        if user_id:
            kept = exists().where(Bookmark.user_id == user_id, Bookmark.document_id == Document.id)
    query = scoped_select(model, scope).add_columns(read_flag(model, member_id), kept)
    # A row per file: unique() folds them back into the document.
    return session.execute(query.options(*options).where(model.id == ident)).unique().first()
