"""The member web view in a real browser: byte budget, slow 3G, offline reading, accessibility,
large text, and screenshots for a person to look at."""
import json
import re
import time
from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe

from browser import ARTIFACTS, save_screenshot
from content_support import make_article, make_document
from support import PASSWORD

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
BUDGET = 100 * 1024  # bytes on the wire for the first load of a member page, everything included
# (name, path, signed in?): every member page and the pages sharing its layout; {article} and
# {document} are the ids of the ``reading`` fixture's rows.
PAGES = [
    ("login", "/login", False),
    ("home", "/", True),
    ("news", "/news/", True),
    ("article", "/news/{article}", True),
    ("library", "/documents/", True),
    ("document", "/documents/{document}", True),
    ("bookmarks", "/bookmarks", True),
    ("help", "/help", True),
    ("offline", "/offline", False),
    ("my-data", "/me/data", True),
    ("sessions", "/me/sessions", True),
    ("password", "/me/password", True),
    ("reauth", "/me/reauth", True),
    ("notice", "/me/notice", True),
    ("not-found", "/khong-co-trang-nay", True),
]
PAGE_IDS = [name for name, _path, _signed in PAGES]
axe = Axe()


@pytest.fixture(scope="module")
def reader(make, tree):
    """A member of branch B2 with a long Vietnamese name and a CCCD (shown masked)."""
    member = make.member(tree["B2"], "Nguyễn Thị Hường Khuyến", national_id="034185000662",
                         date_of_birth=date(1972, 9, 18))
    return make.user("member", tree["B2"], member)


@pytest.fixture(scope="module")
def reading(app, tree, reader):
    """An article and a document the reader can open (the document on their read-later list), as
    the ids PAGES' paths name."""
    from handbook.content.models import Bookmark
    from handbook.extensions import db

    article = make_article(app, tree["P"], "Hội nghị Ban Chấp hành Đảng bộ tỉnh lần thứ mười lăm bàn về chuyển đổi số",
                           summary="Hội nghị thống nhất các nhiệm vụ trọng tâm của quý cuối năm.",
                           body_html="<div>Sáng nay, Ban Chấp hành Đảng bộ tỉnh họp phiên thường kỳ.</div>"
                                     "<div>Các đồng chí thảo luận về công tác xây dựng Đảng và chính quyền số.</div>")
    document = make_document(app, tree["P"], "Nghị quyết về tăng cường công tác kiểm tra, giám sát của Đảng",
                             number="35-NQ/TU", summary="Nâng cao chất lượng kiểm tra, giám sát trong toàn Đảng bộ.")
    with app.app_context():
        db.session.add(Bookmark(user_id=reader.id, document_id=document.id))
        db.session.commit()
    return {"article": article.id, "document": document.id}


def sign_in(context, base_url, user):
    """Log the context in through the real form, without loading any page in it."""
    html = context.request.get(f"{base_url}/login").text()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = context.request.post(f"{base_url}/login", form={"login": user.login, "password": PASSWORD,
                                                                 "csrf_token": token}, max_redirects=0)
    assert response.status == 302


def new_context(browser, base_url, user=None, viewport=PHONE, **options):
    """A fresh context (empty cache, no service worker), signed in when ``user`` is given."""
    context = browser.new_context(viewport=viewport, locale="vi-VN", **options)
    context.set_default_timeout(10_000)
    if user is not None:
        sign_in(context, base_url, user)
    return context


def worker_ready(page):
    """Wait until the service worker is installed (its shell saved) and activated; return its state."""
    return page.evaluate("""navigator.serviceWorker.ready.then(r => r.active.state === 'activated' ? 'activated'
        : new Promise(done => r.active.addEventListener('statechange', e => done(e.target.state))))""")


def saved_paths(page):
    """The addresses (path and query) the service worker keeps in its cache of opened pages."""
    return page.evaluate("""caches.has('pages-v1').then(has => has ? caches.open('pages-v1')
        .then(c => c.keys()).then(keys => keys.map(r => { const u = new URL(r.url); return u.pathname + u.search; }))
        : [])""")


