"""The member web view through the test client: compression, cache headers, the PWA files, the
text-size setting, logout clearing the device, and pages ready for a strict Content-Security-Policy."""
import json
import re

import pytest
from flask import Blueprint

from handbook import create_app
from handbook.config import TestConfig
from handbook.registry import add_member_nav, registry
from support import csrf_token

MEMBER_PAGES = ["/", "/help", "/offline", "/login", "/news/", "/documents/", "/bookmarks", "/khong-co-trang-nay"]


@pytest.fixture
def member_client(client, auth, tree):
    """A test client signed in as the member of branch B1."""
    auth.login(tree["member"])
    return client


def _static_links(html):
    """The /static/ URLs a page links to."""
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_are_compressed(member_client):
    """Are member pages sent compressed to a browser that accepts it, and marked as varying by encoding?"""
    for encoding in ("br", "gzip"):
        response = member_client.get("/help", headers={"Accept-Encoding": encoding})
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
    plain = member_client.get("/help", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert "Hướng dẫn sử dụng" in plain.get_data(as_text=True)


def test_static_files_are_fingerprinted_and_cached_for_a_year(client):
    """Do pages link static files by content hash, served as immutable for a year, and is any other
    version only revalidated?"""
    links = _static_links(client.get("/login").get_data(as_text=True))
    assert any(link.startswith("/static/css/app.css?v=") for link in links)
    assert any(link.startswith("/static/js/app.js?v=") for link in links)
    for link in links:
        response = client.get(link)
        assert response.status_code == 200, link
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", link
    stale = client.get("/static/css/app.css?v=000000000000")
    assert stale.status_code == 200 and stale.headers["Cache-Control"] == "no-cache"
    assert client.get("/static/css/app.css").headers["Cache-Control"] == "no-cache"


def test_static_files_are_compressed(client):
    """Is the stylesheet sent compressed?"""
    link = next(l for l in _static_links(client.get("/login").get_data(as_text=True)) if "app.css" in l)
    response = client.get(link, headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"


def test_back_office_static_files_still_work(client, auth, tree):
    """Do Flask-Admin's own stylesheets and scripts still load?"""
    auth.login(tree["admin"])
    html = client.get("/admin/").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/admin/static/[^"]+)"', html)
    assert links
    for link in links:
        assert client.get(link).status_code == 200, link


def test_service_worker_is_served_from_the_root(client):
    """Is the service worker at /sw.js (scope: the whole site), never cached stale, listing the
    fingerprinted shell and the offline page?"""
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    source = response.get_data(as_text=True)
    shell = json.loads(re.search(r"^const SHELL = (.*);$", source, re.M).group(1))
    assert "/offline" in shell
    assert any(url.startswith("/static/css/app.css?v=") for url in shell)
    # the news and documents pages kept for offline reading need their own stylesheet too
    assert any(url.startswith("/static/css/content.css?v=") for url in shell)
    for url in shell:
        assert client.get(url).status_code == 200, url
    assert re.search(r'^const VERSION = "[0-9a-f]{12}";$', source, re.M)


def test_manifest_makes_the_handbook_installable(client):
    """Does the manifest name the app in Vietnamese, start at home and point at icons that exist?"""
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["name"] == "Sổ tay đảng viên điện tử"
    assert manifest["lang"] == "vi" and manifest["start_url"] == "/" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200, icon


def test_navigation_marks_the_section_of_each_reading_page(member_client):
    """Do news and documents each light their own bottom entry (the read-later list under documents),
    with the documents' two lists, and only they, sharing tabs?"""

    def current(path):
        html = member_client.get(path).get_data(as_text=True)
        nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)
        tabs = re.search(r'<nav class="content-nav".*?</nav>', html, re.S)
        return (re.findall(r'aria-current="page">.*?<span>([^<]+)</span>', nav, re.S),
                re.findall(r">([^<]+)</a>", tabs.group(0)) if tabs else [])

    assert current("/news/") == (["Tin tức"], [])
    assert current("/documents/") == (["Tài liệu"], ["Thư viện", "Đọc sau"])
    assert current("/bookmarks") == (["Tài liệu"], ["Thư viện", "Đọc sau"])
    assert current("/help") == ([], [])


def test_a_staff_account_without_a_record_is_greeted_without_its_login_in_the_heading(client, auth, tree):
    """Does an admin with no member record get a plain greeting (a login in the heading broke
    mid-word on a phone) and the login named where the missing record is explained?"""
    auth.login(tree["admin"])
    html = client.get("/").get_data(as_text=True)
    assert re.search(r"<h1>Xin chào</h1>", html)
    assert f"Tài khoản <strong>{tree['admin'].login}</strong> chưa gắn với hồ sơ đảng viên." in html


def test_offline_page_holds_nothing_personal(member_client, tree):
    """Is the offline page, which the service worker keeps for anyone using the phone, free of the
    member's name and of form tokens?"""
    html = member_client.get("/offline").get_data(as_text=True)
    assert "Bạn đang ngoại tuyến" in html
    assert "Trần Thị B1 Hai" not in html
    assert "csrf_token" not in html


@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_pages_are_ready_for_a_strict_content_security_policy(client, auth, tree, path):
    """Do member pages avoid inline scripts, inline event handlers and style attributes?"""
    if path != "/login":  # a signed-in member is sent on from the login page
        auth.login(tree["member"])
    html = client.get(path).get_data(as_text=True)
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    # inside a tag only: news written by others may quote "onerror=" as (escaped) text
    assert re.search(r"<[^>]*\son[a-z]+\s*=", html) is None
    assert re.search(r"<[^>]*\sstyle\s*=", html) is None
    assert re.search(r"<style\b", html) is None
    assert '<html lang="vi"' in html


def test_text_size_is_remembered(client):
    """Does A+ make the text one step larger on every later page, stopping at 200%, and A− smaller?"""
    token = csrf_token(client, "/help")
    for _ in range(7):
        response = client.post("/settings/text-size", data={"csrf_token": token, "change": "up", "next": "/help"})
    assert response.status_code == 302 and response.headers["Location"] == "/help"
    assert 'class="ts-5"' in client.get("/help").get_data(as_text=True)
    client.post("/settings/text-size", data={"csrf_token": token, "change": "down", "next": "/login"})
    html = client.get("/login").get_data(as_text=True)
    assert 'class="ts-4"' in html


def test_text_size_needs_a_form_token_and_stays_on_the_site(client):
    """Is a text-size change without the CSRF token refused, and a foreign "next" ignored?"""
    refused = client.post("/settings/text-size", data={"change": "up", "next": "/help"})
    assert refused.status_code == 400
    assert "text_size" not in refused.headers.get("Set-Cookie", "")
    token = csrf_token(client, "/help")
    response = client.post("/settings/text-size", data={"csrf_token": token, "change": "up",
                                                        "next": "https://evil.example/"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_logout_clears_the_saved_pages(client, auth, tree):
    """Does logging out tell the browser to drop its caches and stored pages?"""
    auth.login(tree["member"])
    response = auth.logout()
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_home_shows_what_features_say_needs_the_member_today(app, member_client):
    """Does the home list what later features report for today, and the header the unread notices?"""
    house = registry(app)
    providers = house.member_today
    try:
        house.member_today = []
        assert "Hôm nay bạn chưa có việc nào cần làm." in member_client.get("/").get_data(as_text=True)
        house.member_today = [lambda user: [{"text": "Sinh hoạt chi bộ lúc 14:00", "url": "/meetings/1"}]]
        house.unread_notices = lambda user: 3
        html = member_client.get("/").get_data(as_text=True)
    finally:
        house.member_today = providers
        house.unread_notices = None
    assert '<a href="/meetings/1">Sinh hoạt chi bộ lúc 14:00</a>' in html
    assert re.search(r'data-testid="unread">3<', html)


def _app_with_features(*entries):
    """A throwaway app (no database needed) that also serves and registers the navigation ``entries``
    (position, label, path, icon), as later domains will."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    feature = Blueprint("feature", __name__)
    for position, label, path, icon in entries:
        feature.add_url_rule(path, path.strip("/"), lambda: "")
        add_member_nav(app, position, label, path, icon)
    app.register_blueprint(feature)
    return app


def test_navigation_shows_only_features_that_exist():
    """Does the navigation list only the features this deployment has, in the issue's order?"""
    alone = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://").test_client()
    html = alone.get("/offline").get_data(as_text=True)
    assert re.findall(r'<li><a href="([^"]+)"[^>]*>.*?<span>([^<]+)</span>', html, re.S) == [
        ("/", "Trang chủ"), ("/news/", "Tin tức"), ("/documents/", "Tài liệu"), ("/study/", "Học tập")]
    client = _app_with_features((30, "Lịch", "/calendar/", "calendar")).test_client()
    html = client.get("/offline").get_data(as_text=True)
    labels = re.findall(r'<li><a href="([^"]+)"[^>]*>.*?<span>([^<]+)</span>', html, re.S)
    assert labels == [("/", "Trang chủ"), ("/news/", "Tin tức"), ("/documents/", "Tài liệu"), ("/study/", "Học tập"),
                      ("/calendar/", "Lịch")]
