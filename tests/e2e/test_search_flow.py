"""Accent-free search in a real browser."""
from support import PASSWORD
from browser import login, save_screenshot


def test_committee_searches_without_accents(live_server, desktop_page, tree):
    """Does a committee typing "nguyen van" in the member search see "Nguyễn Văn …" of their subtree only?"""
    login(desktop_page, live_server, tree["committee"].login, PASSWORD)
    desktop_page.goto(f"{live_server}/admin/member/")
    search = desktop_page.locator("input[name=search]")
    search.fill("nguyen van")
    search.press("Enter")
    desktop_page.wait_for_load_state("networkidle")
    assert "search=nguyen+van" in desktop_page.url
    text = desktop_page.locator("table.model-list").inner_text()
    assert "Nguyễn Văn B1 Một" in text and "Nguyễn Văn B2 Một" in text
    assert "Trần Thị B1 Hai" not in text and "Nguyễn Văn B3 Một" not in text
    save_screenshot(desktop_page, "committee-search-nguyen-van")
    assert desktop_page.js_errors == []


def test_secretary_searches_on_a_phone(live_server, phone_page, tree):
    """Can a secretary on a 360×740 screen find a member of their branch by a name typed without accents?"""
    login(phone_page, live_server, tree["secretary"].login, PASSWORD)
    phone_page.goto(f"{live_server}/admin/member/?search=tran+thi")
    text = phone_page.locator("table.model-list").inner_text()
    assert "Trần Thị B1 Hai" in text and "Nguyễn Văn B1 Một" not in text
    save_screenshot(phone_page, "secretary-search-360")
    assert phone_page.js_errors == []
