"""Login, logout and activation of a new account with its one-time code."""
from functools import cache

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from handbook.audit.operations import record
from handbook.auth import activation, attempts
from handbook.auth.forms import ActivationForm, LoginForm
from handbook.auth.models import User, normalize_login
from handbook.auth.sessions import UserSession, current_session, start_session, valid_session
from handbook.clock import utcnow
from handbook.extensions import db, login_manager
from handbook.organizations.models import Member
from handbook.scope import parse_id
from handbook.security import safe_next
from handbook.throttle import give_back, hit

bp = Blueprint("auth", __name__)


@cache
def _user_and_session():
    """One query for the account, its login session, its scope organization, its member record and
    branch (every page needs them); built once per process, as every request of a signed-in user runs it."""
    return (
        select(User, UserSession).join(UserSession, UserSession.user_id == User.id)
        .where(User.id == bindparam("ident"), UserSession.key == bindparam("key"))
        .options(joinedload(User.organization), joinedload(User.member).joinedload(Member.organization))
    )


@login_manager.user_loader
def load_user(user_id: str):
    """Load the user named in the session or remember cookie, only if their token is current and
    their login session (``UserSession``) has not been ended."""
    ident, token, key = ((user_id or "").split(".") + ["", ""])[:3]
    ident = parse_id(ident)  # a forged cookie's huge number must not reach a BIGINT comparison
    if ident is None or not token or not key:
        return None
    found = db.session.execute(_user_and_session(), {"ident": ident, "key": key}).first()
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


def home_for(user) -> str:
    """Where a user lands after logging in."""
    return url_for("admin.index") if user.is_staff else url_for("home.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form and check credentials, within the limits on password guessing."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        login_name = normalize_login(form.login.data)
        user = db.session.execute(select(User).where(User.login == login_name)).scalar_one_or_none()
        attempt = attempts.check_password(login_name, user, form.password.data)
        if attempt.ok:
            user.last_login_at = utcnow()
            sign_in(user, remember=form.remember.data)
            record("login", "user_account", user.id, user=user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next"), home_for(user)))
        detail = attempt.detail
        if user is not None and not user.active:
            detail["inactive"] = True
        # The attempted login is kept (cleaned) so that guessing shows up; never the password.
        record("login_locked" if attempt.wait else "login_failed", "user_account", user.id if user else None,
               user=False, login=login_name, detail=detail)
        db.session.commit()
        if attempt.wait:
            flash(f"{attempt.refusal} Trên thiết bị bạn đã đăng nhập trước đây, bạn vẫn đăng nhập được.", "danger")
            status = 429
        else:
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


ACTIVATION_REFUSED = "Tài khoản hoặc mã kích hoạt không đúng, hoặc mã đã được dùng/hết hạn."


def _activation_counters(login_name: str) -> list[tuple[str, str, str]]:
    """The shared counters an activation attempt takes a place in: its address and the login typed."""
    return [("activate-address", request.remote_addr or "", activation.ADDRESS_LIMIT),
            ("activate-login", login_name, activation.LOGIN_LIMIT)]


@bp.route("/activate", methods=["GET", "POST"])
def activate():
    """Choose the first password with a one-time code and sign in; guessing is throttled per address
    and per login, and a refusal never says whether the account, the code or its date was wrong."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = ActivationForm()
    status = 200
    if form.validate_on_submit():
        login_name = normalize_login(form.login.data)
        counters = _activation_counters(login_name)
        # Every counter takes its hit before the code is looked at: concurrent guesses cannot slip under.
        wait = max([hit(*counter) for counter in counters])
        user = None if wait else activation.redeem(db.session, form.login.data, form.code.data)
        if user is not None:
            user.set_password(form.new.data)
            user.last_login_at = utcnow()
            db.session.flush()  # the new password ends any older session before this one starts
            sign_in(user)
            record("account_activated", "user_account", user.id, user=user)
            db.session.commit()
            for counter in counters:
                give_back(*counter)
            flash("Đã kích hoạt tài khoản. Từ nay đồng chí đăng nhập bằng tài khoản và mật khẩu vừa chọn.", "info")
            return redirect(home_for(user))
        record("activation_failed", "user_account", None, user=False, login=login_name,
               detail={"limited": True} if wait else None)
        db.session.commit()
        if wait:
            flash(f"Nhập sai quá nhiều lần. Vui lòng thử lại sau {max(1, -(-wait // 60))} phút.", "danger")
            status = 429
        else:
            flash(ACTIVATION_REFUSED, "danger")
            status = 400
    elif request.method == "POST":
        status = 400
    return render_template("auth/activate.html", form=form), status
