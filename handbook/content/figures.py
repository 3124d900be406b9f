"""Reading's monthly figures: documents and news read, and reading as a use of the handbook."""
from __future__ import annotations

from sqlalchemy import func, select

from handbook.content.models import ReadMark
from handbook.registry import Figure, MonthContext

GROUP = "Đọc tài liệu, tin tức"
FIGURES = [
    Figure("documents_read", "Lượt đọc tài liệu", GROUP, headline=True),
    Figure("articles_read", "Lượt đọc tin tức", GROUP),
]


def monthly_figures(ctx: MonthContext):
    """(key, organization id, count) of the documents and articles the members read in the month."""
    members = ctx.members
    query = (select(members.c.organization_id,
                    func.count(ReadMark.document_id), func.count(ReadMark.article_id))
             .join(ReadMark, ReadMark.member_id == members.c.member_id)
             .where(ReadMark.read_at >= ctx.start, ReadMark.read_at < ctx.end)
             .group_by(members.c.organization_id))
    for org_id, documents, articles in ctx.session.execute(query):
        yield "documents_read", org_id, documents
        yield "articles_read", org_id, articles


def readers(ctx: MonthContext):
    """The members who read a document or an article during the month."""
    return select(ReadMark.member_id).where(ReadMark.read_at >= ctx.start, ReadMark.read_at < ctx.end)
