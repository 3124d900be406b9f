"""The first flows in a real browser."""
from support import PASSWORD
from browser import login, save_screenshot


def test_member_logs_in_on_a_phone_and_sees_home(live_server, phone_page, make, tree):
    """Does a member on a 360×740 screen log in and see their name and branch?"""
    member = make.member(tree["B2"], "Phạm Thị Ngọc Ánh")
    user = make.user("member", tree["B2"], member)
    login(phone_page, live_server, user.login, PASSWORD)
    assert phone_page.url.rstrip("/") == live_server
    assert phone_page.get_by_role("heading", level=1).inner_text() == "Xin chào, Phạm Thị Ngọc Ánh"
    assert phone_page.get_by_test_id("branch").inner_text() == "Chi bộ B2"
    # Nothing wider than the screen: no horizontal scrolling on a phone.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    save_screenshot(phone_page, "member-home-360")
    assert phone_page.js_errors == []


def test_secretary_sees_only_their_branch(live_server, desktop_page, tree):
    """Does a secretary at /admin/member/ see the members of their branch and no one else?"""
    login(desktop_page, live_server, tree["secretary"].login, PASSWORD)
    desktop_page.goto(f"{live_server}/admin/member/")
    text = desktop_page.locator("table.model-list").inner_text()
    assert "Nguyễn Văn B1 Một" in text and "Trần Thị B1 Hai" in text
    assert "B2" not in text and "B3" not in text
    save_screenshot(desktop_page, "secretary-members-1280")
