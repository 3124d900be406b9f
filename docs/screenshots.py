"""Take the README's screenshots: the demo data set in a fresh database, served on 127.0.0.1, shot in
Debian's Chromium at phone and desktop sizes. Run: `.venv/bin/python docs/screenshots.py`."""
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
sys.path.insert(0, str(ROOT))

from handbook import create_app  # noqa: E402
from handbook.auth.models import User  # noqa: E402
from handbook.config import Config  # noqa: E402
from handbook.content.models import Article, Document  # noqa: E402
from handbook.extensions import db  # noqa: E402
from handbook.seed.demo import DEMO_PASSWORD, seed_demo  # noqa: E402

PHONE, DESKTOP = {"width": 360, "height": 740}, {"width": 1280, "height": 800}


def demo_app():
    """The app on a new SQLite database holding the demo data set."""
    from flask_migrate import upgrade

    folder = tempfile.mkdtemp(prefix="handbook-shots-")
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/demo.sqlite",
                     UPLOAD_FOLDER=f"{folder}/uploads", SECRET_KEY="screenshots")
    with app.app_context():
        upgrade()
        seed_demo(db.session)
    return app


def serve(app) -> str:
    """Serve ``app`` on a free port of 127.0.0.1 in a thread; its base URL (the folder for the shots is made too)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    OUT.mkdir(parents=True, exist_ok=True)
    return f"http://127.0.0.1:{server.server_port}"


def launch(playwright):
    """Debian's Chromium (or $CHROMIUM), driven by Playwright."""
    chromium = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])


def sign_in(page, base, login, password=DEMO_PASSWORD):
    """Log in through the form and acknowledge the data notice on a first login."""
    page.goto(f"{base}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_load_state("networkidle")
    if "/me/notice" in page.url:
        page.get_by_role("button", name="Tôi đã đọc và đồng ý").click()
        page.wait_for_load_state("networkidle")


def main() -> None:
    """Serve the demo and write docs/screenshots/*.png."""
    app = demo_app()
    with app.app_context():
        logins = dict(db.session.execute(select(User.role, User.login)).all())
        document = db.session.execute(select(Document.id).where(Document.number == "35-NQ/TW")).scalar_one()
        article = db.session.execute(select(Article.id).order_by(Article.published_at.desc()).limit(1)).scalar_one()
    base = serve(app)
    with sync_playwright() as p:
        browser = launch(p)
        phone = browser.new_context(viewport=PHONE, locale="vi-VN", device_scale_factor=2).new_page()
        sign_in(phone, base, logins["member"])
        for name, path in (("member-home", "/"), ("member-library", "/documents/?q=nghi+quyet"),
                           ("member-document", f"/documents/{document}")):
            phone.goto(f"{base}{path}")
            phone.wait_for_load_state("networkidle")
            if name == "member-document":  # down to its file and the read button
                phone.evaluate("window.scrollTo(0, document.querySelector('ul.files').getBoundingClientRect().top"
                               " + window.scrollY - 260)")
            phone.screenshot(path=str(OUT / f"{name}-360.png"))
        # The reading pages at normal size and at the largest text size (A+ five times: 200%).
        for step in (0, 5):
            context = browser.new_context(viewport=PHONE, locale="vi-VN")
            context.add_cookies([{"name": "text_size", "value": str(step), "url": base}])
            page = context.new_page()
            sign_in(page, base, logins["member"])
            for name, path in (("member-home", "/"), ("member-news", "/news/"), ("member-library", "/documents/"),
                               ("member-article", f"/news/{article}")):
                page.goto(f"{base}{path}")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(OUT / f"{name}-360-{100 + 20 * step}pct.png"))
            if step == 0:  # offline, at an address never opened: what this phone has kept
                page.evaluate("navigator.serviceWorker.ready")
                page.wait_for_timeout(1000)  # the worker saves the pages above as they are shown
                context.set_offline(True)
                page.goto(f"{base}/documents/999999")
                page.locator("#saved-pages a").first.wait_for()
                page.screenshot(path=str(OUT / "member-offline-360.png"))
            context.close()
        desk = browser.new_context(viewport=DESKTOP, locale="vi-VN").new_page()
        sign_in(desk, base, logins["secretary"])
        for name, path in (("admin-members", "/admin/member/"), ("admin-news-editor", "/admin/article/new/")):
            desk.goto(f"{base}{path}")
            desk.wait_for_load_state("networkidle")
            if name == "admin-news-editor":  # a few formatted lines, as a secretary writes them
                desk.fill("#title", "Chi bộ thôn Quang Trung 1 sinh hoạt chuyên đề tháng Mười Một")
                desk.locator("trix-editor").click()
                desk.keyboard.type("Nội dung chính: ")
                desk.locator("trix-toolbar button[data-trix-attribute=bold]").click()
                desk.keyboard.type("học tập Nghị quyết 35-NQ/TW")
                desk.locator("trix-toolbar button[data-trix-attribute=bold]").click()
                desk.keyboard.press("Enter")
                desk.locator("trix-toolbar button[data-trix-attribute=bullet]").click()
                desk.keyboard.type("Đảng viên tham dự đầy đủ")
                desk.keyboard.press("Enter")
                desk.keyboard.type("Thảo luận và biểu quyết nghị quyết tháng")
            desk.screenshot(path=str(OUT / f"{name}-1280.png"))
        browser.close()
    print("\n".join(str(path.relative_to(ROOT)) for path in sorted(OUT.glob("*.png"))))


if __name__ == "__main__":
    main()
