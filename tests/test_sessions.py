"""Login sessions: listed, ended one by one, ended all by a password change or deactivation;
exports of personal data need a recent login."""
from datetime import timedelta

from sqlalchemy import select, update

from handbook.auth.sessions import UserSession
from support import PASSWORD, AuthActions, csrf_token


def _devices(app, user, n, remember=False):
    """``n`` clients each logged in as ``user``."""
    clients = []
    for _ in range(n):
        c = app.test_client()
        AuthActions(c).login(user, remember=remember)
        clients.append(c)
    return clients


def test_user_sees_their_active_sessions(app, make, tree):
    """Does 'Phiên đăng nhập' list the user's two open sessions and no one else's?"""
    user = make.user("committee", tree["C1"])
    phone, desk = _devices(app, user, 2)
    AuthActions(app.test_client()).login(tree["committee2"])
    page = desk.get("/me/sessions").get_data(as_text=True)
    assert page.count("Kết thúc phiên này") == 2 and "phiên này" in page


WINDOWS_CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
IPHONE_SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/17.5 Mobile/15E148 Safari/604.1")


def test_sessions_are_named_in_words(app, make, tree):
    """Does the page name each device and browser in Vietnamese words instead of the raw user-agent string?"""
    user = make.user("member", tree["B2"], make.member(tree["B2"], "Lý Thị Thiết Bị"))
    for agent in (WINDOWS_CHROME, IPHONE_SAFARI):
        c = app.test_client()
        c.environ_base["HTTP_USER_AGENT"] = agent
        AuthActions(c).login(user)
    page = c.get("/me/sessions").get_data(as_text=True)
    assert "Chrome 131 trên Windows 10 · máy tính" in page and "Safari trên iPhone · điện thoại" in page
    assert "Mozilla/5.0" not in page and "Về trang quản trị" not in page


def test_staff_open_their_sessions_inside_the_back_office(app, make, tree, dbq):
    """Does a secretary's "Phiên đăng nhập của tôi" open in the back office (menu, way back to /admin/),
    end a session back there, and does the member-layout page give staff a link back?"""
    user = make.user("secretary", tree["B2"], make.member(tree["B2"], "Lý Văn Quản Trị"))
    _other, desk = _devices(app, user, 2)
    dashboard = desk.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/sessions/"' in dashboard and "Phiên đăng nhập của tôi" in dashboard
    page = desk.get("/admin/sessions/").get_data(as_text=True)
    assert page.count("Kết thúc phiên này") == 2 and 'href="/admin/"' in page and "navbar" in page
    token = csrf_token(desk, "/admin/sessions/")
    row_id = dbq(lambda s: s.execute(select(UserSession.id).where(UserSession.user_id == user.id)
                                     .order_by(UserSession.id)).scalars().first())  # the other device's
    r = desk.post(f"/me/sessions/{row_id}/end", data={"csrf_token": token, "next": "/admin/sessions/"})
    assert r.status_code == 302 and r.location == "/admin/sessions/"
    member_layout = desk.get("/me/sessions").get_data(as_text=True)
    assert "Về trang quản trị" in member_layout and 'href="/admin/"' in member_layout
    member = app.test_client()
    AuthActions(member).login(tree["member"])
    assert member.get("/admin/sessions/").status_code == 403


def test_ending_a_session_kills_its_cookies(app, make, tree, dbq):
    """After ending the phone's session from the desktop, do the phone's session and remember cookies stop working?"""
    user = make.user("committee", tree["C1"])
    phone, desk = _devices(app, user, 2, remember=True)
    remember = phone.get_cookie("remember_token").value
    rows = dbq(lambda s: s.execute(select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)).scalars().all())
    phone_row = rows[0]
    token = csrf_token(desk, "/me/sessions")
    r = desk.post(f"/me/sessions/{phone_row.id}/end", data={"csrf_token": token})
    assert r.status_code == 302
    assert phone.get("/admin/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("remember_token", remember)
    assert thief.get("/admin/").status_code == 302
    assert desk.get("/admin/").status_code == 200


def test_cannot_end_someone_elses_session(app, client, auth, make, tree, dbq):
    """Is ending another user's session a 404?"""
    other = make.user("committee", tree["C2"])
    _devices(app, other, 1)
    row_id = dbq(lambda s: s.execute(select(UserSession.id).where(UserSession.user_id == other.id)).scalar())
    auth.login(tree["committee"])
    token = csrf_token(client, "/me/sessions")
    assert client.post(f"/me/sessions/{row_id}/end", data={"csrf_token": token}).status_code == 404


def test_password_change_ends_the_other_sessions(app, make, tree, dbq):
    """After a password change, do the other devices (session and remember cookies) lose their login,
    while the device that changed it stays in?"""
    user = make.user("committee", tree["C1"])
    phone, desk = _devices(app, user, 2, remember=True)
    remember = phone.get_cookie("remember_token").value
    token = csrf_token(desk, "/me/password")
    r = desk.post("/me/password", data={"csrf_token": token, "current": PASSWORD, "new": "mat-khau-moi-1", "confirm": "mat-khau-moi-1"})
    assert r.status_code == 302
    assert desk.get("/admin/").status_code == 200
    assert phone.get("/admin/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("remember_token", remember)
    assert thief.get("/admin/").status_code == 302
    open_rows = dbq(lambda s: s.execute(select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))).scalars().all())
    assert len(open_rows) == 1
    assert AuthActions(app.test_client()).login(user, password="mat-khau-moi-1").status_code == 302


