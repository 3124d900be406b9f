"""Uploads don't hold a worker: a PDF's text is extracted after the save, by the scheduler's job or
the CLI, each file in a child process killed past its time bound.

The attack seen: a 12 KB PDF crafted to be slow to extract held the upload request for 57 s.
"""
import io
import os
import re

import pytest
from sqlalchemy import select

from content_support import GREEDY, hanging, pdf_bytes, slow_pdf
from handbook.content.models import Attachment, Document
from support import AuthActions, csrf_token

TEST_EXTRACTOR = "content_support:testing_extractor"
REAL_EXTRACTOR = "handbook.content.extraction:pdf_text"


@pytest.fixture(autouse=True)
def own_folder_and_extractor(app, upload_folder, monkeypatch):
    """Each test stores its uploads in its own folder and reads with the tests' extractor."""
    monkeypatch.setitem(app.config, "TEXT_EXTRACTOR", TEST_EXTRACTOR)


@pytest.fixture
def reader(app, make, tree):
    """A member of branch B1, logged in, who searches the library."""
    client = app.test_client()
    AuthActions(client).login(make.user("member", tree["B1"], make.member(tree["B1"], "Tìm Theo Chữ")))

    def found(word):
        html = client.get("/documents/", query_string={"q": word})
        assert html.status_code == 200
        return re.findall(r'<h2><a href="/documents/\d+">([^<]+)</a></h2>', html.get_data(as_text=True))

    return found


def _publish(client, title, org, files):
    """Post the admin's new-document form (published at once) with ``files`` [(bytes, name)]."""
    token = csrf_token(client, "/admin/document/new/")
    return client.post("/admin/document/new/", content_type="multipart/form-data", data={
        "csrf_token": token, "doc_type": "resolution", "number": "", "title": title, "issuing_body": "",
        "issued_on": "2025-03-01", "level": "local", "summary": "", "body_text": "", "organization": str(org.id),
        "status": "published", "published_at": "", "points": "1",
        "files": [(io.BytesIO(content), name) for content, name in files],
    })


def _files_of(dbq, title):
    """(kind, text state, has a time, text) of each file of the document called ``title``."""
    return dbq(lambda s: [(a.kind, a.text_state, a.text_state_at is not None, a.text_content) for a in s.execute(
        select(Attachment).join(Document).where(Document.title == title).order_by(Attachment.id)).scalars()])


def _extract(app):
    """Run the scheduler's text extraction job now."""
    from handbook.jobs import run_job

    with app.app_context():
        return run_job("extract-text")


def test_upload_returns_without_extracting_and_the_job_makes_it_searchable(app, auth, client, tree, dbq, reader, monkeypatch, tmp_path):
    """Does an upload of a PDF and of a PDF crafted to be slow to read save the document at once with
    both texts pending, not yet found by a word of the PDF; and once the scheduler's job has run, is the
    document found by it, the crafted file failed within the bound?"""
    import pypdf

    def refuse(*_args, **_kwargs):
        raise AssertionError("a PDF was read inside the upload request")

    auth.login(tree["committee"])
    # Anything in the request that reads a PDF fails the upload; the configured extractor would hang on it.
    with pytest.MonkeyPatch.context() as request_only:
        request_only.setattr(pypdf, "PdfReader", refuse)
        response = _publish(client, "Nghị quyết chờ trích xuất TX1", tree["C1"], [
            (hanging(pdf_bytes("Chuyen doi so QWERTX"), tmp_path / "hung.pid"), "nghị quyết.pdf"),
            (slow_pdf(), "chậm.pdf")])
    assert response.status_code == 302
    assert _files_of(dbq, "Nghị quyết chờ trích xuất TX1") == [("pdf", "pending", False, None)] * 2
    assert reader("qwertx") == []
    assert "Đang chờ" in client.get("/admin/document/?search=TX1").get_data(as_text=True)
    monkeypatch.setitem(app.config, "TEXT_EXTRACTOR", REAL_EXTRACTOR)  # the job reads them for real
    monkeypatch.setitem(app.config, "EXTRACT_TIMEOUT_SECONDS", 2)
    _extract(app)
    [(kind, state, timed, text), slow] = _files_of(dbq, "Nghị quyết chờ trích xuất TX1")
    assert (kind, state, timed) == ("pdf", "done", True) and "QWERTX" in text
    assert slow == ("pdf", "failed", True, None)
    assert reader("qwertx") == ["Nghị quyết chờ trích xuất TX1"]
    assert "Lỗi" in client.get("/admin/document/?search=TX1").get_data(as_text=True)