def wait_saved(page, *paths):
    """Wait (briefly) until the service worker has saved every address given."""
    deadline = time.monotonic() + 10
    while not set(paths) <= set(saved_paths(page)):
        assert time.monotonic() < deadline, f"not saved: {set(paths) - set(saved_paths(page))}"
        page.wait_for_timeout(100)


class ByteCounter:
    """WSGI middleware that counts the bytes the server sends: status line, headers and body."""

    def __init__(self, app):
        self.app = app
        self.sent = []

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING")
        entry = {"url": environ["PATH_INFO"] + (f"?{query}" if query else ""), "bytes": 0}
        self.sent.append(entry)

        def counting_start_response(status, headers, exc_info=None):
            entry["status"] = status
            entry["bytes"] += len(f"HTTP/1.1 {status}\r\n\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in headers)
            return start_response(status, headers, exc_info)

        body = self.app(environ, counting_start_response)
        try:
            for chunk in body:
                entry["bytes"] += len(chunk)
                yield chunk
        finally:
            if hasattr(body, "close"):
                body.close()


@pytest.fixture(scope="module")
def counted_server(app):
    """The app served once more, behind a counter of the bytes it sends."""
    import threading

    from werkzeug.serving import make_server

    counter = ByteCounter(app)
    server = make_server("127.0.0.1", 0, counter, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", counter
    server.shutdown()


@pytest.mark.parametrize("name,path,signed_in", PAGES, ids=PAGE_IDS)
def test_first_load_fits_the_byte_budget(counted_server, browser, reader, reading, name, path, signed_in):
    """Does the first load of each member page, service worker install included, move at most 100 KB?
    Counted twice: what the server sent, and what Chromium says it received."""
    base, counter = counted_server
    path = path.format(**reading)
    context = new_context(browser, base, reader if signed_in else None)
    received = []

    def finished(request):
        sizes = request.sizes()
        response = request.response()
        received.append({"url": request.url.replace(base, ""),
                         "bytes": sizes["responseBodySize"] + sizes["responseHeadersSize"],
                         "encoding": response.headers.get("content-encoding") if response else None})

    context.on("requestfinished", finished)
    counter.sent.clear()  # the sign-in above is not part of the page
    page = context.new_page()
    page.goto(base + path)
    page.wait_for_load_state("networkidle")
    assert worker_ready(page) == "activated"
    page.wait_for_load_state("networkidle")
    sent = sum(entry["bytes"] for entry in counter.sent)
    # Installing the app fetches the manifest and its icons: counted too, whether or not Chromium
    # asked for them during this load.
    manifest = context.request.get(base + page.locator("link[rel=manifest]").get_attribute("href"))
    extra = len(manifest.body()) + sum(len(context.request.get(base + icon["src"]).body())
                                       for icon in manifest.json()["icons"])
    total_received = sum(entry["bytes"] for entry in received)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"bytes-{name}.json").write_text(json.dumps(
        {"server_sent": sent, "browser_received": total_received, "manifest_and_icons": extra,
         "sent": counter.sent[:], "received": received}, indent=1))
    context.close()
    assert sent + extra <= BUDGET, f"{name}: {sent} + {extra} bytes > {BUDGET}: {counter.sent}"
    assert total_received + extra <= BUDGET
    if name != "not-found":  # Flask-Compress leaves error responses alone; that page is small anyway
        document = next(t for t in received if t["url"] == path)
        assert document["encoding"] in ("br", "zstd", "gzip"), "the page itself should be compressed"


def test_home_is_usable_within_5_seconds_on_slow_3g(live_server, browser, reader):
    """On a slow 3G line (400 ms latency, 400 kbit/s), is the home page loaded and readable within 5 s?"""
    context = new_context(browser, live_server, reader)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8,
    })
    start = time.monotonic()
    page.goto(live_server + "/", wait_until="load")
    page.get_by_role("heading", level=1, name="Xin chào, Nguyễn Thị Hường Khuyến").wait_for(state="visible")
    elapsed = time.monotonic() - start
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "slow-3g-home.txt").write_text(f"home on slow 3G: loaded and heading visible in {elapsed:.2f} s\n")
    context.close()
    assert elapsed < 5, f"home took {elapsed:.2f} s on slow 3G"


