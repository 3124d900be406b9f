"""News and party documents: who reads what, safe rich text, checked uploads, accent-free search."""
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from content_support import attach, docx_bytes, make_article, make_document, pdf_bytes, png_bytes
from handbook.clock import utcnow
from handbook.content.models import Article, Attachment, Document, ReadMark
from handbook.study.models import PointEntry
from support import csrf_token


# Each test stores its uploads in its own folder.
pytestmark = pytest.mark.usefixtures("upload_folder")


def library_titles(client, **params):
    """The titles listed on the library page for ``params``."""
    html = client.get("/documents/", query_string=params).get_data(as_text=True)
    return re.findall(r'<h2><a href="/documents/\d+">([^<]+)</a></h2>', html)


# -- who reads what -------------------------------------------------------------------------------

def test_member_sees_path_to_root_but_not_another_committee(app, client, auth, tree):
    """Does a member in committee C1 see the Trung ương and province documents and their own
    committee's, but never committee C2's local documents?"""
    central = make_document(app, tree["P"], "Nghị quyết trung ương AA1", level="central")
    province = make_document(app, tree["P"], "Nghị quyết tỉnh AA1", level="province")
    own = make_document(app, tree["C1"], "Văn bản huyện Một AA1")
    grassroots = make_document(app, tree["G1"], "Văn bản xã Một AA1")
    other = make_document(app, tree["C2"], "Văn bản huyện Hai AA1")
    other_below = make_document(app, tree["G2"], "Văn bản xã Hai AA1")
    sibling_branch = make_document(app, tree["B2"], "Văn bản chi bộ B2 AA1")
    auth.login(tree["member"])
    titles = library_titles(client, q="AA1")
    assert set(titles) == {central.title, province.title, own.title, grassroots.title}
    for doc in (other, other_below, sibling_branch):
        assert client.get(f"/documents/{doc.id}").status_code == 404
    assert client.get(f"/documents/{central.id}").status_code == 200


def test_member_news_feed_is_limited_the_same_way(app, client, auth, tree):
    """Does the news feed show province and own-committee news, pinned first, and not another committee's?"""
    old = make_article(app, tree["P"], "Tin tỉnh cũ BB2", published_at=utcnow() - timedelta(days=3))
    pinned = make_article(app, tree["P"], "Tin tỉnh ghim BB2", pinned=True, published_at=utcnow() - timedelta(days=5))
    own = make_article(app, tree["G1"], "Tin xã Một BB2")
    other = make_article(app, tree["C2"], "Tin huyện Hai BB2")
    auth.login(tree["member"])
    html = client.get("/news/?q=bb2").get_data(as_text=True)
    titles = re.findall(r'<h2><a href="/news/\d+">([^<]+)</a></h2>', html)
    assert titles == [pinned.title, own.title, old.title]
    assert client.get(f"/news/{other.id}").status_code == 404


def test_drafts_and_scheduled_items_wait(app, client, auth, tree):
    """Are a draft and an item scheduled for tomorrow hidden from members until their time?"""
    draft = make_document(app, tree["P"], "Bản nháp CC3", status="draft")
    later = make_document(app, tree["P"], "Hẹn giờ CC3", published_at=utcnow() + timedelta(days=1))
    news_later = make_article(app, tree["P"], "Tin hẹn giờ CC3", published_at=utcnow() + timedelta(days=1))
    auth.login(tree["member"])
    assert library_titles(client, q="CC3") == []
    assert client.get(f"/documents/{draft.id}").status_code == 404
    assert client.get(f"/documents/{later.id}").status_code == 404
    assert client.get(f"/news/{news_later.id}").status_code == 404


