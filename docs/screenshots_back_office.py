"""Take the back office's screenshots of issue 11 (the menu, a member's form with the date picker, an
organization's details, a Vietnamese search dropdown) on the demo data set, as a committee user at
1280×800. Run: `.venv/bin/python docs/screenshots_back_office.py`."""
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screenshots import DESKTOP, OUT, ROOT, demo_app, launch, serve, sign_in  # noqa: E402
from handbook.auth.models import User  # noqa: E402
from handbook.extensions import db  # noqa: E402
from handbook.organizations.models import Member, Organization  # noqa: E402


def main() -> None:
    """Serve the demo and write the four back-office screenshots."""
    app = demo_app()
    with app.app_context():
        committee = db.session.execute(select(User).where(User.role == "committee")).scalars().first()
        root_path = committee.organization.path
        grassroots = db.session.execute(select(Organization.id).where(
            Organization.kind == "grassroots", Organization.path.startswith(root_path)).order_by(Organization.path)).scalars().first()
        member = db.session.execute(select(Member.id).join(Organization).where(
            Organization.path.startswith(root_path), Member.date_of_birth.is_not(None)).order_by(Member.id)).scalars().first()
        login = committee.login
    base = serve(app)
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_context(viewport=DESKTOP, locale="vi-VN").new_page()
        sign_in(page, base, login)

        page.goto(f"{base}/admin/member/")  # the menu with its members' group open
        page.locator(".navbar .dropdown-toggle", has_text="Tổ chức & đảng viên").click()
        page.screenshot(path=str(OUT / "admin-menu-1280.png"))

        page.goto(f"{base}/admin/member/edit/?id={member}")
        page.locator("#date_of_birth").click()
        page.locator(".daterangepicker:visible").wait_for()
        page.screenshot(path=str(OUT / "member-form-1280.png"))

        page.keyboard.press("Escape")
        page.locator("#s2id_organization .select2-choice").click()
        page.keyboard.type("xyz")
        page.locator("#select2-drop .select2-no-results").wait_for()
        page.screenshot(path=str(OUT / "select2-vi.png"))

        page.goto(f"{base}/admin/organization/details/?id={grassroots}")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(OUT / "org-details-1280.png"))
        browser.close()
    for name in ("admin-menu-1280", "member-form-1280", "select2-vi", "org-details-1280"):
        print((OUT / f"{name}.png").relative_to(ROOT))


if __name__ == "__main__":
    main()