def test_opened_pages_can_be_read_offline_until_logout(app, live_server, browser, reader, tree):
    """Can a member reread a document and pages they opened with the network off, told they are
    offline, and does logging out leave nothing of theirs to read?"""
    doc = make_document(app, tree["P"], "Nghị quyết về xây dựng Đảng trong sạch", number="901-NQ/TU",
                        summary="Tăng cường bảo vệ nền tảng tư tưởng của Đảng.")
    context = new_context(browser, live_server, reader)
    page = context.new_page()
    page.goto(live_server + "/")
    assert worker_ready(page) == "activated"
    page.goto(live_server + "/help")
    page.goto(f"{live_server}/documents/{doc.id}")
    # Lists opened twice, once searched: each is one page to read offline.
    for address in ("/news/", "/news/?q=hoi+nghi", "/documents/?q=nghi+quyet", "/documents/"):
        page.goto(live_server + address)
    wait_saved(page, "/", "/help", f"/documents/{doc.id}", "/news/", "/news/?q=hoi+nghi", "/documents/?q=nghi+quyet",
               "/documents/")

    context.set_offline(True)
    page.goto(f"{live_server}/documents/{doc.id}")
    assert page.get_by_role("heading", level=1).inner_text() == "Nghị quyết về xây dựng Đảng trong sạch"
    assert "Tăng cường bảo vệ nền tảng tư tưởng của Đảng." in page.content()
    assert page.get_by_test_id("offline-note").is_visible()
    save_screenshot(page, "offline-document-360")
    page.goto(live_server + "/help")
    assert page.get_by_role("heading", level=1).inner_text() == "Hướng dẫn sử dụng"
    assert page.get_by_test_id("offline-note").is_visible()
    assert "Bạn đang ngoại tuyến" in page.get_by_test_id("offline-note").inner_text()
    save_screenshot(page, "offline-help-360")
    page.goto(live_server + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Xin chào, Nguyễn Thị Hường Khuyến"
    assert page.get_by_test_id("offline-note").is_visible()

    # A page never opened: the offline page says so, without claiming to be a saved copy, and lists
    # what can be read, each page once.
    page.goto(live_server + "/study/topics/999999")
    assert page.get_by_role("heading", level=1).inner_text() == "Bạn đang ngoại tuyến"
    page.get_by_test_id("saved-pages").get_by_role("link", name="Hướng dẫn sử dụng").wait_for()
    assert page.get_by_test_id("saved-pages").get_by_role("link").all_inner_texts() == [
        "Trang chủ", "Hướng dẫn sử dụng", "Nghị quyết về xây dựng Đảng trong sạch · Tài liệu", "Tài liệu công tác đảng",
        "Tin tức"]
    assert page.get_by_test_id("saved-intro").inner_text().startswith("Các trang dưới đây đã được lưu trên máy này")
    assert "bản đã lưu" not in page.locator("body").inner_text()
    save_screenshot(page, "offline-fallback-360")
    page.get_by_test_id("saved-pages").get_by_role("link", name="Tin tức").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Tin tức"
    assert page.get_by_test_id("offline-note").is_visible()

    context.set_offline(False)
    page.goto(live_server + "/")
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile(r"/login$"))
    assert worker_ready(page) == "activated"
    assert saved_paths(page) == []
    context.set_offline(True)
    page.goto(live_server + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Bạn đang ngoại tuyến"
    assert "Hường Khuyến" not in page.content()
    assert page.get_by_test_id("saved-intro").inner_text().startswith("Chưa có trang nào được lưu trên máy này")
    assert page.get_by_test_id("saved-pages").get_by_role("link").count() == 0
    context.close()


def _touch_targets_too_small(page):
    """Buttons, fields and navigation links less than 44 CSS pixels tall (inline text links aside;
    a checkbox counts with its label, which is what a finger presses)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll(
        'button, input:not([type=hidden]), .main-nav a, .top a, .foot a, .links a, a.button'))
      .filter(el => el.offsetParent !== null)
      .map(el => [el.outerHTML.slice(0, 80),
                  (el.type === 'checkbox' && el.labels.length ? el.labels[0] : el).getBoundingClientRect()])
      .filter(([_, r]) => r.height < 44 || r.width < 24)
      .map(([html, r]) => html + ' ' + Math.round(r.width) + 'x' + Math.round(r.height))""")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360x740", "1280x800"])
