"""The content seeders: demo documents and news, and the province's year of reading on a small tree."""
import random
from datetime import date

from sqlalchemy import func, select

from content_support import reading_faults
from handbook.content.models import Article, Document, ReadMark
from handbook.content.seed import seed_content_activity, seed_demo_content
from handbook.extensions import db
from handbook.organizations.models import Member, Organization
from handbook.seed.thaibinh import ActivityContext
from handbook.study.models import PointEntry


def _small_context(session, tree, seed=3):
    """The tree fixture (P, C1, C2, G1, G2, B1–B3) and its members as the province seeder would hand them over."""
    ctx = ActivityContext(rng=random.Random(seed), start=date(2025, 1, 1), end=date(2025, 12, 31))
    low, high = Organization.subtree_clause(session.get(Organization, tree["P"].id).path).clauses
    for oid, path, kind, name in session.execute(
        select(Organization.id, Organization.path, Organization.kind, Organization.name)
        .where(low, high).order_by(Organization.path)
    ):
        ctx.org_ids.append(oid)
        ctx.org_paths.append(path)
        ctx.org_kinds.append(kind)
        ctx.org_names.append(name)
    for mid, oid in session.execute(
        select(Member.id, Member.organization_id).where(Member.organization_id.in_(ctx.org_ids)).order_by(Member.id)
    ):
        ctx.member_ids.append(mid)
        ctx.member_branch_ids.append(oid)
    return ctx


def test_activity_reads_only_what_each_member_may_see(app, tree):
    """Does the province seeder's reading stay within each member's audience, once per item, with the ledger in step?"""
    with app.app_context():
        session = db.session
        ctx = _small_context(session, tree)
        before_docs = session.execute(select(func.max(Document.id))).scalar() or 0
        before_marks = session.execute(select(func.max(ReadMark.id))).scalar() or 0
        before_points = session.execute(select(func.max(PointEntry.id))).scalar() or 0
        counts = seed_content_activity(session, ctx, documents=60, articles=80, reader_share=1.0, reads_per_month=1)
        assert counts["documents"] == 60 and counts["articles"] == 80
        docs = session.execute(select(Document.level, Document.organization_id).where(Document.id > before_docs)).all()
        assert {level for level, _ in docs} == {"central", "province", "local"}
        assert all(org == tree["P"].id for level, org in docs if level in ("central", "province"))

        paths = dict(zip(ctx.org_ids, ctx.org_paths))
        branch_of = dict(zip(ctx.member_ids, ctx.member_branch_ids))
        publisher = {("d", i): o for i, o in session.execute(select(Document.id, Document.organization_id))}
        publisher.update({("a", i): o for i, o in session.execute(select(Article.id, Article.organization_id))})
        marks = session.execute(
            select(ReadMark.member_id, ReadMark.document_id, ReadMark.article_id).where(ReadMark.id > before_marks)
        ).all()
        assert len(marks) >= len(ctx.member_ids)  # everyone reads, about one item a month
        for member_id, doc_id, article_id in marks:
            org = publisher[("d", doc_id) if doc_id else ("a", article_id)]
            assert f"{org:08d}" in paths[branch_of[member_id]], "read outside the member's audience"
        entries = session.execute(
            select(PointEntry.reference).where(PointEntry.id > before_points)
        ).scalars().all()
        read_refs = {f"document:{d}" if d else f"article:{a}" for _, d, a in marks}
        assert entries and set(entries) <= read_refs


def test_demo_content_has_real_documents_and_news(app, tree, client, auth, make):
    """Does the demo seeder publish the vocabulary's real documents (35-NQ/TW...) with a PDF each, that
    a member downloads, and some news?"""
    with app.app_context():
        counts = seed_demo_content(db.session, random.Random(1))
        db.session.commit()
        assert counts["documents"] >= 10 and counts["articles"] >= 6
        doc = db.session.execute(select(Document).where(Document.number == "35-NQ/TW")).scalars().first()
        assert doc is not None and doc.level == "central" and doc.is_visible
        assert "nen tang tu tuong" in doc.search_key
        # Seeded files come with their text: already extracted, so searchable at once.
        assert [(a.original_name, a.text_state) for a in doc.attachments] == [("35-NQ-TW.pdf", "done")]
        file_id, doc_id, publisher = doc.attachments[0].id, doc.id, db.session.get(Organization, doc.organization_id)
    # A member under the publisher, whichever root the seeder took (other modules make roots of their own).
    branch = make.org(publisher, "branch", "Chi bộ Tải Văn Bản")
    auth.login(make.user("member", branch, make.member(branch, "Tải Văn Bản")))
    response = client.get(f"/documents/{doc_id}/files/{file_id}")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert "35-NQ-TW.pdf" in response.headers["Content-Disposition"]


def test_seeded_news_and_documents_read_as_written(app, tree):
    """Do the demo's and the province's news and documents read as a person wrote them: no article opening
    with its own summary, no full text repeating it, every organization named as the tree spells it
    ("Đảng bộ tỉnh Thử", never "đảng bộ tỉnh thử")?"""
    with app.app_context():
        session = db.session
        after_article = session.execute(select(func.coalesce(func.max(Article.id), 0))).scalar_one()
        after_document = session.execute(select(func.coalesce(func.max(Document.id), 0))).scalar_one()
        seed_demo_content(session, random.Random(2))
        seed_content_activity(session, _small_context(session, tree), documents=40, articles=60, reader_share=0.0)
        assert session.execute(select(func.count()).where(Article.id > after_article)).scalar_one() > 60
        assert reading_faults(session, after_article, after_document) == []
