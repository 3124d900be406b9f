"""Issue 9, item 11: the organization export names the parent; nothing authenticated is cached;
cookies are Secure by default outside development."""
import re

import pytest

from content_support import attach, make_document, pdf_bytes
from handbook.config import secure_cookies
from handbook.organizations.models import Organization
from support import AuthActions, csrf_token, export_rows


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_organization_export_names_the_parent(client, auth, tree, fmt):
    """Did the export's parent columns repeat the row's own code and name? Now a branch's parent
    columns hold its grassroots organization, under their own titles, and the root's are empty."""
    auth.login(tree["admin"])
    rows = export_rows(client.get(f"/admin/organization/export/{fmt}/"), fmt)
    assert rows[0][3:5] == ["Mã tổ chức cấp trên", "Tổ chức cấp trên"]
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code[tree["B1"].code][3:5] == [tree["G1"].code, tree["G1"].name]
    assert by_code[tree["C2"].code][3:5] == [tree["P"].code, tree["P"].name]
    assert by_code[tree["P"].code][3:5] == ["", ""]


def test_organization_filter_by_parent_code(client, auth, tree, dbq):
    """Does the list's "parent code" filter give the children of that organization (not the organization itself)?"""
    auth.login(tree["admin"])
    view = next(v for v in client.application.extensions["handbook_admin"]._views if getattr(v, "endpoint", "") == "organization")
    with client.application.test_request_context():
        key = next(k for k, (_i, f) in view._filter_args.items() if f.name == "Mã tổ chức cấp trên")
    page = client.get(f"/admin/organization/?flt0_{key}={tree['G1'].code.lower()}").get_data(as_text=True)
    shown = {int(i) for i in re.findall(r"/details/\?id=(\d+)", page)}
    # Other tests may add organizations under G1 too: every one shown is a child of G1, G1 is not.
    assert {tree["B1"].id, tree["B2"].id} <= shown and tree["G1"].id not in shown
    assert dbq(lambda s: {s.get(Organization, i).parent_id for i in shown}) == {tree["G1"].id}


def test_authenticated_responses_are_not_stored(app, client, auth, tree, make):
    """Did authenticated pages go without ``Cache-Control: no-store``? Now every page, export and file
    an authenticated user gets carries it; static assets keep their long caching."""
    doc = make_document(app, tree["B1"])
    row = attach(app, doc, pdf_bytes("x"), name="tep.pdf")
    member = make.member(tree["B1"], "Cao Thị Đệm")
    user = make.user("member", tree["B1"], member)
    auth.login(tree["admin"])
    for url in ("/", "/admin/", "/admin/member/", f"/admin/member/details/?id={member.id}", "/me/sessions",
                "/admin/member/export/csv/", "/admin/member/export/xlsx/", f"/documents/{doc.id}/files/{row.id}",
                "/admin/no-such-page/"):
        r = client.get(url)
        assert r.headers.get("Cache-Control") == "no-store", (url, r.status_code, r.headers.get("Cache-Control"))
    c = app.test_client()
    AuthActions(c).login(user)
    for url in ("/", "/me/data", "/documents/", "/me/data/download.json"):
        assert c.get(url).headers.get("Cache-Control") == "no-store", url
    page = c.get("/").get_data(as_text=True)
    asset = re.search(r'(/static/[^"?]+\.css\?v=[0-9a-f]+)', page).group(1)
    assert "no-store" not in c.get(asset).headers.get("Cache-Control", "")
    assert "no-store" not in c.get("/admin/static/bootstrap/bootstrap4/swatch/default/bootstrap.min.css").headers.get("Cache-Control", "")


@pytest.mark.parametrize("env, expected", [
    ({}, True),
    ({"FLASK_DEBUG": "1"}, False),
    ({"SECURE_COOKIES": "0"}, False),
    ({"SECURE_COOKIES": "1", "FLASK_DEBUG": "1"}, True),
    ({"FLASK_DEBUG": "0"}, True),
])
def test_cookies_are_secure_unless_development(monkeypatch, env, expected):
    """Were cookies Secure only when a setting said so? Now Secure is the default; only development
    (FLASK_DEBUG) or an explicit SECURE_COOKIES=0 (``make run`` on plain HTTP) turns it off."""
    for name in ("SECURE_COOKIES", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert secure_cookies() is expected


def test_make_run_serves_plain_http_without_secure_cookies():
    """Does ``make run`` (plain HTTP on 127.0.0.1) turn Secure cookies off, so the demo can log in?"""
    import pathlib

    makefile = (pathlib.Path(__file__).parent.parent / "Makefile").read_text()
    run = re.search(r"(?ms)^run:.*?(?=^\S)", makefile).group(0)
    assert "SECURE_COOKIES=$(SECURE_COOKIES)" in run and re.search(r"(?m)^SECURE_COOKIES \?= 0$", makefile)


def test_secure_cookies_are_set_with_the_flag(app, tree, monkeypatch):
    """With the production default, do the session and remember cookies carry ``Secure``?"""
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    monkeypatch.setitem(app.config, "REMEMBER_COOKIE_SECURE", True)
    c = app.test_client()
    token = csrf_token(c)
    r = c.post("/login", data={"login": tree["admin"].login, "password": "matkhau-123", "csrf_token": token,
                               "remember": "y"})
    cookies = {h.split("=", 1)[0]: h for h in r.headers.getlist("Set-Cookie")}
    assert "Secure" in cookies["session"] and "Secure" in cookies["remember_token"]