@pytest.mark.parametrize("name,path,signed_in", PAGES, ids=PAGE_IDS)
def test_pages_pass_axe_and_are_screenshotted(live_server, browser, reader, reading, name, path, signed_in,
                                              viewport):
    """Does axe-core find no serious or critical violation on each member page, with large enough
    text and touch targets? (Screenshots saved for a person to look at.)"""
    context = new_context(browser, live_server, reader if signed_in else None, viewport=viewport)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server + path.format(**reading))
    page.wait_for_load_state("networkidle")
    save_screenshot(page, f"{name}-{viewport['width']}x{viewport['height']}")
    results = axe.run(page, options={"resultTypes": ["violations"]})
    serious = [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    body_px = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    small = _touch_targets_too_small(page)
    context.close()
    assert serious == []
    assert body_px >= 16
    assert small == []
    assert errors == []


def _wider_than_the_screen(page):
    """Elements whose right edge passes the viewport's, unless a box around them scrolls or clips sideways
    (then that box is the one that must fit)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('body *')).filter(el => {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.right <= innerWidth + 0.5) return false;
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
          if (getComputedStyle(p).overflowX !== 'visible') return false;
        }
        return true;
      }).map(el => el.outerHTML.slice(0, 80) + ' right=' + Math.round(el.getBoundingClientRect().right))""")


def _words_split_across_lines(page):
    """Words (runs of letters) drawn on two lines, that is broken inside the word: for each word of
    every visible text, the boxes of its letters must share one line."""
    return page.evaluate("""() => {
        const split = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let node; (node = walker.nextNode());) {
          if (node.parentElement.closest('.visually-hidden, .skip')) continue;
          for (const word of node.data.matchAll(/[\\p{L}\\p{M}]+/gu)) {
            const range = document.createRange();
            range.setStart(node, word.index);
            range.setEnd(node, word.index + word[0].length);
            const boxes = Array.from(range.getClientRects()).filter(r => r.width > 0);
            if (boxes.length > 1 && Math.max(...boxes.map(r => r.top)) >= Math.min(...boxes.map(r => r.bottom)) - 1) {
              split.push(word[0] + ' in ' + node.parentElement.outerHTML.slice(0, 60));
            }
          }
        }
        return split; }""")


def _frame_heights(page):
    """The header's height and the fixed bottom bar's (0 when there is none), in CSS pixels."""
    return page.evaluate("""() => { const nav = document.querySelector('.main-nav');
        const fixed = nav && getComputedStyle(nav).position === 'fixed';
        return [document.querySelector('header.top').getBoundingClientRect().height,
                fixed ? nav.getBoundingClientRect().height : 0]; }""")


