"""Periodic work on content: text of new files for search, stored files nothing refers to."""
import os
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from handbook.content.extraction import extract_pending
from handbook.content.models import Article, Attachment
from handbook.content.uploads import upload_folder
from handbook.jobs import job

GRACE = timedelta(days=1)  # a file written by a save still in progress is younger than this


@job("sweep-uploads", "Dọn tệp không còn dùng", {"hour": 3, "minute": 40},
     about="Xoá các tệp tải lên đã quá một ngày mà không tài liệu, tin tức nào dùng đến.")
def sweep_orphan_uploads(session, now: datetime) -> dict:
    """Delete files in the upload folder that no attachment or article cover names, older than a day
    (a save that failed after writing its file leaves one)."""
    referenced = set(session.execute(select(Attachment.stored_name)).scalars())
    referenced.update(session.execute(select(Article.cover_name).where(Article.cover_name.is_not(None))).scalars())
    folder = upload_folder()
    cutoff = (now - GRACE).replace(tzinfo=timezone.utc).timestamp()  # stored times are naive UTC
    deleted = kept = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            if not entry.is_file() or entry.name.startswith("."):
                continue
            if entry.name in referenced or entry.stat().st_mtime > cutoff:
                kept += 1
                continue
            os.unlink(entry.path)
            deleted += 1
    return {"deleted": deleted, "kept": kept}


# Every 30 s and without a period: each file is claimed on its own, so two schedulers never read the same one.
@job("extract-text", "Trích xuất văn bản tệp tải lên", {"second": "*/30"}, period=None,
     about="Đọc chữ trong các tệp PDF mới tải lên để tìm được chúng trong thư viện.")
def extract_pending_text(session, now: datetime) -> dict:
    """Extract the text of files uploaded since the last run, each bounded in time and memory."""
    return extract_pending(session, now)
