"""Helpers for the news and documents tests: rows made directly, files made in memory."""
import io
import itertools
import zipfile
from datetime import date, timedelta

from handbook.clock import utcnow
from handbook.content.models import Article, Attachment, Document
from handbook.extensions import db

_n = itertools.count(1)


def make_document(app, org, title=None, **fields):
    """A published document of ``org`` (detached, columns loaded)."""
    values = dict(doc_type="resolution", number=f"{next(_n)}-NQ/TU", level="local", issued_on=date(2024, 5, 1),
                  status="published", published_at=utcnow() - timedelta(minutes=1), points=2)
    values.update(fields)
    with app.app_context():
        doc = Document(title=title or f"Tài liệu thử {next(_n)}", organization_id=org.id, **values)
        db.session.add(doc)
        db.session.commit()
        db.session.refresh(doc)
        db.session.expunge(doc)
    return doc


def make_article(app, org, title=None, **fields):
    """A published article of ``org``."""
    values = dict(body_html="<p>Nội dung</p>", status="published", published_at=utcnow() - timedelta(minutes=1), points=1)
    values.update(fields)
    with app.app_context():
        article = Article(title=title or f"Tin thử {next(_n)}", organization_id=org.id, **values)
        db.session.add(article)
        db.session.commit()
        db.session.refresh(article)
        db.session.expunge(article)
    return article


def attach(app, doc, data: bytes, name="tep.pdf", kind="pdf", mime="application/pdf"):
    """Store ``data`` as a file of ``doc`` the way an upload would."""
    import secrets

    from handbook.content.uploads import stored_path

    with app.app_context():
        stored = secrets.token_hex(16) + ".bin"
        with open(stored_path(stored), "wb") as out:
            out.write(data)
        row = Attachment(document_id=doc.id, original_name=name, stored_name=stored, kind=kind, mime=mime, size=len(data))
        db.session.add(row)
        db.session.commit()
        db.session.refresh(row)
        db.session.expunge(row)
    return row


def pdf_bytes(text: str) -> bytes:
    """A real one-page PDF saying ``text`` (ASCII: the built-in font draws nothing else)."""
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.save()
    return out.getvalue()


def docx_bytes() -> bytes:
    """The smallest ZIP that is a Word document by structure."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def png_bytes() -> bytes:
    """A real 2×2 PNG."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (2, 2), "red").save(out, "PNG")
    return out.getvalue()


def slow_pdf(levels: int = 9, fan: int = 4) -> bytes:
    """A 1 KB PDF crafted to be slow to read: each node of its page tree lists the next one ``fan``
    times, so a reader walks fan**levels pages (262,144; pypdf gives up at 100,000, after seconds)."""
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2 + levels: b"<< /Type /Page /MediaBox [0 0 10 10] >>"}
    for depth in range(levels):
        kids = " ".join([f"{3 + depth} 0 R"] * fan)
        objects[2 + depth] = f"<< /Type /Pages /Kids [{kids}] /Count {fan ** (levels - depth)} >>".encode()
    out, offsets = io.BytesIO(), {}
    out.write(b"%PDF-1.4\n")
    for number in sorted(objects):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, objects[number]))
    xref, size = out.tell(), len(objects) + 1
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    out.write(b"".join(b"%010d 00000 n \n" % offsets[n] for n in range(1, size)))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))
    return out.getvalue()


# Markers a test appends to a PDF (after %%EOF, where readers ignore it) to pick the extractor's behaviour.
GREEDY = b"\n%GREEDY\n"


def hanging(data: bytes, pid_file) -> bytes:
    """``data`` marked so that the tests' extractor hangs on it, noting its process id in ``pid_file``."""
    return data + b"\n%HANGS " + str(pid_file).encode() + b"\n"


def testing_extractor(data: bytes):
    """TEXT_EXTRACTOR for tests, run in the extraction's child process: hangs on a file marked by
    ``hanging``, asks for 4 GB on one marked GREEDY, else is the real one."""
    import os
    import re
    import time

    from handbook.content.extraction import pdf_text

    hang = re.search(rb"\n%HANGS (\S+)\n$", data)
    if hang:
        with open(hang.group(1).decode(), "w") as out:
            out.write(str(os.getpid()))
        time.sleep(3600)
    if data.endswith(GREEDY):
        hoard = bytearray(4 * 1024 ** 3)
        return str(len(hoard))
    return pdf_text(data)


def reading_faults(session, after_article: int = 0, after_document: int = 0) -> list[str]:
    """What a reader would stumble on in the articles and documents with ids past these: an article body
    that opens with its summary, a full text that repeats its summary, an article that does not name its
    publisher as the tree spells it, an organization named in the wrong case ("đảng bộ tỉnh thái bình")."""
    from sqlalchemy import select

    from handbook.richtext import html_to_text
    from handbook.organizations.models import Organization

    names = [name for name in session.execute(select(Organization.name)).scalars() if name != name.lower()]
    faults, texts = [], []
    for title, summary, body, publisher in session.execute(
        select(Article.title, Article.summary, Article.body_html, Organization.name)
        .join(Organization, Organization.id == Article.organization_id).where(Article.id > after_article)
    ):
        body = html_to_text(body)
        if summary and summary in body:
            faults.append(f"the body of {title!r} repeats its summary")
        if publisher not in f"{title} {summary}":
            faults.append(f"{title!r} does not name its publisher {publisher!r}")
        texts += [title, summary or "", body]
    for title, summary, body in session.execute(
        select(Document.title, Document.summary, Document.body_text).where(Document.id > after_document)
    ):
        if summary and summary in (body or ""):
            faults.append(f"the full text of {title!r} repeats its summary")
        texts += [title, summary or "", body or ""]
    for text in texts:
        lowered = text.lower()
        faults += [f"{name!r} miswritten in {text!r}" for name in names
                   if name.lower() in lowered and lowered.count(name.lower()) != text.count(name)]
    return faults