@pytest.mark.parametrize("name,path,signed_in", PAGES, ids=PAGE_IDS)
def test_pages_fit_a_phone_at_200_percent_text(live_server, browser, reader, reading, name, path, signed_in):
    """At the largest text setting (200%) on a 360×740 phone, is every page still usable: nothing
    scrolls or sticks out sideways, no word is cut in two, and the header and the navigation bar
    leave the screen to the text?"""
    context = new_context(browser, live_server, reader if signed_in else None)
    context.add_cookies([{"name": "text_size", "value": "5", "url": live_server}])
    page = context.new_page()
    page.goto(live_server + path.format(**reading))
    page.wait_for_load_state("networkidle")
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "32px"
    widest = page.evaluate("document.documentElement.scrollWidth")
    wide = _wider_than_the_screen(page)
    split = _words_split_across_lines(page)
    header, bar = _frame_heights(page)
    save_screenshot(page, f"{name}-360x740-200pct")
    context.close()
    assert widest <= PHONE["width"]
    assert wide == []
    assert split == []
    assert header <= 0.2 * PHONE["height"]
    assert bar <= 0.15 * PHONE["height"]


@pytest.mark.parametrize("step", [0, 5], ids=["100pct", "200pct"])
def test_header_with_unread_notices_keeps_one_row(app, live_server, browser, reader, step):
    """When the notices domain counts unread notices, does the phone header still hold the brand, the
    count and A−/A+ on one row, the count read out as "Thông báo"?"""
    from handbook.registry import registry

    house = registry(app)
    house.unread_notices = lambda user: 12
    try:
        context = new_context(browser, live_server, reader)
        context.add_cookies([{"name": "text_size", "value": str(step), "url": live_server}])
        page = context.new_page()
        page.goto(live_server + "/")
        link = page.get_by_role("link", name="Thông báo 12")
        middles = page.evaluate("""() => ['.brand', '.unread', '.text-size'].map(s => {
            const r = document.querySelector(s).getBoundingClientRect(); return (r.top + r.bottom) / 2; })""")
        header, _bar = _frame_heights(page)
        visible = link.is_visible()
        context.close()
    finally:
        house.unread_notices = None
    assert visible
    assert max(middles) - min(middles) <= 2  # one row, centred on one line
    assert header <= 0.1 * PHONE["height"]


def test_text_size_is_remembered_without_javascript(live_server, browser):
    """Can someone without JavaScript make the text larger, and does it stay larger on the next page?"""
    context = new_context(browser, live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/login")

    def press(label):
        # Without JavaScript the button posts a form and the server redirects back: wait for that
        # page, or the next line reads the document while it is being replaced.
        with page.expect_navigation():
            page.get_by_role("button", name=label).click()

    press("Chữ to hơn")
    press("Chữ to hơn")
    assert page.url.endswith("/login")
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "20px"
    page.goto(live_server + "/help")
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "20px"
    press("Chữ nhỏ hơn")
    assert page.url.endswith("/help")
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "18px"
    context.close()


def test_the_handbook_is_installable(live_server, browser, reader):
    """Does the page link a manifest with PNG icons of 192 and 512 px, and a service worker cover the whole site?"""
    context = new_context(browser, live_server, reader)
    page = context.new_page()
    page.goto(live_server + "/")
    href = page.locator("link[rel=manifest]").get_attribute("href")
    manifest = context.request.get(live_server + href).json()
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert context.request.get(live_server + icon["src"]).status == 200
    worker_ready(page)
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)") == live_server + "/"
    context.close()


@pytest.fixture(scope="module")
def full_nav_server():
    """A second app, without a database, that also serves the later features' addresses, so the
    navigation shows all six planned entries (its offline page draws the navigation and needs no login)."""
    import threading

    from flask import Blueprint
    from werkzeug.serving import make_server

    from handbook import create_app
    from handbook.config import TestConfig
    from handbook.registry import add_member_nav

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    features = Blueprint("features", __name__)
    # News, documents and study are real; calendar and notices are not built yet: stand-ins register their entries.
    for position, label, path, icon in ((30, "Lịch", "/calendar/", "calendar"), (40, "Thông báo", "/notices/", "bell")):
        features.add_url_rule(path, path.strip("/"), lambda: "")
        add_member_nav(app, position, label, path, icon)
    app.register_blueprint(features)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.parametrize("viewport,step", [(PHONE, 0), (PHONE, 2), (PHONE, 3), (PHONE, 5), (DESKTOP, 0)],
                         ids=["360-100pct", "360-125pct", "360-150pct", "360-200pct", "1280-100pct"])