def test_wrong_current_password_changes_nothing(app, make, tree):
    """Is a password change with a wrong current password refused, the old one still working?"""
    user = make.user("member", tree["B2"], make.member(tree["B2"]))
    (c,) = _devices(app, user, 1)
    token = csrf_token(c, "/me/password")
    r = c.post("/me/password", data={"csrf_token": token, "current": "sai", "new": "mat-khau-moi-2", "confirm": "mat-khau-moi-2"})
    assert r.status_code == 400 and "Mật khẩu hiện tại không đúng" in r.get_data(as_text=True)
    assert AuthActions(app.test_client()).login(user).status_code == 302


def test_deactivation_ends_all_sessions(app, client, auth, make, tree, dbq):
    """When an admin deactivates an account, are all its sessions ended?"""
    member = make.member(tree["B1"])
    user = make.user("member", tree["B1"], member)
    (device,) = _devices(app, user, 1, remember=True)
    assert device.get("/").status_code == 200
    auth.login(tree["admin"])
    token = csrf_token(client, f"/admin/user/edit/?id={user.id}")
    r = client.post(f"/admin/user/edit/?id={user.id}", data={"csrf_token": token, "login": user.login, "role": "member", "member": str(member.id)})
    assert r.status_code == 302
    assert device.get("/").status_code == 302
    assert dbq(lambda s: s.execute(select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))).first()) is None


def test_export_needs_a_recent_login(app, make, tree, dbq):
    """Is an export asked for a fresh password once the login is older than REAUTH_MINUTES, and allowed after?"""
    from handbook.clock import utcnow

    user = make.user("committee", tree["C1"])
    (c,) = _devices(app, user, 1)
    dbq(lambda s: (s.execute(update(UserSession).where(UserSession.user_id == user.id)
                             .values(authenticated_at=utcnow() - timedelta(hours=2))), s.commit()))
    r = c.get("/admin/member/export/csv/")
    assert r.status_code == 302 and "/me/reauth" in r.location
    token = csrf_token(c, r.location)
    r = c.post(r.location, data={"csrf_token": token, "password": "sai"})
    assert r.status_code == 401
    r = c.post("/me/reauth?next=/admin/member/export/csv/", data={"csrf_token": token, "password": PASSWORD})
    assert r.status_code == 302 and r.location == "/admin/member/export/csv/"
    assert c.get("/admin/member/export/csv/").status_code == 200


def test_own_download_needs_a_recent_login(app, make, tree, dbq):
    """Does a member's own download also ask for the password after a stale login?"""
    from handbook.clock import utcnow

    user = make.user("member", tree["B2"], make.member(tree["B2"]))
    (c,) = _devices(app, user, 1)
    dbq(lambda s: (s.execute(update(UserSession).where(UserSession.user_id == user.id)
                             .values(authenticated_at=utcnow() - timedelta(hours=2))), s.commit()))
    r = c.get("/me/data/download.json")
    assert r.status_code == 302 and "/me/reauth" in r.location


def test_logout_ends_only_this_session(app, make, tree):
    """Does logging out on one device leave the user's other device logged in?"""
    user = make.user("committee", tree["C1"])
    phone, desk = _devices(app, user, 2)
    AuthActions(phone).logout()
    assert phone.get("/admin/").status_code == 302
    assert desk.get("/admin/").status_code == 200


def test_forged_session_cookies_are_anonymous_not_errors(app, make, tree):
    """A session cookie naming a huge id, another user's session key or no key: is the visitor simply
    not logged in (sent to the login page), never a 500?"""
    victim = make.user("member", tree["B1"], make.member(tree["B1"], "Nạn Nhân Giả Mạo"))
    other = make.user("member", tree["B1"], make.member(tree["B1"], "Người Khác Giả Mạo"))
    c = app.test_client()
    AuthActions(c).login(other)
    with app.app_context():
        from handbook.extensions import db

        other_key = db.session.execute(select(UserSession.key).where(UserSession.user_id == other.id)).scalars().first()
    for forged in ("9" * 40 + ".x.y", f"{victim.id}.{victim.session_token}.{other_key}", f"{victim.id}.{victim.session_token}", "abc"):
        fresh = app.test_client()
        with fresh.session_transaction() as session:
            session["_user_id"] = forged
            session["_fresh"] = True
        response = fresh.get("/")
        assert response.status_code == 302 and "/login" in response.headers["Location"], forged
