"""Login and logout."""
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from handbook.audit.operations import record
from handbook.auth.forms import LoginForm
from handbook.auth.models import User, normalize_login
from handbook.auth.scope import parse_id
from handbook.auth.sessions import UserSession, current_session, start_session, valid_session
from handbook.extensions import db, login_manager
from handbook.organizations.models import Member, utcnow
from handbook.security import limiter, login_rate

bp = Blueprint("auth", __name__)

# Checked when the login is unknown, so that a wrong login costs as long as a wrong password.
_DUMMY_HASH = "scrypt:32768:8:1$abcdefghijklmnop$" + "0" * 128


@login_manager.user_loader
def load_user(user_id: str):
    """Load the user named in the session or remember cookie, only if their token is current and
    their login session (``UserSession``) has not been ended."""
    ident, token, key = ((user_id or "").split(".") + ["", ""])[:3]
    ident = parse_id(ident)  # a forged cookie's huge number must not reach a BIGINT comparison
    if ident is None or not token or not key:
        return None
    # One query for the account, its login session, its scope organization, its member record and
    # branch: every page needs them.
    found = db.session.execute(
        select(User, UserSession).join(UserSession, UserSession.user_id == User.id)
        .where(User.id == ident, UserSession.key == key)
        .options(joinedload(User.organization), joinedload(User.member).joinedload(Member.organization))
    ).first()
    if found is None:
        return None
    user, row = found
    if user.session_token != token or not user.is_active or valid_session(user, row) is None:
        return None
    user.session_key = key
    g.user_session = row
    return user


def sign_in(user, remember: bool = False) -> UserSession:
    """Open a login session for ``user`` and put its key in the session (and remember) cookie."""
    row = start_session(db.session, user)
    user.session_key = row.key
    g.user_session = row
    login_user(user, remember=remember)
    return row


def safe_next(target: str | None, default: str) -> str:
    """Return ``target`` if it is a path on this site, else ``default`` (no open redirects)."""
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def home_for(user) -> str:
    """Where a user lands after logging in."""
    return url_for("admin.index") if user.is_staff else url_for("portal.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_rate, methods=["POST"])
def login():
    """Show the login form and check credentials, slowing down repeated failures."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = db.session.execute(
            select(User).where(User.login == normalize_login(form.login.data))
        ).scalar_one_or_none()
        now = utcnow()
        if user is not None and user.locked_until and user.locked_until > now:
            minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
            record("login_locked", "user_account", user.id, user=False, login=user.login)
            db.session.commit()
            flash(f"Tài khoản tạm khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau {minutes} phút.", "danger")
            status = 429
        elif user is not None and user.active and user.check_password(form.password.data):
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now
            sign_in(user, remember=form.remember.data)
            record("login", "user_account", user.id, user=user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next"), home_for(user)))
        else:
            detail = {}
            if user is None:
                User(password_hash=_DUMMY_HASH).check_password(form.password.data or "")
            else:
                user.failed_logins += 1
                limit = current_app.config["LOGIN_MAX_FAILURES"]
                if user.failed_logins >= limit:
                    user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
                    user.failed_logins = 0
                    detail["locked"] = True
                if not user.active:
                    detail["inactive"] = True
            # The attempted login is kept (cleaned) so that guessing shows up; never the password.
            record("login_failed", "user_account", user.id if user else None, user=False,
                   login=normalize_login(form.login.data), detail=detail)
            db.session.commit()
            flash("Sai số điện thoại/email hoặc mật khẩu.", "danger")
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """End this login session: its session and remember cookies stop working wherever they were copied."""
    if current_user.is_authenticated:
        # Ends this login session only: its session and remember cookies die, other devices stay.
        row = current_session()
        if row is not None:
            row.revoked_at = utcnow()
        record("logout", "user_account", current_user.id)
        db.session.commit()
    logout_user()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login")), 302, {"Clear-Site-Data": '"cache", "storage"'}  # saved pages go too
