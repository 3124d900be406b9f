"""Security headers, rate limits, and exports that a spreadsheet cannot run as formulas."""
import csv
import io

import pytest
from openpyxl import load_workbook

from support import AuthActions, csrf_token

EVIL = '=HYPERLINK("http://x","y")'


def test_csp_and_friends_on_every_page(client, auth, tree):
    """Do member, admin and login pages carry a CSP without inline script, no framing, a referrer policy and nosniff?"""
    pages = [client.get("/login")]
    auth.login(tree["admin"])
    pages += [client.get("/admin/"), client.get("/admin/member/"), client.get("/")]
    for r in pages:
        csp = r.headers["Content-Security-Policy"]
        script = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script and "'self'" in script
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert r.headers["Referrer-Policy"] == "same-origin"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in r.headers


def test_admin_inline_scripts_carry_the_nonce(client, auth, tree):
    """Does every script tag of an admin page either load a file or carry this response's nonce?"""
    import re

    auth.login(tree["admin"])
    r = client.get("/admin/member/new/")
    nonce = re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1)
    for tag in re.findall(r"<script[^>]*>", r.get_data(as_text=True)):
        assert "src=" in tag or f'nonce="{nonce}"' in tag, tag


def test_hsts_only_over_https(client):
    """Is HSTS sent over HTTPS and not over plain HTTP?"""
    assert "Strict-Transport-Security" not in client.get("/login").headers
    r = client.get("/login", base_url="https://localhost")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")


def test_login_is_rate_limited(app, tree):
    """Past the login limit, are further attempts from one address refused with 429 in Vietnamese?"""
    old = app.config["LOGIN_RATE_LIMIT"]
    app.config["LOGIN_RATE_LIMIT"] = "3/minute"
    try:
        c = app.test_client()
        env = {"REMOTE_ADDR": "10.6.6.6"}
        token = csrf_token(c)
        codes = [c.post("/login", data={"login": "x@y.vn", "password": "z", "csrf_token": token}, environ_base=env).status_code
                 for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        r = c.post("/login", data={"login": "x@y.vn", "password": "z", "csrf_token": token}, environ_base=env)
        assert r.status_code == 429 and "Vui lòng thử lại sau 1 phút" in r.get_data(as_text=True)
        # Another address is not affected.
        r = c.post("/login", data={"login": "x@y.vn", "password": "z", "csrf_token": token}, environ_base={"REMOTE_ADDR": "10.6.6.7"})
        assert r.status_code == 401
    finally:
        app.config["LOGIN_RATE_LIMIT"] = old


def test_exports_are_rate_limited(app, make, tree):
    """Past the export limit, is the next export refused with 429?"""
    old = app.config["EXPORT_RATE_LIMIT"]
    app.config["EXPORT_RATE_LIMIT"] = "2/minute"
    try:
        c = app.test_client()
        AuthActions(c).login(make.user("committee", tree["C1"]))
        codes = [c.get("/admin/organization/export/csv/").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
    finally:
        app.config["EXPORT_RATE_LIMIT"] = old


def _cells(response, fmt):
    """Every cell of an exported file, as text."""
    if fmt == "csv":
        return [cell for row in csv.reader(io.StringIO(response.get_data(as_text=True))) for cell in row]
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [cell.value for row in sheet.iter_rows() for cell in row]


@pytest.fixture(scope="module")
def evil_rows(make, tree, app):
    """A member named like a formula, with an account and a correction request carrying formulas."""
    from handbook.extensions import db
    from handbook.privacy.models import CorrectionRequest

    member = make.member(tree["B1"], EVIL, hometown="+cmd|' /C calc'!A0", occupation="-2+3", email="@SUM(1+1)")
    user = make.user("member", tree["B1"], member, login="0987654321")
    with app.app_context():
        db.session.add(CorrectionRequest(member_id=member.id, field="hometown", requested_value="=1+1", note="\tTAB"))
        db.session.commit()
    org = make.org(tree["B1"], "branch", "=cmd|' /C calc'!A0")
    return member, user, org


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_export_writes_formulas_as_text(app, evil_rows, tree, fmt):
    """Does a member named =HYPERLINK(...) come out of every admin export, csv and xlsx, as text?"""
    c = app.test_client()
    AuthActions(c).login(tree["admin"])
    admin = app.extensions["handbook_admin"]
    screens = [v for v in admin._views if getattr(v, "can_export", False) and fmt in getattr(v, "export_types", [])]
    assert {v.endpoint for v in screens} >= {"member", "user", "organization", "correction", "audit"}
    for view in screens:
        r = c.get(f"/admin/{view.endpoint}/export/{fmt}/")
        assert r.status_code == 200, view.endpoint
        cells = [str(v) for v in _cells(r, fmt) if v is not None]
        dangerous = [v for v in cells if v[:1] in ("=", "+", "-", "@", "\t", "\r")]
        assert dangerous == [], (view.endpoint, dangerous)
        if view.endpoint in ("member", "user"):
            assert "'" + EVIL in cells, view.endpoint
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(c.get("/admin/member/export/xlsx/").data)).active
        kinds = {cell.data_type for row in sheet.iter_rows() for cell in row if cell.value and EVIL in str(cell.value)}
        assert kinds == {"s"}  # a string, never a formula ("f")


def test_client_address_comes_from_a_trusted_proxy_only(app, tree):
    """With PROXY_COUNT=1 (nginx in front), is a failed login audited with the client's address from
    X-Forwarded-For; and without it, is that header ignored (a client cannot forge its address)?"""
    from sqlalchemy import select

    from handbook import create_app
    from handbook.audit.models import AuditEntry
    from handbook.config import TestConfig
    from handbook.extensions import db

    def failed_login_ip(flask_app, login):
        c = flask_app.test_client()
        token = csrf_token(c)
        r = c.post("/login", data={"login": login, "password": "sai", "csrf_token": token},
                   headers={"X-Forwarded-For": "203.0.113.9"})
        assert r.status_code == 401
        with app.app_context():
            return db.session.execute(
                select(AuditEntry.ip).where(AuditEntry.action == "login_failed", AuditEntry.login == login)
            ).scalar_one()

    proxied = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                         UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"], PROXY_COUNT=1)
    assert failed_login_ip(proxied, "qua-proxy@thu.vn") == "203.0.113.9"
    assert failed_login_ip(app, "truc-tiep@thu.vn") == "127.0.0.1"
