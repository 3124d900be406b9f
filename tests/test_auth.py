"""Login, logout, CSRF, redirects and lockout."""
from support import PASSWORD


def test_healthz_reports_database(client):
    """Does /healthz answer JSON that says the database is reachable?"""
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok", "database": "ok"}


def test_login_by_phone_in_any_format(client, auth, make, tree):
    """Can a member log in with their phone written as +84 and spaces?"""
    member = make.member(tree["B1"], "Lê Thị Hường")
    make.user("member", tree["B1"], member, login="0912345678")
    r = auth.login("+84 912 345 678")
    assert r.status_code == 302 and r.location == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Lê Thị Hường" in page and "Chi bộ B1" in page


def test_post_without_csrf_is_refused(client, tree):
    """Is a login POST without a CSRF token refused with a Vietnamese message?"""
    r = client.post("/login", data={"login": tree["admin"].login, "password": PASSWORD})
    assert r.status_code == 400
    assert "tải lại trang" in r.get_data(as_text=True)


def test_admin_post_without_csrf_is_refused(client, auth, tree, dbq):
    """Is a back-office create without a CSRF token refused, and nothing saved?"""
    from sqlalchemy import select

    from handbook.organizations.models import Organization

    auth.login(tree["admin"])
    r = client.post("/admin/organization/new/", data={"code": "NOCSRF", "name": "X", "kind": "branch"})
    assert r.status_code == 400
    assert dbq(lambda s: s.execute(select(Organization).where(Organization.code == "NOCSRF")).first()) is None


def test_cookie_replayed_after_logout_is_refused(app, tree):
    """Does a session cookie copied before logout stop working after it?"""
    from support import AuthActions

    c = app.test_client()
    AuthActions(c).login(tree["committee"])
    stolen = c.get_cookie("session").value
    assert c.get("/admin/").status_code == 200
    AuthActions(c).logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    r = thief.get("/admin/")
    assert r.status_code == 302 and "/login" in r.location


def test_remember_cookie_replayed_after_logout_is_refused(app, tree):
    """Does a remember-me cookie copied before logout stop working after it?"""
    from support import AuthActions

    c = app.test_client()
    AuthActions(c).login(tree["committee"], remember=True)
    remember = c.get_cookie("remember_token").value
    AuthActions(c).logout()
    thief = app.test_client()
    thief.set_cookie("remember_token", remember)
    r = thief.get("/admin/")
    assert r.status_code == 302 and "/login" in r.location


def test_cookies_are_httponly_and_lax(client, auth, tree):
    """Are the session and remember cookies HttpOnly and SameSite=Lax?"""
    r = auth.login(tree["committee"], remember=True)
    cookies = r.headers.getlist("Set-Cookie")
    for name in ("session=", "remember_token="):
        cookie = next(c for c in cookies if c.startswith(name))
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_next_only_accepts_local_paths(client, auth, tree):
    """Do //evil.example and https://evil.example in `next` land on a local page instead?"""
    for evil in ("//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)"):
        client.get("/")  # fresh page
        r = auth.login(tree["member"], next_url=evil)
        assert r.status_code == 302
        assert r.location.startswith("/") and not r.location.startswith("//"), r.location
        assert "evil" not in r.location
        auth.logout()
    r = auth.login(tree["member"], next_url="/healthz")
    assert r.location == "/healthz"


def test_repeated_failures_slow_down_a_new_device(client, auth, make, tree, monkeypatch):
    """After five wrong passwords from a device the account never used, is even the right one refused
    there with a clear message?"""
    monkeypatch.setitem(client.application.config, "LOGIN_ACCOUNT_ADDRESS_LIMIT", "5/15minutes")
    user = make.user("member", tree["B1"], make.member(tree["B1"]))
    for _ in range(5):
        r = auth.login(user, password="sai-mat-khau")
        assert r.status_code == 401
        assert "Sai số điện thoại/email hoặc mật khẩu" in r.get_data(as_text=True)
    r = auth.login(user)
    assert r.status_code == 429
    assert "Vui lòng thử lại sau 15 phút" in r.get_data(as_text=True)


def test_member_cannot_enter_admin(client, auth, tree):
    """Is a member account kept out of /admin/?"""
    auth.login(tree["member"])
    assert client.get("/admin/").status_code == 403
    assert client.get("/admin/member/").status_code == 403


def test_anonymous_is_sent_to_login(client):
    """Does an anonymous visitor to the back office land on the login page?"""
    r = client.get("/admin/member/")
    assert r.status_code == 302 and "/login" in r.location
