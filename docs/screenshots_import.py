"""Take the register import's screenshots on the demo data set: a committee's dry run with its errors,
the import done with its activation files, the first page of the activation sheet, and the member's
activation page on a phone. Run: `.venv/bin/python docs/screenshots_import.py`."""
import io
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
from playwright.sync_api import sync_playwright
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from screenshots import DESKTOP, OUT, PHONE, demo_app, launch, serve, sign_in  # noqa: E402

from handbook.auth.models import User  # noqa: E402
from handbook.extensions import db  # noqa: E402
from handbook.organizations.models import Organization  # noqa: E402
from handbook.roster.columns import COLUMNS  # noqa: E402

PEOPLE = [
    ("Nguyễn Thị Thu Hà", "Nữ", "12/05/1986", "03/02/2012", "03/02/2013", "0916000401", ""),
    ("Trần Văn Bình", "Nam", "31/04/1975", "19/05/2001", "19/05/2002", "0916000402", ""),
    ("Lê Minh Châu", "Nam", "02/09/1990", "07/11/2015", "07/11/2016", "", "chau.lm@example"),
    ("Phạm Thị Dung", "Nữ", "20/10/1979", "03/02/2005", "03/02/2004", "0916000404", ""),
    ("Hoàng Văn Em", "Nam", "15/08/1968", "22/12/1995", "22/12/1996", "0916000405", "em.hv@example.vn"),
]


def register(branch_codes: list[str], fixed: bool) -> bytes:
    """The demo register: the template's columns, five people over the committee's branches."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([column.label for column in COLUMNS])
    for number, (name, gender, born, admitted, official, phone, email) in enumerate(PEOPLE, start=1):
        if fixed:
            born = born.replace("31/04", "30/04")
            email = email.replace("@example", "@example.vn") if email and not email.endswith(".vn") else email
            official = official.replace("2004", "2006") if name == "Phạm Thị Dung" else official
        values = {"row_number": number, "full_name": name, "gender": gender, "date_of_birth": born, "ethnicity": "Kinh",
                  "religion": "Không", "hometown": "Xã Vũ Thư, tỉnh Thái Bình", "admitted_on": admitted,
                  "official_on": official, "card_number": f"8390{number:04d}", "position": "Đảng viên", "phone": phone,
                  "email": email, "branch_code": branch_codes[number % len(branch_codes)], "theory_level": "Sơ cấp"}
        sheet.append([values.get(column.field) for column in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    """Serve the demo and write docs/screenshots/import-*.png."""
    app = demo_app()
    with app.app_context():
        committee = db.session.execute(select(User).where(User.role == "committee")).scalars().first()
        branches = [code for code, path in db.session.execute(
            select(Organization.code, Organization.path).where(Organization.kind == "branch")).all()
            if path.startswith(committee.organization.path)][:3]
        login = committee.login
    base = serve(app)
    with sync_playwright() as p:
        browser = launch(p)
        desk = browser.new_context(viewport=DESKTOP, locale="vi-VN", accept_downloads=True).new_page()
        sign_in(desk, base, login)
        for fixed in (False, True):
            desk.goto(f"{base}/admin/member_import/new")
            desk.set_input_files("input[name=file]", {"name": "so-danh-sach.xlsx", "mimeType": "application/octet-stream",
                                                      "buffer": register(branches, fixed)})
            with desk.expect_navigation():
                desk.get_by_test_id("upload").click()
            if not fixed:
                desk.screenshot(path=str(OUT / "import-errors-1280.png"))
        with desk.expect_navigation():
            desk.get_by_test_id("apply").click()
        desk.screenshot(path=str(OUT / "import-applied-1280.png"))
        with desk.expect_download() as download:
            desk.get_by_test_id("download-sheet").click()
        with tempfile.TemporaryDirectory() as scratch:
            pdf = Path(scratch) / "sheet.pdf"
            download.value.save_as(pdf)
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                            str(OUT / "import-sheet-pdf")], check=True)
        phone = browser.new_context(viewport=PHONE, locale="vi-VN", device_scale_factor=2).new_page()
        phone.goto(f"{base}/activate")
        phone.screenshot(path=str(OUT / "import-activate-360.png"))
        browser.close()
    print("\n".join(str(path) for path in sorted(OUT.glob("import-*.png"))))


if __name__ == "__main__":
    main()
