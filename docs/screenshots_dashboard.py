"""Take the dashboard's screenshots of issue 12 on the province data set (the bench's database, seeded
with a year of activity and twelve months of statistics): the province as its admin, then one district
committee drilled down from it. Run after `python -m bench --only statistics` has seeded
instance/bench-thaibinh.sqlite: `.venv/bin/python docs/screenshots_dashboard.py`."""
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots import DESKTOP, OUT, ROOT, launch, serve, sign_in  # noqa: E402
from handbook import create_app  # noqa: E402
from handbook.config import Config  # noqa: E402
from handbook.seed.thaibinh import DEFAULT_PASSWORD, MAIL_DOMAIN  # noqa: E402

DATABASE = ROOT / "instance" / "bench-thaibinh.sqlite"


def main() -> None:
    """Serve the province data set and write the two dashboard screenshots."""
    if not DATABASE.exists():
        sys.exit(f"{DATABASE} is missing: run `python -m bench --only statistics` first")
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{DATABASE}", SECURE_COOKIES=False,
                     SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    base = serve(app)
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_context(viewport=DESKTOP, locale="vi-VN").new_page()
        sign_in(page, base, f"admin@{MAIL_DOMAIN}", DEFAULT_PASSWORD)
        page.goto(f"{base}/admin/")
        page.screenshot(path=str(OUT / "dashboard-province-1280.png"), full_page=True)
        with page.expect_navigation():
            page.locator("[data-testid=children] tbody tr a").nth(1).click()
        page.screenshot(path=str(OUT / "dashboard-committee-1280.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
