"""A member's rights over their data, and every user's sessions, password and re-authentication."""
import json

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_login import current_user, login_required, login_user

from handbook.audit.operations import record
from handbook.auth import attempts
from handbook.auth.models import User
from handbook.auth.sessions import UserSession, current_session, open_sessions, recent_login
from handbook.clock import utcnow
from handbook.clock import local_time
from handbook.extensions import db
from handbook.privacy.export import own_data, own_data_pdf, record_fields, who_opened
from handbook.privacy.forms import ConfirmForm, CorrectionForm, PasswordChangeForm, ReauthForm
from handbook.privacy.models import CORRECTABLE_FIELDS, CorrectionRequest
from handbook.privacy.operations import CHOICE_FIELDS, ask_correction
from handbook.scope import get_scoped_or_404, scoped_select
from handbook.security import safe_next
from handbook.security import check_rate

bp = Blueprint("privacy", __name__, url_prefix="/me")

# Pages a user may reach before acknowledging the data notice.
NOTICE_EXEMPT = {"privacy.notice", "auth.logout", "auth.login", "static", "home.healthz"}


@bp.before_app_request
def require_notice():
    """Until a user linked to a member record (a member, or staff who are members too) has acknowledged
    the current data notice, every page, the back office's included, leads to it."""
    # The exempt pages first: a static file asked for by a signed-in member then loads no account.
    if request.endpoint in NOTICE_EXEMPT or not current_user.is_authenticated or current_user.member_id is None:
        return None
    version = current_app.config.get("DATA_NOTICE_VERSION")
    if not version or current_user.notice_version == version:
        return None
    return redirect(url_for("privacy.notice", next=request.full_path.rstrip("?") if request.method == "GET" else None))


@bp.app_template_filter("local_time")
def local_time_filter(value):
    """Show a stored UTC time in Asia/Ho_Chi_Minh."""
    return local_time(value)


def _require_member():
    """The member record of the current user, or 404 when the account has none."""
    if current_user.member is None:
        abort(404)
    return current_user.member


def _require_recent_login():
    """A redirect to the re-authentication page when the password was not typed recently."""
    if not recent_login():
        return redirect(url_for("privacy.reauth", next=request.full_path))
    return None


@bp.route("/notice", methods=["GET", "POST"])
@login_required
def notice():
    """The personal-data notice; acknowledging it records the version and the time."""
    form = ConfirmForm()
    version = current_app.config.get("DATA_NOTICE_VERSION")
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        user.notice_version = version
        user.notice_acknowledged_at = utcnow()
        record("notice_ack", "user_account", user.id, detail={"version": version})
        db.session.commit()
        return redirect(safe_next(request.args.get("next"), url_for("home.home")))
    return render_template("privacy/notice.html", form=form, version=version)


def _my_data_page(form):
    """"Dữ liệu của tôi" with ``form`` as the correction form."""
    member = _require_member()
    corrections = db.session.execute(
        scoped_select(CorrectionRequest).where(CorrectionRequest.member_id == member.id)
        .order_by(CorrectionRequest.created_at.desc(), CorrectionRequest.id.desc())
    ).scalars().all()
    return render_template(
        "privacy/my_data.html", member=member, fields=record_fields(member),
        opened=who_opened(db.session, member.id, current_user.id), corrections=corrections, form=form,
        choice_hints=[(CORRECTABLE_FIELDS[f], list(choices.values())) for f, choices in CHOICE_FIELDS.items()],
    )


@bp.route("/data")
@login_required
def my_data():
    """"Dữ liệu của tôi": the record, who opened it, correction requests, downloads."""
    return _my_data_page(CorrectionForm())


