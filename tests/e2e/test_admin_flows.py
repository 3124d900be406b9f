"""Back-office flows in a real browser: the select2 ajax dropdown, save, search, scope."""
from sqlalchemy import select

from browser import login, save_screenshot
from handbook.organizations.models import Member
from support import PASSWORD


def test_secretary_adds_a_member_through_the_form(live_server, desktop_page, tree, dbq):
    """Can a secretary add a member, choosing the branch in the search-as-you-type dropdown, and find them without accents?"""
    page = desktop_page
    login(page, live_server, tree["secretary"].login, PASSWORD)
    page.goto(f"{live_server}/admin/member/new/")
    page.fill("#full_name", "Ngô Thị Thu Hường")
    page.fill("#card_number", "88800001")
    # The branch field is a select2 ajax dropdown: type, wait for the scoped lookup, pick.
    page.click("#s2id_organization")
    page.keyboard.type("B")
    option = page.locator(".select2-result-label", has_text="Chi bộ B1")
    option.first.wait_for()
    assert page.locator(".select2-result-label", has_text="Chi bộ B3").count() == 0
    option.first.click()
    page.click("input[type=submit][value='Lưu']")
    page.wait_for_load_state("networkidle")
    assert "Đã tạo bản ghi." in page.content()
    saved = dbq(lambda s: s.execute(select(Member).where(Member.card_number == "88800001")).scalar_one())
    assert saved.organization_id == tree["B1"].id
    page.fill("input[name=search]", "ngo thi thu huong")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    rows = page.locator("table.model-list tbody tr")
    assert rows.count() == 1 and "Ngô Thị Thu Hường" in rows.first.inner_text()
    # Sorting by name is offered, in Vietnamese order.
    assert page.locator("th a", has_text="Họ và tên").count() == 1
    save_screenshot(page, "secretary-added-member-1280")
    assert page.js_errors == []
