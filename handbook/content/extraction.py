"""Text of uploaded files for search, extracted outside the request, bounded in time and memory.

An upload is saved at once with its text ``pending``. The scheduler's ``extract-text`` job (or
``flask content extract-text``) takes pending files one by one and reads each in a child process of
its own, killed after EXTRACT_TIMEOUT_SECONDS and limited to EXTRACT_MEMORY_MB: a PDF crafted to be
slow (STACK-NOTES: a 12 KB file held a request for 57 s) ends ``failed`` and never holds a web
worker or the files queued behind it. When the text is in, the document's search key is refreshed
and the document is found by it.
"""
from __future__ import annotations

import importlib
import io
import logging
import multiprocessing
import os
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from handbook.clock import utcnow
from handbook.content.models import Attachment, Document
from handbook.content.uploads import stored_path

log = logging.getLogger(__name__)

TEXT_STATES = {"pending": "Đang chờ", "done": "Xong", "failed": "Lỗi"}
EXTRACTABLE_KINDS = ("pdf",)
# Extracting text stops here: a search key needs the opening of a document, not all of it.
PDF_PAGE_LIMIT = 60
PDF_TEXT_LIMIT = 20000
# A child that has not even started (imported its code) by then is stuck for reasons of its own.
CHILD_START_SECONDS = 60


def initial_text_state(kind: str) -> str | None:
    """The text state of a newly stored file: pending for kinds whose text is extracted, else none."""
    return "pending" if kind in EXTRACTABLE_KINDS else None


def pdf_text(data: bytes) -> str | None:
    """The text of a PDF's first pages (None when it has none); raises when the file cannot be read."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    parts, size = [], 0
    for page in reader.pages[:PDF_PAGE_LIMIT]:
        text = page.extract_text() or ""
        parts.append(text)
        size += len(text)
        if size >= PDF_TEXT_LIMIT:
            break
    return " ".join(" ".join(parts).split())[:PDF_TEXT_LIMIT] or None


def _resolve(name: str):
    """The function named "module:function"."""
    module, _, attr = name.partition(":")
    return getattr(importlib.import_module(module), attr)


def _child(extractor: str, path: str, memory_mb: int, conn) -> None:
    """In the child process: cap memory, say ready, extract, send ("ok", text) or ("error", why)."""
    try:
        if memory_mb:
            import resource

            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        func = _resolve(extractor)
        conn.send(("ready", None))
        with open(path, "rb") as f:
            data = f.read()
        conn.send(("ok", func(data)))
    except BaseException as exc:  # noqa: BLE001 - whatever happens, the parent gets a reason
        try:
            conn.send(("error", repr(exc)[:300]))
        except Exception:  # noqa: BLE001 - out of memory even for that: the parent sees the pipe close
            pass
    finally:
        conn.close()


def _context():
    """Children forked from a server process that has loaded this module once: each starts in
    milliseconds, and from a clean single-threaded process (no copied locks, threads or connections)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__, "pypdf"])
    return context


def extract_file(path: str, extractor: str, timeout: float, memory_mb: int) -> tuple[bool, str | None]:
    """Run ``extractor`` on the file at ``path`` in a child process: (True, text) when it finished in
    ``timeout`` seconds, else (False, why); the child is killed when over time."""
    context = _context()
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(extractor, path, memory_mb, writer), daemon=True)
    child.start()
    writer.close()
    try:
        if not reader.poll(CHILD_START_SECONDS):
            return False, "child did not start"
        kind, value = reader.recv()
        if kind == "ready":
            # The clock starts once the child is ready: a busy machine's slow start is not the file's fault.
            if not reader.poll(timeout):
                return False, f"timeout after {timeout:g} s"
            kind, value = reader.recv()
        return kind == "ok", value
    except EOFError:
        return False, f"child ended (exit code {child.exitcode})"
    finally:
        if child.is_alive():
            child.kill()
        child.join(10)
        reader.close()


def _claimable(now: datetime, timeout: float):
    """SQL condition: pending and not being read by another extractor (a claim older than twice the
    bound is left over from a stopped process)."""
    stale = now - timedelta(seconds=2 * (timeout + CHILD_START_SECONDS))
    return (Attachment.text_state == "pending") & or_(Attachment.text_state_at.is_(None), Attachment.text_state_at < stale)


def _claim(session, attachment_id: int, now: datetime, timeout: float) -> bool:
    """Mark one pending file as taken now; False when another extractor has it (two schedulers)."""
    taken = session.execute(
        update(Attachment).where(Attachment.id == attachment_id, _claimable(now, timeout))
        .values(text_state_at=now).execution_options(synchronize_session=False)
    ).rowcount
    session.commit()  # the claim is visible to other extractors before the work starts
    return taken == 1


def _finish(session, attachment_id: int, ok: bool, text: str | None) -> None:
    """Store the outcome and refresh the document's search key, in one transaction."""
    stored = session.execute(
        update(Attachment).where(Attachment.id == attachment_id, Attachment.text_state == "pending")
        .values(text_state="done" if ok else "failed", text_state_at=utcnow(), text_content=text if ok else None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if stored:
        session.expire_all()  # the document's files are read again, with this text
        document_id = session.execute(select(Attachment.document_id).where(Attachment.id == attachment_id)).scalar_one()
        document = session.get(Document, document_id)
        # Not an edit of the document: its time of change (and row version) stay as they were.
        session.execute(
            update(Document).where(Document.id == document_id)
            .values(search_key=document.compute_search_key(), updated_at=Document.updated_at)
            .execution_options(synchronize_session=False)
        )
    session.commit()


def extract_pending(session, now: datetime | None = None, limit: int | None = None, retry_failed: bool = False) -> dict:
    """Extract the text of up to ``limit`` pending files, oldest first, each in a bounded child
    process; ``retry_failed`` queues the failed ones again first. Return counts by outcome."""
    config = current_app.config
    timeout = float(config["EXTRACT_TIMEOUT_SECONDS"])
    memory_mb = int(config["EXTRACT_MEMORY_MB"])
    extractor = config["TEXT_EXTRACTOR"]
    now = now or utcnow()
    if retry_failed:
        session.execute(update(Attachment).where(Attachment.text_state == "failed")
                        .values(text_state="pending", text_state_at=None).execution_options(synchronize_session=False))
        session.commit()
    ids = session.execute(
        select(Attachment.id).where(_claimable(now, timeout)).order_by(Attachment.id)
        .limit(limit or config["EXTRACT_BATCH"])
    ).scalars().all()
    counts = {"done": 0, "failed": 0, "skipped": 0}
    for attachment_id in ids:
        if not _claim(session, attachment_id, utcnow(), timeout):
            counts["skipped"] += 1
            continue
        name = session.execute(select(Attachment.stored_name).where(Attachment.id == attachment_id)).scalar()
        try:
            path = stored_path(name)
            ok, value = extract_file(path, extractor, timeout, memory_mb) if os.path.exists(path) else (False, "file missing")
        except Exception as exc:  # noqa: BLE001 - one file's trouble never stops the others
            ok, value = False, repr(exc)
        if not ok:
            log.warning("text extraction of attachment %s failed: %s", attachment_id, value)
        _finish(session, attachment_id, ok, value if ok else None)
        counts["done" if ok else "failed"] += 1
    return counts