def test_a_hanging_file_is_killed_and_the_others_are_still_extracted(app, auth, client, tree, dbq, reader, tmp_path, monkeypatch):
    """When one queued PDF makes the extractor hang, is it killed within the bound and marked failed,
    while the files queued before and after it are extracted, and no page gives a 500?"""
    monkeypatch.setitem(app.config, "EXTRACT_TIMEOUT_SECONDS", 2)
    auth.login(tree["committee"])
    for title, data in (("Trước tệp treo TX2", pdf_bytes("Before ALPHATX")),
                        ("Tệp treo TX2", hanging(pdf_bytes("Hanging BRAVOTX"), tmp_path / "hung.pid")),
                        ("Sau tệp treo TX2", pdf_bytes("After CHARLIETX"))):
        assert _publish(client, title, tree["C1"], [(data, "tep.pdf")]).status_code == 302
    result = app.test_cli_runner().invoke(args=["content", "extract-text"])
    assert result.exit_code == 0 and "failed=" in result.output
    assert _files_of(dbq, "Tệp treo TX2") == [("pdf", "failed", True, None)]
    # The child was killed, not left sleeping: its process is gone.
    pid = int((tmp_path / "hung.pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert [f[1] for f in _files_of(dbq, "Trước tệp treo TX2") + _files_of(dbq, "Sau tệp treo TX2")] == ["done", "done"]
    assert reader("alphatx") == ["Trước tệp treo TX2"] and reader("charlietx") == ["Sau tệp treo TX2"]
    assert reader("bravotx") == [] and reader("tx2") != []
    doc_id = dbq(lambda s: s.execute(select(Document.id).where(Document.title == "Tệp treo TX2")).scalar_one())
    for url in ("/admin/document/?search=TX2", f"/admin/document/details/?id={doc_id}", "/admin/attachment/?search=tep"):
        page = client.get(url)
        assert page.status_code == 200 and "Lỗi" in page.get_data(as_text=True), url
    # Staff may queue the failed files again: with a working extractor the text comes in.
    monkeypatch.setitem(app.config, "TEXT_EXTRACTOR", REAL_EXTRACTOR)
    assert app.test_cli_runner().invoke(args=["content", "extract-text", "--retry-failed"]).exit_code == 0
    assert reader("bravotx") == ["Tệp treo TX2"]


def test_a_file_that_eats_memory_fails_alone(app, auth, client, tree, dbq, reader):
    """Does a PDF whose extraction asks for 4 GB end failed within the memory bound, the job go on,
    and the document stay readable?"""
    auth.login(tree["committee"])
    assert _publish(client, "Tệp ngốn bộ nhớ TX3", tree["C1"], [
        (pdf_bytes("Greedy DELTATX") + GREEDY, "lon.pdf"), (pdf_bytes("Fine ECHOTX"), "nho.pdf")]).status_code == 302
    _extract(app)
    assert [f[1] for f in _files_of(dbq, "Tệp ngốn bộ nhớ TX3")] == ["failed", "done"]
    assert reader("echotx") == ["Tệp ngốn bộ nhớ TX3"] and reader("deltatx") == []


def test_two_extractors_never_take_the_same_file(app, tree, make):
    """When a second scheduler finds a file another extractor has just taken, does it leave it alone?"""
    from content_support import attach, make_document
    from handbook.content import extraction
    from handbook.extensions import db
    from handbook.clock import utcnow

    doc = make_document(app, tree["C1"], "Tệp đang được đọc TX4")
    row = attach(app, doc, pdf_bytes("Claimed FOXTROTX"))
    with app.app_context():
        db.session.get(Attachment, row.id).text_state = "pending"
        db.session.commit()
        assert extraction._claim(db.session, row.id, utcnow(), 20) is True
        assert extraction._claim(db.session, row.id, utcnow(), 20) is False
        extraction.extract_pending(db.session)
        taken = db.session.get(Attachment, row.id)
        assert taken.text_state == "pending" and taken.text_content is None


def test_docx_and_images_have_no_text_to_wait_for(app, auth, client, tree, dbq):
    """Are files whose kind has no extracted text saved with no extraction state (never queued)?"""
    from content_support import docx_bytes, png_bytes

    auth.login(tree["committee"])
    assert _publish(client, "Tệp không có chữ TX5", tree["C1"], [(docx_bytes(), "a.docx"), (png_bytes(), "b.png")]).status_code == 302
    assert [f[:2] for f in _files_of(dbq, "Tệp không có chữ TX5")] == [("docx", None), ("png", None)]