def test_full_navigation_fits_and_passes_axe(full_nav_server, browser, viewport, step):
    """With all six planned navigation entries, does the bar fit the screen at every text size, with
    no label cut inside a word, pass axe, stay a slim bar and leave the end of the page uncovered?"""
    context = new_context(browser, full_nav_server, viewport=viewport)
    context.add_cookies([{"name": "text_size", "value": str(step), "url": full_nav_server}])
    page = context.new_page()
    page.goto(full_nav_server + "/offline")
    page.wait_for_load_state("networkidle")
    labels = page.locator(".main-nav a").all_inner_texts()
    assert [label.strip().replace("\n", " ") for label in labels] == ["Trang chủ", "Tin tức", "Tài liệu", "Học tập",
                                                                     "Lịch", "Thông báo"]
    widest = page.evaluate("document.documentElement.scrollWidth")
    wide = _wider_than_the_screen(page)
    split = _words_split_across_lines(page)
    header, bar = _frame_heights(page)
    results = axe.run(page, options={"resultTypes": ["violations"]})
    serious = [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    small = _touch_targets_too_small(page)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    covered = page.evaluate("""() => { const nav = document.querySelector('.main-nav').getBoundingClientRect();
        const last = document.querySelector('.foot a').getBoundingClientRect();
        return getComputedStyle(document.querySelector('.main-nav')).position === 'fixed' && last.bottom > nav.top; }""")
    room = page.evaluate("parseFloat(getComputedStyle(document.body).paddingBottom)")
    save_screenshot(page, f"nav-{viewport['width']}x{viewport['height']}-step{step}")
    context.close()
    assert widest <= viewport["width"]
    assert wide == []
    assert split == []
    assert header <= 0.2 * viewport["height"]
    assert bar <= 0.15 * viewport["height"]
    assert bar <= room + 1  # the page leaves as much room under its end as the bar takes
    assert serious == []
    assert small == []
    assert not covered


def test_read_later_documents_open_offline_without_being_opened(app, live_server, browser, make, tree):
    """Is a document on the read-later list saved when the list is shown, so that it opens with
    no network even though it was never opened?"""
    member = make.member(tree["B3"], "Trịnh Thị Đọc Sau")
    user = make.user("member", tree["B3"], member)
    doc = make_document(app, tree["P"], "Chỉ thị về sinh hoạt chi bộ", number="50-CT/TW")
    other = make_document(app, tree["P"], "Kết luận chưa lưu", number="21-KL/TW")
    context = new_context(browser, live_server, user)
    page = context.new_page()
    # Save it for later from the library, as a member would, without opening the document page.
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', context.request.get(f"{live_server}/").text()).group(1)
    assert context.request.post(f"{live_server}/documents/{doc.id}/bookmark", form={"csrf_token": token},
                                max_redirects=0).status == 302
    page.goto(live_server + "/bookmarks")
    assert worker_ready(page) == "activated"
    wait_saved(page, "/bookmarks", f"/documents/{doc.id}")
    context.set_offline(True)
    page.goto(f"{live_server}/documents/{doc.id}")
    assert page.get_by_role("heading", level=1).inner_text() == "Chỉ thị về sinh hoạt chi bộ"
    assert page.get_by_test_id("offline-note").is_visible()
    page.goto(live_server + "/bookmarks")
    assert page.get_by_role("heading", level=1).inner_text() == "Tài liệu lưu để đọc sau"
    page.goto(f"{live_server}/documents/{other.id}")
    assert page.get_by_role("heading", level=1).inner_text() == "Bạn đang ngoại tuyến"
    context.close()
