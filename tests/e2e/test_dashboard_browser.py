"""The dashboard in a real browser at 1280×800: a committee reads its month and drills down to a branch."""
from browser import login, save_screenshot
from handbook.extensions import db
from handbook.reports.statistics import compute_month, current_month
from support import PASSWORD


def test_a_committee_drills_down_from_its_district_to_a_branch(live_server, desktop_page, app, make, tree):
    """Does C1's committee see its key figures, the chart and table of what is below, follow G1 then B1,
    come back up through the trail, and never scroll sideways?"""
    with app.app_context():
        compute_month(db.session, current_month())
        db.session.commit()
    page = desktop_page
    login(page, live_server, make.user("committee", tree["C1"]).login, PASSWORD)
    page.goto(f"{live_server}/admin/")
    figures = page.get_by_test_id("key-figures")
    assert "Tổng số đảng viên" in figures.inner_text() and "Tỷ lệ sử dụng" in figures.inner_text()
    assert page.get_by_test_id("bars").is_visible()
    below = page.get_by_test_id("children").inner_text()
    assert "Đảng bộ xã Một" in below and "Đảng bộ xã Hai" not in below  # G2 is C2's, not C1's
    save_screenshot(page, "dashboard-committee-1280")
    with page.expect_navigation():
        page.get_by_role("link", name="Đảng bộ xã Một").click()
    below = page.get_by_test_id("children").inner_text()
    assert "Chi bộ B1" in below and "Chi bộ B2" in below and "Chi bộ B3" not in below
    with page.expect_navigation():
        page.get_by_role("link", name="Chi bộ B1").click()
    assert page.locator("[data-figure=members]").inner_text().strip().isdigit()
    assert page.get_by_test_id("children").count() == 0  # a branch has nothing below it
    assert "Đảng bộ huyện Một" in page.get_by_test_id("trail").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    save_screenshot(page, "dashboard-branch-1280")
    with page.expect_navigation():
        page.get_by_test_id("trail").get_by_role("link", name="Đảng bộ huyện Một").click()
    assert "Đảng bộ xã Một" in page.get_by_test_id("children").inner_text()
    assert page.js_errors == []