@bp.route("/data/corrections", methods=["POST"])
@login_required
def request_correction():
    """Send a correction request to the member's secretary; a value the record's rules refuse is not saved."""
    member = _require_member()
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            ask_correction(db.session, member, form.field.data, form.requested_value.data,
                           (form.note.data or "").strip())
        except ValueError as exc:
            form.requested_value.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Đã gửi yêu cầu sửa thông tin tới chi bộ.", "info")
            return redirect(url_for("privacy.my_data"))
    db.session.rollback()
    # The page again, with what was typed and why it was refused; nothing is saved.
    return _my_data_page(form), 400


@bp.route("/data/download.<fmt>")
@login_required
def download(fmt):
    """Download one's own data as JSON or PDF (after a recent login; audited)."""
    if fmt not in ("json", "pdf"):
        abort(404)
    member = _require_member()
    stale = _require_recent_login()
    if stale:
        return stale
    check_rate("own-download", "EXPORT_RATE_LIMIT")
    data = own_data(db.session, current_user)
    record("download_own", "member", member.id, detail={"format": fmt}, subjects=[member.id])
    db.session.commit()
    name = f"du-lieu-ca-nhan-{member.card_number}.{fmt}"
    headers = {"Content-Disposition": f"attachment; filename={name}", "Cache-Control": "no-store"}
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2)
        return Response(body, mimetype="application/json", headers=headers)
    return Response(own_data_pdf(data), mimetype="application/pdf", headers=headers)


@bp.route("/sessions")
@login_required
def sessions():
    """"Phiên đăng nhập": the user's open sessions, each named in words, with a button to end it."""
    current = current_session()
    return render_template("privacy/sessions.html", rows=open_sessions(db.session),
                           current_id=current.id if current else None, form=ConfirmForm())


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id):
    """End one of the user's sessions (its cookies stop working at once)."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    row = get_scoped_or_404(UserSession, session_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record("session_end", "user_session", row.id)
        db.session.commit()
    flash("Đã kết thúc phiên đăng nhập.", "info")
    # Back to the page the button was on: the member's, or the back office's.
    return redirect(safe_next(request.form.get("next"), url_for("privacy.sessions")))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's password: every other session and every remember cookie ends."""
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        # The same limits as the login: a stolen session must not guess the password faster.
        attempt = attempts.check_password(user.login, user, form.current.data)
        if not attempt.ok:
            record("reauth_failed", "user_account", user.id, detail={"page": "password", **attempt.detail})
            db.session.commit()
            form.current.errors.append(attempt.refusal if attempt.wait else "Mật khẩu hiện tại không đúng.")
            status = 429 if attempt.wait else 400
        else:
            current = current_session()
            user.keep_session_key = current.key if current else None
            user.set_password(form.new.data)
            if current is not None:
                current.authenticated_at = utcnow()
            record("password_change", "user_account", user.id)
            db.session.commit()
            # The token changed: put the new identifier in this session's cookie.
            user.session_key = user.keep_session_key
            login_user(user)
            flash("Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc.", "info")
            return redirect(url_for("privacy.sessions"))
    elif request.method == "POST":
        status = 400
    return render_template("privacy/password.html", form=form), status


@bp.route("/reauth", methods=["GET", "POST"])
@login_required
def reauth():
    """Type the password again before exporting personal data."""
    form = ReauthForm()
    status = 200
    target = safe_next(request.args.get("next"), url_for("home.home"))
    if form.validate_on_submit():
        user = db.session.get(User, current_user.id)
        current = current_session()
        # The same limits as the login: a stolen session must not guess the password faster.
        attempt = attempts.check_password(user.login, user, form.password.data)
        if attempt.ok and current is not None:
            current.authenticated_at = utcnow()
            record("reauth", "user_account", user.id)
            db.session.commit()
            return redirect(target)
        record("reauth_failed", "user_account", user.id, detail={"page": "reauth", **attempt.detail})
        db.session.commit()
        form.password.errors.append(attempt.refusal if attempt.wait else "Mật khẩu không đúng.")
        status = 429 if attempt.wait else 401
    elif request.method == "POST":
        status = 400
    return render_template("privacy/reauth.html", form=form, target=target), status
