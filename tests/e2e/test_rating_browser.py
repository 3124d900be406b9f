"""The yearly rating in a real browser at 1280×800: a secretary proposes levels for the branch and
downloads the sheet they sign."""
import io
from pathlib import Path

import openpyxl
from sqlalchemy import select

from browser import login, save_screenshot
from handbook.extensions import db
from handbook.organizations.models import Organization
from handbook.ratings.evidence import rule_set_of
from handbook.ratings.models import MemberRating
from handbook.ratings.operations import copy_rule_set, open_year
from support import PASSWORD


def test_a_secretary_proposes_levels_and_downloads_the_sheet(live_server, desktop_page, app, make):
    grassroots = make.org(kind="grassroots", name="Đảng bộ xã Đông Hòa")
    branch = make.org(grassroots, "branch", "Chi bộ thôn Đông Thịnh")
    names = ["Nguyễn Thị Hương", "Trần Văn Đức", "Lê Quang Vinh"]
    members = [make.member(branch, name) for name in names]
    secretary = make.user("secretary", branch)
    with app.app_context():
        rule_set = copy_rule_set(db.session, rule_set_of(db.session, 2025), 2049)
        rule_set.is_open = True
        open_year(db.session, rule_set, db.session.get(Organization, branch.id))
        db.session.commit()
        ids = {r.member_id: r.id for r in db.session.execute(select(MemberRating).where(MemberRating.year == 2049)).scalars()}
    page = desktop_page
    login(page, live_server, secretary.login, PASSWORD)
    page.goto(f"{live_server}/admin/ratings/branch?org={branch.id}&year=2049")
    form = page.get_by_test_id("proposal-form")
    assert all(name in form.inner_text() for name in names)
    # The draft is HTTNV for all (no points yet); Đức is proposed HTNV, with the reason the page asks for.
    duc = ids[members[1].id]
    page.select_option(f"select[name=level-{duc}]", "pass")
    with page.expect_navigation():
        page.get_by_test_id("save-proposals").click()
    assert "ghi rõ lý do" in page.get_by_test_id("row-error").inner_text()
    page.fill(f"input[name=reason-{duc}]", "Chưa hoàn thành nhiệm vụ được giao ở khu dân cư")
    with page.expect_navigation():
        page.get_by_test_id("save-proposals").click()
    assert "Đã lưu đề xuất xếp loại của 3 đảng viên" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    save_screenshot(page, "rating-branch-1280")
    with page.expect_download() as info:
        page.locator("button[data-download=xlsx]").click()
    workbook = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    text = "\n".join(str(cell.value) for row in workbook.worksheets[0].iter_rows() for cell in row if cell.value)
    assert all(name in text for name in names) and "HTNV" in text and "HTTNV" in text
    assert info.value.suggested_filename.endswith(".xlsx")
    assert page.js_errors == []
