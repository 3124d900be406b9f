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
    assert page.locator("[data-testid=children] tbody tr").count() == 1  # G1; C2's G2 is not C1's
    save_screenshot(page, "dashboard-committee-1280")
    with page.expect_navigation():
        page.get_by_role("link", name="Đảng bộ xã Một").click()
    rows = page.locator("[data-testid=children] tbody tr")
    assert rows.count() == 2 and "Chi bộ B1" in rows.first.inner_text()
    with page.expect_navigation():
        page.get_by_role("link", name="Chi bộ B1").click()
    assert page.locator("[data-figure=members]").inner_text().strip() == "2"
    assert "Đảng bộ huyện Một" in page.get_by_test_id("trail").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    save_screenshot(page, "dashboard-branch-1280")
    with page.expect_navigation():
        page.get_by_test_id("trail").get_by_role("link", name="Đảng bộ huyện Một").click()
    assert page.locator("[data-testid=children] tbody tr").count() == 1
    assert page.js_errors == []