def test_committee_staff_read_above_and_below(app, client, auth, tree):
    """Does committee staff of C1 read the province's, their own and their subtree's documents, not C2's?"""
    mine = {
        make_document(app, tree["P"], "Tỉnh DD4").title,
        make_document(app, tree["C1"], "Huyện Một DD4").title,
        make_document(app, tree["B2"], "Chi bộ B2 DD4").title,
    }
    make_document(app, tree["C2"], "Huyện Hai DD4")
    auth.login(tree["committee"])
    assert set(library_titles(client, q="dd4")) == mine


def test_anonymous_visitors_are_sent_to_login(client, tree):
    """Are the library and the feed closed to visitors who have not logged in?"""
    assert client.get("/documents/").status_code == 302
    assert client.get("/news/").status_code == 302


# -- search, filters, paging -----------------------------------------------------------------------

def test_search_without_accents(app, client, auth, tree):
    """Does "nghi quyet" find "Nghị quyết" and "dang" find "Đảng", in the title, number or text?"""
    by_title = make_document(app, tree["P"], "Nghị quyết về công tác EE5", doc_type="regulation", number="EE5-QĐ/TU")
    by_body = make_document(app, tree["P"], "Văn bản EE5 thứ hai", doc_type="plan", body_text="Xây dựng Đảng trong sạch")
    by_number = make_document(app, tree["P"], "Văn bản EE5 thứ ba", doc_type="notice", number="35-NQ/TW EE5")
    auth.login(tree["member"])
    assert library_titles(client, q="nghi quyet ee5") == [by_title.title]
    assert library_titles(client, q="DANG ee5") == [by_body.title]
    assert library_titles(client, q="35-nq/tw") and by_number.title in library_titles(client, q="35-nq/tw ee5")
    # Wildcards typed by a person are literal.
    assert library_titles(client, q="%ee5") == []


def test_filters_and_newest_first_with_paging(app, client, auth, tree):
    """Do type, level and year filter the library, newest issue date first, 20 a page?"""
    from datetime import date

    for i in range(23):
        make_document(app, tree["P"], f"Hướng dẫn FF6 số {i:02d}", doc_type="guidance", level="province",
                      issued_on=date(2023, 1, 1) + timedelta(days=i))
    make_document(app, tree["P"], "Chỉ thị FF6", doc_type="directive", level="central", issued_on=date(2022, 6, 1))
    auth.login(tree["member"])
    first = library_titles(client, q="ff6", type="guidance")
    assert len(first) == 20 and first[0] == "Hướng dẫn FF6 số 22"
    assert library_titles(client, q="ff6", type="guidance", page=2) == ["Hướng dẫn FF6 số 02", "Hướng dẫn FF6 số 01", "Hướng dẫn FF6 số 00"]
    assert library_titles(client, q="ff6", level="central") == ["Chỉ thị FF6"]
    assert library_titles(client, q="ff6", year=2022) == ["Chỉ thị FF6"]
    assert len(library_titles(client, q="ff6", year="không phải năm")) == 20
    page = client.get("/documents/?q=ff6&type=guidance").get_data(as_text=True)
    assert "page=2" in page and "q=ff6" in page


# -- rich text ------------------------------------------------------------------------------------

XSS_TITLE = '<script>alert("t")</script><img src=x onerror=alert(1)>'
XSS_BODY = ('<p onclick="alert(1)">Chào <b>đồng chí</b></p><script>alert(2)</script>'
            '<a href="javascript:alert(3)">bấm</a><a href="https://dangcongsan.vn">Báo Đảng</a>'
            '<iframe src="https://evil.example"></iframe><style>body{display:none}</style>'
            '<img src="x" onerror="alert(4)"><svg onload="alert(5)"></svg>')


