"""Running an import of a stored register file: its dry run, its import, the files the new accounts need.

A small file is checked within the request; a big one (a committee's or the province's register,
tens of thousands of rows) in a thread of the web process, which writes how far it got to a small
progress file beside the upload: any worker answers the page's polling from it, and a dead worker
shows as a progress file that stopped moving. The import itself is one transaction, so an
interrupted import has written nothing.
"""
from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time

from flask import current_app
from sqlalchemy import update

from handbook.audit.operations import record
from handbook.clock import utcnow
from handbook.extensions import db
from handbook.roster.models import MemberImport
from handbook.roster.operations import ChangedMeanwhile, ImportResult, import_register
from handbook.roster.reader import FileRefused, open_register
from handbook.scope import Scope

log = logging.getLogger(__name__)

# A running import whose progress file has not moved for this long died with its worker.
STALLED_SECONDS = 120


def imports_folder(app=None) -> str:
    """Where uploaded register files and the activation files of their imports are kept."""
    app = app or current_app
    root = app.config.get("UPLOAD_FOLDER") or os.path.join(app.instance_path, "uploads")
    folder = os.path.join(root, "imports")
    os.makedirs(folder, exist_ok=True)
    return folder


def stored_path(name: str, app=None) -> str:
    """The path of a file of the imports folder (names are generated, never typed)."""
    return os.path.join(imports_folder(app), os.path.basename(name))


def new_stored_name(extension: str) -> str:
    """A fresh random file name."""
    return f"{secrets.token_hex(12)}.{extension}"


# -- progress, shared by every worker through a file -----------------------------------------------
def _progress_path(item: MemberImport, app=None) -> str:
    return stored_path(item.stored_name + ".progress", app)


def write_progress(path: str, rows: int, phase: str) -> None:
    """Say how many rows are done (atomically: a reader never sees half a file)."""
    tmp = f"{path}.{os.getpid()}.{threading.get_ident()}"
    with open(tmp, "w") as handle:
        json.dump({"rows": rows, "phase": phase, "at": time.time()}, handle)
    os.replace(tmp, path)


def progress_of(item: MemberImport) -> dict:
    """How far a running dry run or import got: rows done, phase, and whether it stalled."""
    try:
        with open(_progress_path(item)) as handle:
            state = json.load(handle)
    except (OSError, ValueError):
        state = {"rows": 0, "phase": "", "at": None}
    running = item.status in ("checking", "applying")
    since = time.time() - state["at"] if state.get("at") else None
    created = (utcnow() - item.created_at).total_seconds() if item.created_at else 0
    state["stalled"] = running and ((since or created) > STALLED_SECONDS)
    state["running"] = running and not state["stalled"]
    return state


# -- running ----------------------------------------------------------------------------------------
def _phase(write: bool) -> str:
    """What a run is doing, as its progress file says it."""
    return "apply" if write else "check"


def start(item: MemberImport, scope: Scope, write: bool, activation_url: str) -> None:
    """Run the dry run (``write`` False) or the import of ``item``: in the request for a small file,
    else in a thread. The item is committed in its running status first."""
    app = current_app._get_current_object()
    # Written before the run starts: the page must not read an earlier run's stale progress as a stall.
    write_progress(_progress_path(item), 0, _phase(write))
    db.session.commit()
    if item.size <= app.config.get("IMPORT_INLINE_BYTES", 256 * 1024):
        execute(item.id, scope, write, activation_url)
        return
    thread = threading.Thread(target=_in_thread, args=(app, item.id, scope, write, activation_url),
                              name=f"member-import-{item.id}", daemon=True)
    thread.start()


def _in_thread(app, item_id: int, scope: Scope, write: bool, activation_url: str) -> None:
    """The thread's own app context (its own session) around ``execute``."""
    with app.app_context():
        try:
            execute(item_id, scope, write, activation_url)
        finally:
            db.session.remove()


def execute(item_id: int, scope: Scope, write: bool, activation_url: str, progress=None) -> ImportResult | None:
    """Check or import the stored file of import ``item_id`` within ``scope`` and record the outcome."""
    session = db.session
    item = session.get(MemberImport, item_id)
    path = stored_path(item.stored_name)
    progress_path = _progress_path(item)
    def report(rows: int) -> None:
        write_progress(progress_path, rows, _phase(write))
        if progress:
            progress(rows)

    report(0)
    result = None
    try:
        register = open_register(path)
        try:
            result = import_register(session, register, scope, write=write, actor_id=item.user_id, progress=report)
        finally:
            register.close()
    except (FileRefused, ChangedMeanwhile) as exc:
        return _failed(item_id, str(exc))
    except Exception:
        log.exception("member import %s failed", item_id)
        return _failed(item_id, "Đã có lỗi khi xử lý tệp. Nội dung chưa được nhập; vui lòng thử lại.")
    if write and not result.ok:
        session.rollback()  # all or nothing: what the chunks before the first error wrote goes too
        item = session.get(MemberImport, item_id)
    _keep(item, result)
    if result.applied:
        write_progress(progress_path, result.rows, "accounts")
        started = time.perf_counter()
        item.sheet_name, item.messages_name = activation_files(session, result, item.user_id, activation_url)
        result.seconds["accounts"] = time.perf_counter() - started
        item.applied_at = utcnow()
        # Every member the import created or changed is a subject: "who changed member X" finds it.
        record("member_import", "member_import", item.id, user=_actor(item), subjects=result.written_member_ids, detail={
            "rows": result.rows, **{k: v for k, v in result.summary().items() if k != "ignored"}})
    session.commit()
    return result


def _failed(item_id: int, message: str) -> None:
    """Roll back whatever the run wrote and record why it failed."""
    db.session.rollback()
    item = db.session.get(MemberImport, item_id)
    item.status, item.message, item.checked_at = "failed", message, utcnow()
    db.session.commit()


def _actor(item: MemberImport):
    """The importer as the audit trail's actor (None: nobody signed in, a command)."""
    from handbook.auth.models import User

    return db.session.get(User, item.user_id) if item.user_id else False


def _keep(item: MemberImport, result: ImportResult) -> None:
    """Record a run's counts and errors on the import."""
    item.row_count, item.error_count = result.rows, result.error_count
    item.errors = [[e.row, e.column, e.message] for e in result.errors]
    item.summary = result.summary()
    item.checked_at = item.checked_at or utcnow()
    item.message = None
    if result.applied:
        item.status = "applied"
    else:
        item.status = "checked" if result.ok else "invalid"


def claim_for_import(item: MemberImport) -> bool:
    """Move a checked import to "applying", once: two clicks (or two tabs) never import twice."""
    done = db.session.execute(update(MemberImport).where(MemberImport.id == item.id, MemberImport.status == "checked")
                              .values(status="applying")).rowcount
    db.session.commit()
    return done == 1


def activation_files(session, result: ImportResult, issued_by_id: int | None, url: str) -> tuple[str | None, str | None]:
    """Issue the new accounts' activation codes and write the sheet to hand out (PDF) and the
    messages to send (xlsx); the plain codes exist nowhere else."""
    from handbook.auth.activation import activation_rows, issue_codes, write_activation_messages, write_activation_sheet

    if not result.new_user_ids:
        return None, None
    codes = issue_codes(session, result.new_user_ids, issued_by_id)
    rows = activation_rows(session, codes)
    sheet, messages = new_stored_name("pdf"), new_stored_name("xlsx")
    write_activation_sheet(rows, stored_path(sheet), url)
    write_activation_messages(rows, stored_path(messages), url)
    return sheet, messages
