"""Member pages of news and documents: feed, library, reading, files, bookmarks.

Everything goes through ``current_scope().for_reading()``: a member reads what the organizations
on the path from their branch to the root published; staff read that plus their own subtree.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from handbook.content.models import DOCUMENT_LEVELS, DOCUMENT_TYPES, Article, Attachment, Document
from handbook.scope import current_scope, get_scoped_or_404, parse_id, record_refusal
from handbook.content.operations import bookmarks_query, mark_read, toggle_bookmark
from handbook.content.queries import feed_page, library_page, reading
from handbook.content.uploads import clean_filename, stored_path
from handbook.extensions import db
from handbook.paging import paginate
from handbook.study.operations import member_total

bp = Blueprint("content", __name__)
PER_PAGE = 20


def _reader():
    """The current user's reading scope."""
    return current_scope().for_reading()


def _visible_or_404(model, ident):
    """A published item the reader may see, or 404 (drafts and scheduled items included)."""
    item = get_scoped_or_404(model, ident, _reader())
    if not item.is_visible:
        abort(404)
    return item


def _reading_or_404(model, ident):
    """A published item the reader may see with what its page shows, in one query: (item, read, kept);
    otherwise 404, audited as ``get_scoped_or_404`` does when the item is out of scope."""
    ident = parse_id(ident)
    if ident is None:
        abort(404)
    found = reading(db.session, model, ident, _reader(), current_user.member_id, current_user.id)
    if found is None:
        record_refusal(model, ident)
        abort(404)
    if not found[0].is_visible:
        abort(404)
    return found


def _int_arg(name: str, low: int, high: int) -> int | None:
    """An integer query argument within [low, high], or None."""
    try:
        value = int(request.args.get(name, ""))
    except ValueError:
        return None
    return value if low <= value <= high else None


def _wants_json() -> bool:
    """Did a script ask for JSON rather than a page?"""
    return request.accept_mimetypes.best == "application/json"


def _points_context():
    """The member's points for the page footer."""
    member_id = current_user.member_id
    return member_total(db.session, member_id) if member_id else None


@bp.route("/news/")
@login_required
def news_feed():
    """The news feed: pinned first, then newest."""
    page = _int_arg("page", 1, 100000) or 1
    q = (request.args.get("q") or "").strip()[:100]
    pagination, seen = feed_page(db.session, _reader(), current_user.member_id, page, PER_PAGE, q)
    return render_template("content/news_feed.html", pagination=pagination, q=q, seen=seen)


@bp.route("/news/<int:id>")
@login_required
def article(id):
    """One article, its read button and the member's points."""
    item, read, _kept = _reading_or_404(Article, id)
    return render_template("content/article.html", item=item, read=read, total=_points_context())


@bp.route("/news/<int:id>/cover")
@login_required
def article_cover(id):
    """An article's cover image, to readers who may see the article."""
    item = _visible_or_404(Article, id)
    if not item.cover_name:
        abort(404)
    response = send_file(stored_path(item.cover_name), mimetype=item.cover_mime, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _read(item, endpoint):
    """Mark ``item`` read for the current member and award its points once."""
    member_id = current_user.member_id
    if not member_id:
        message = "Tài khoản của bạn chưa gắn với hồ sơ đảng viên nên không tích lũy điểm."
        if _wants_json():
            return jsonify(error=message), 400
        flash(message, "danger")
        return redirect(url_for(endpoint, id=item.id))
    _new, awarded = mark_read(db.session, member_id, item)
    db.session.commit()
    total = member_total(db.session, member_id)
    if _wants_json():
        return jsonify(read=True, awarded=awarded, total=total)
    if awarded:
        flash(f"Đã ghi nhận bạn đã đọc: +{awarded} điểm tích lũy.", "success")
    else:
        flash("Đã ghi nhận bạn đã đọc.", "success")
    return redirect(url_for(endpoint, id=item.id))


@bp.route("/news/<int:id>/read", methods=["POST"])
@login_required
def read_article(id):
    """Mark an article read."""
    return _read(_visible_or_404(Article, id), "content.article")


@bp.route("/documents/")
@login_required
def library():
    """The document library: filters by type, level and year, accent-free search, newest first."""
    doc_type = request.args.get("type") if request.args.get("type") in DOCUMENT_TYPES else None
    level = request.args.get("level") if request.args.get("level") in DOCUMENT_LEVELS else None
    year = _int_arg("year", 1930, 2100)
    page = _int_arg("page", 1, 100000) or 1
    q = (request.args.get("q") or "").strip()[:100]
    pagination, seen, oldest = library_page(
        db.session, _reader(), current_user.member_id, page, PER_PAGE, doc_type, level, year, q)
    # From this year back to the oldest document's: one indexed MIN instead of a DISTINCT scan.
    years = list(range(date.today().year, (oldest.year if oldest else date.today().year) - 1, -1))
    filters = {"type": doc_type, "level": level, "year": year, "q": q or None}
    return render_template(
        "content/library.html", pagination=pagination, filters=filters, years=years, seen=seen,
        types=DOCUMENT_TYPES, levels=DOCUMENT_LEVELS,
        page_args={k: v for k, v in filters.items() if v},
    )


@bp.route("/documents/<int:id>")
@login_required
def document(id):
    """One document: its details, files, read mark and bookmark."""
    item, read, kept = _reading_or_404(Document, id)
    return render_template(
        "content/document.html", item=item, read=read, bookmarked=kept, total=_points_context(),
        today=date.today(),
    )


@bp.route("/documents/<int:id>/files/<int:file_id>")
@login_required
def download(id, file_id):
    """A document's file, as an attachment, to readers who may see the document (else 404)."""
    item = _visible_or_404(Document, id)
    attachment = get_scoped_or_404(Attachment, file_id, _reader())
    if attachment.document_id != item.id:
        abort(404)
    try:
        path = stored_path(attachment.stored_name)
        # A name stored before names were cleaned (``a\x00b.pdf``) must not break the header.
        response = send_file(path, mimetype=attachment.mime, as_attachment=True,
                             download_name=clean_filename(attachment.original_name), max_age=0)
    except (FileNotFoundError, ValueError):
        abort(404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/documents/<int:id>/read", methods=["POST"])
@login_required
def read_document(id):
    """Mark a document read."""
    return _read(_visible_or_404(Document, id), "content.document")


@bp.route("/documents/<int:id>/bookmark", methods=["POST"])
@login_required
def bookmark(id):
    """Keep a document to read later, or stop keeping it."""
    item = _visible_or_404(Document, id)
    kept = toggle_bookmark(db.session, current_user.id, item.id)
    db.session.commit()
    if _wants_json():
        return jsonify(bookmarked=kept)
    flash("Đã lưu để đọc sau." if kept else "Đã bỏ lưu.", "success")
    return redirect(url_for("content.document", id=item.id))


@bp.route("/bookmarks")
@login_required
def bookmarks():
    """The documents the user keeps to read later."""
    page = _int_arg("page", 1, 100000) or 1
    pagination = paginate(db.session, bookmarks_query(current_scope()), page, PER_PAGE)
    return render_template("content/bookmarks.html", pagination=pagination)