def test_xss_in_title_and_body_renders_harmless(app, client, auth, tree):
    """Do script, event handlers and javascript: links in a title or body come out harmless?"""
    article = make_article(app, tree["P"], XSS_TITLE, body_html=XSS_BODY, summary=XSS_TITLE)
    doc = make_document(app, tree["P"], XSS_TITLE, summary=XSS_TITLE, body_text=XSS_BODY)
    auth.login(tree["member"])
    for url in (f"/news/{article.id}", f"/documents/{doc.id}", "/news/", "/documents/"):
        # The layout's own icons are inline SVG (class "icon"): look at the page without them.
        html = re.sub(r'(?s)<svg class="icon".*?</svg>', "", client.get(url).get_data(as_text=True))
        assert "<script>alert" not in html and "<iframe" not in html and "<svg" not in html, url
        assert not re.search(r"<[^>]+\son\w+=", html), url
        assert 'href="javascript:' not in html, url
    html = client.get(f"/news/{article.id}").get_data(as_text=True)
    assert "<b>đồng chí</b>" in html
    assert '<a href="https://dangcongsan.vn" rel="noopener noreferrer">Báo Đảng</a>' in html
    assert "&lt;script&gt;" in html  # the title is shown as text


def test_admin_saves_sanitized_body(app, client, auth, tree, dbq):
    """When committee staff save an article with a script in its body, is the stored body clean?"""
    auth.login(tree["committee"])
    token = csrf_token(client, "/admin/article/new/")
    response = client.post("/admin/article/new/", data={
        "csrf_token": token, "title": "Tin có mã độc GG7", "summary": "", "body_html": XSS_BODY,
        "organization": str(tree["C1"].id), "status": "published", "published_at": "", "points": "1",
    })
    assert response.status_code == 302, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))[-1500:]
    body = dbq(lambda s: s.execute(select(Article.body_html).where(Article.title == "Tin có mã độc GG7")).scalar_one())
    assert "script" not in body and "onerror" not in body and "javascript" not in body and "iframe" not in body
    assert "<b>đồng chí</b>" in body


# -- publishing in the back office -----------------------------------------------------------------

