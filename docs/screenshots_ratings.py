"""Take the yearly rating's screenshots on the demo data set: the member's self-assessment on a phone,
the secretary's proposals, the grassroots committee's decision with its quota, and the first page of
the branch's PDF sheet. Run: `.venv/bin/python docs/screenshots_ratings.py`."""
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshots import DESKTOP, OUT, PHONE, demo_app, launch, serve, sign_in  # noqa: E402

from handbook.auth.models import User  # noqa: E402
from handbook.extensions import db  # noqa: E402
from handbook.ratings.models import MemberRating, RatingRuleSet  # noqa: E402


def main() -> None:
    """Serve the demo and write docs/screenshots/rating-*.png."""
    app = demo_app()
    with app.app_context():
        year = db.session.execute(select(func.max(RatingRuleSet.year)).where(RatingRuleSet.is_open.is_(True))).scalar()
        logins = dict(db.session.execute(select(User.role, User.login)).all())
        # The committee with the most proposals waiting, and a branch of its with proposals made.
        proposed = db.session.execute(select(MemberRating.organization_id).where(
            MemberRating.year == year, MemberRating.proposed_level.is_not(None)).limit(1)).scalar()
        committee = db.session.execute(select(User.login).where(User.role == "committee")).scalars().first()
        secretary = db.session.execute(select(User.organization_id).where(User.login == logins["secretary"])).scalar()
    base = serve(app)
    with sync_playwright() as p:
        browser = launch(p)
        phone = browser.new_context(viewport=PHONE, locale="vi-VN", device_scale_factor=2).new_page()
        sign_in(phone, base, logins["member"])
        phone.goto(f"{base}/me/rating")
        phone.screenshot(path=str(OUT / "rating-self-360.png"))
        desk = browser.new_context(viewport=DESKTOP, locale="vi-VN", accept_downloads=True).new_page()
        sign_in(desk, base, logins["secretary"])
        desk.goto(f"{base}/admin/ratings/branch?org={secretary}&year={year}")
        desk.screenshot(path=str(OUT / "rating-branch-1280.png"))
        with desk.expect_download() as download:
            desk.locator("button[data-download=pdf]").click()
        with tempfile.TemporaryDirectory() as scratch:
            pdf = Path(scratch) / "sheet.pdf"
            download.value.save_as(pdf)
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                            str(OUT / "rating-sheet-pdf")], check=True)
        desk = browser.new_context(viewport=DESKTOP, locale="vi-VN").new_page()
        sign_in(desk, base, committee)
        desk.goto(f"{base}/admin/ratings/decide?org={proposed}&year={year}")
        desk.screenshot(path=str(OUT / "rating-decide-1280.png"))
        browser.close()
    print("\n".join(str(path) for path in sorted(OUT.glob("rating-*.png"))))


if __name__ == "__main__":
    main()