def _new_document(client, title, org, files=(), **fields):
    """Post the admin's new-document form with ``files`` [(bytes, name)]."""
    token = csrf_token(client, "/admin/document/new/")
    data = {
        "csrf_token": token, "doc_type": "resolution", "number": "", "title": title, "issuing_body": "",
        "issued_on": "2025-03-01", "level": "local", "summary": "", "body_text": "", "organization": str(org.id),
        "status": "published", "published_at": "", "points": "2",
    }
    data.update(fields)
    if files:
        data["files"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post("/admin/document/new/", data=data, content_type="multipart/form-data")


def extract_now(app):
    """Run the text extraction job, as the scheduler does."""
    from handbook.jobs import run_job

    with app.app_context():
        return run_job("extract-text")


def test_committee_publishes_with_files_and_pdf_text_is_searchable(app, client, auth, tree, dbq, upload_folder):
    """Can committee staff publish a document with a PDF, a DOCX and an image, stored outside static/
    under generated names, with the PDF's text found by search once extracted?"""
    auth.login(tree["committee"])
    response = _new_document(client, "Kế hoạch có tệp HH8", tree["G1"], files=[
        (pdf_bytes("Chuyen doi so ZQXW"), "kế hoạch.pdf"), (docx_bytes(), "phụ lục.docx"), (png_bytes(), "ảnh.png"),
    ])
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    extract_now(app)
    files = dbq(lambda s: [(a.kind, a.original_name, a.stored_name, a.text_content) for a in
                           s.execute(select(Attachment).join(Document).where(Document.title == "Kế hoạch có tệp HH8")).scalars()])
    assert sorted(f[0] for f in files) == ["docx", "pdf", "png"]
    pdf = next(f for f in files if f[0] == "pdf")
    assert "ZQXW" in pdf[3] and pdf[1] == "kế hoạch.pdf"
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", pdf[2]) and (upload_folder / pdf[2]).exists()
    auth.logout()
    auth.login(tree["member"])
    assert library_titles(client, q="zqxw") == ["Kế hoạch có tệp HH8"]


def test_fake_pdf_is_refused(app, client, auth, tree, dbq, upload_folder):
    """Is a file named .pdf whose content is not a PDF refused, with nothing saved?"""
    auth.login(tree["committee"])
    response = _new_document(client, "Tài liệu giả II9", tree["C1"], files=[(b"MZ\x90\x00 not a pdf", "nghi-quyet.pdf")])
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "không đúng định dạng" in html
    assert dbq(lambda s: s.execute(select(Document.id).where(Document.title == "Tài liệu giả II9")).first()) is None
    assert not upload_folder.exists() or list(upload_folder.iterdir()) == []
    # A PNG renamed to .docx is refused too: the kind comes from the content, not the name.
    response = _new_document(client, "Tài liệu giả II9", tree["C1"], files=[(b"\x89PNG\r\n\x1a\nbroken", "anh.png")])
    assert "không đúng định dạng" in response.get_data(as_text=True)


def test_oversize_upload_gets_413_in_vietnamese_and_keeps_saved_data(app, client, auth, tree, dbq, monkeypatch):
    """Does an upload over the size limit get 413 with a Vietnamese message, leaving the saved document as it was?"""
    doc = make_document(app, tree["C1"], "Tài liệu đã lưu JJ10")
    auth.login(tree["committee"])
    token = csrf_token(client, f"/admin/document/edit/?id={doc.id}")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 100_000)
    response = client.post(f"/admin/document/edit/?id={doc.id}", data={
        "csrf_token": token, "title": "Đổi tên JJ10", "doc_type": "resolution", "level": "local",
        "organization": str(tree["C1"].id), "status": "published", "points": "2",
        "files": [(io.BytesIO(b"%PDF-1.4\n" + b"0" * 200_000), "lon.pdf")],
    }, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "quá lớn" in response.get_data(as_text=True)
    assert dbq(lambda s: s.get(Document, doc.id).title) == "Tài liệu đã lưu JJ10"


def test_committee_cannot_publish_for_another_committee(app, client, auth, tree, dbq):
    """Is committee staff of C1 refused when publishing as committee C2?"""
    auth.login(tree["committee"])
    response = _new_document(client, "Ngoài phạm vi KK11", tree["C2"])
    assert response.status_code == 200
    assert dbq(lambda s: s.execute(select(Document.id).where(Document.title == "Ngoài phạm vi KK11")).first()) is None


def test_secretary_publishes_for_their_branch_only(app, client, auth, tree, dbq):
    """Does a secretary see and publish their branch's documents, and not the committee's?"""
    committee_doc = make_document(app, tree["C1"], "Của huyện LL12")
    auth.login(tree["secretary"])
    assert _new_document(client, "Của chi bộ LL12", tree["B1"]).status_code == 302
    listing = client.get("/admin/document/?search=LL12").get_data(as_text=True)
    assert "Của chi bộ LL12" in listing and "Của huyện LL12" not in listing
    assert client.get(f"/admin/document/edit/?id={committee_doc.id}").status_code == 404


def test_member_cannot_enter_the_content_back_office(client, auth, tree):
    """Is a member refused the news and documents screens?"""
    auth.login(tree["member"])
    assert client.get("/admin/document/").status_code == 403
    assert client.get("/admin/reads/").status_code == 403


# -- files -----------------------------------------------------------------------------------------

def test_download_is_an_attachment_with_nosniff(app, client, auth, tree):
    """Is a file sent as an attachment under its own name, with nosniff, to a member who may read it?"""
    doc = make_document(app, tree["G1"], "Có tệp MM13")
    data = pdf_bytes("hello")
    f = attach(app, doc, data, name="Nghị quyết.pdf")
    auth.login(tree["member"])
    response = client.get(f"/documents/{doc.id}/files/{f.id}")
    assert response.status_code == 200 and response.data == data
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "Ngh%E1%BB%8B%20quy%E1%BA%BFt.pdf" in response.headers["Content-Disposition"]
    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert f"/documents/{doc.id}/files/{f.id}" in page


def test_out_of_scope_download_is_404(app, client, auth, tree):
    """Is another committee's file a 404 to a member, even with a correct id, and a file under another document too?"""
    other = make_document(app, tree["C2"], "Tệp huyện Hai NN14")
    f = attach(app, other, pdf_bytes("secret"))
    mine = make_document(app, tree["P"], "Tỉnh NN14")
    auth.login(tree["member"])
    assert client.get(f"/documents/{other.id}/files/{f.id}").status_code == 404
    assert client.get(f"/documents/{mine.id}/files/{f.id}").status_code == 404


# -- reading, points, bookmarks --------------------------------------------------------------------

def test_reading_awards_points_once(app, client, auth, tree, dbq):
    """Does "Đã đọc" on a document worth 3 points add 3 points once, however often it is clicked?"""
    doc = make_document(app, tree["P"], "Đọc lấy điểm OO15", points=3)
    member_id = tree["member"].member_id
    auth.login(tree["member"])
    token = csrf_token(client, f"/documents/{doc.id}")
    before = dbq(lambda s: s.execute(select(PointEntry.points).where(PointEntry.member_id == member_id)).scalars().all())
    for _ in range(3):
        response = client.post(f"/documents/{doc.id}/read", data={"csrf_token": token})
        assert response.status_code == 302
    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "Bạn đã đọc" in page
    after = dbq(lambda s: s.execute(select(PointEntry.points).where(PointEntry.member_id == member_id)).scalars().all())
    assert sum(after) - sum(before) == 3
    assert dbq(lambda s: len(s.execute(select(ReadMark).where(ReadMark.document_id == doc.id)).all())) == 1
    assert re.search(r'data-testid="points-total">(\d+)<', page).group(1) == str(sum(after))


def test_reading_needs_a_csrf_token(app, client, auth, tree):
    """Is a "read" POST without a CSRF token refused?"""
    doc = make_document(app, tree["P"], "Không token PP16")
    auth.login(tree["member"])
    assert client.post(f"/documents/{doc.id}/read").status_code == 400
    article = make_article(app, tree["P"], "Tin không token PP16")
    assert client.post(f"/news/{article.id}/read").status_code == 400


def test_reading_an_article_as_json(app, client, auth, tree):
    """Does a script get the awarded points and the new total as JSON?"""
    article = make_article(app, tree["G1"], "Tin JSON QQ17", points=2)
    auth.login(tree["member"])
    token = csrf_token(client, f"/news/{article.id}")
    first = client.post(f"/news/{article.id}/read", data={"csrf_token": token}, headers={"Accept": "application/json"}).get_json()
    second = client.post(f"/news/{article.id}/read", data={"csrf_token": token}, headers={"Accept": "application/json"}).get_json()
    assert first["awarded"] == 2 and second["awarded"] == 0 and second["total"] == first["total"]


def test_bookmarks(app, client, auth, tree):
    """Can a member keep a document to read later, see it in their list, and remove it?"""
    doc = make_document(app, tree["P"], "Đọc sau RR18")
    auth.login(tree["member"])
    token = csrf_token(client, f"/documents/{doc.id}")
    client.post(f"/documents/{doc.id}/bookmark", data={"csrf_token": token})
    assert "Đọc sau RR18" in client.get("/bookmarks").get_data(as_text=True)
    client.post(f"/documents/{doc.id}/bookmark", data={"csrf_token": token})
    assert "Đọc sau RR18" not in client.get("/bookmarks").get_data(as_text=True)
    other = make_document(app, tree["C2"], "Ngoài phạm vi RR18")
    assert client.post(f"/documents/{other.id}/bookmark", data={"csrf_token": token}).status_code == 404


def test_admin_sees_read_counts_by_organization(app, client, auth, tree):
    """After a member reads, does committee staff see the read counted under the member's branch?"""
    doc = make_document(app, tree["C1"], "Thống kê SS19")
    auth.login(tree["member"])
    client.post(f"/documents/{doc.id}/read", data={"csrf_token": csrf_token(client, f"/documents/{doc.id}")})
    auth.logout()
    auth.login(tree["committee"])
    html = client.get("/admin/reads/").get_data(as_text=True)
    assert "Chi bộ B1" in html and "Thống kê SS19" in html
    assert "Chi bộ B3" not in html
    listing = client.get("/admin/readmark/").get_data(as_text=True)
    assert "Thống kê SS19" in listing


def test_cover_image_checked_and_served(app, client, auth, tree, dbq):
    """Is an article's cover checked by content (a PDF named .png refused) and served to readers with nosniff?"""
    auth.login(tree["committee"])
    form = {"title": "Tin có ảnh TT20", "summary": "", "body_html": "<p>x</p>", "organization": str(tree["C1"].id),
            "status": "published", "published_at": "", "points": "0"}
    bad = client.post("/admin/article/new/", data={**form, "csrf_token": csrf_token(client, "/admin/article/new/"),
                      "cover_upload": (io.BytesIO(pdf_bytes("x")), "anh.png")}, content_type="multipart/form-data")
    assert "không đúng định dạng" in bad.get_data(as_text=True)
    good = client.post("/admin/article/new/", data={**form, "csrf_token": csrf_token(client, "/admin/article/new/"),
                       "cover_upload": (io.BytesIO(png_bytes()), "anh.png")}, content_type="multipart/form-data")
    assert good.status_code == 302
    article_id = dbq(lambda s: s.execute(select(Article.id).where(Article.title == "Tin có ảnh TT20")).scalar_one())
    auth.logout()
    auth.login(tree["member"])
    response = client.get(f"/news/{article_id}/cover")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_removing_a_file_removes_its_text_from_search(app, client, auth, tree, dbq):
    """When committee staff delete a document's PDF, does its text stop finding the document?"""
    auth.login(tree["committee"])
    assert _new_document(client, "Tệp bị xóa UU21", tree["C1"], files=[(pdf_bytes("Vanished XKCDQ"), "a.pdf")]).status_code == 302
    extract_now(app)
    file_id = dbq(lambda s: s.execute(select(Attachment.id).join(Document).where(Document.title == "Tệp bị xóa UU21")).scalar_one())
    key = dbq(lambda s: s.execute(select(Document.search_key).where(Document.title == "Tệp bị xóa UU21")).scalar_one())
    assert "xkcdq" in key
    token = csrf_token(client, "/admin/attachment/")
    assert client.post("/admin/attachment/delete/", data={"id": str(file_id), "csrf_token": token}).status_code == 302
    key = dbq(lambda s: s.execute(select(Document.search_key).where(Document.title == "Tệp bị xóa UU21")).scalar_one())
    assert "xkcdq" not in key and "tep bi xoa" in key


def test_back_office_screens_open(app, client, auth, tree):
    """Do the news, documents, files, reads, statistics and points-rule screens open for the admin?"""
    doc = make_document(app, tree["P"], "Màn hình VV22")
    attach(app, doc, pdf_bytes("x"), name="vv22.pdf")
    article = make_article(app, tree["P"], "Tin màn hình VV22")
    auth.login(tree["admin"])
    for url in ("/admin/article/", "/admin/article/new/", f"/admin/article/edit/?id={article.id}",
                "/admin/document/", "/admin/document/new/", f"/admin/document/details/?id={doc.id}",
                "/admin/attachment/", "/admin/readmark/", "/admin/reads/", "/admin/pointrule/",
                "/admin/pointrule/new/", "/admin/document/export/csv/"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "vv22.pdf" in client.get(f"/admin/document/details/?id={doc.id}").get_data(as_text=True)


def test_committee_cannot_edit_point_rules(client, auth, tree):
    """Are the points rules closed to committee staff?"""
    auth.login(tree["committee"])
    assert client.get("/admin/pointrule/").status_code == 403
