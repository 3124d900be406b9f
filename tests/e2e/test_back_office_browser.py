"""The back office in Chromium at 1280×800 (issue 11, item 7): the menu on one row, dates typed and
picked as dd/mm/yyyy."""
import re
from datetime import date

import pytest

from browser import login, save_screenshot
from handbook.organizations.models import Member
from support import PASSWORD


@pytest.mark.parametrize("role", ["admin", "committee", "secretary"])
def test_the_menu_is_one_row_at_1280(live_server, desktop_page, tree, role):
    """At 1280×800, does every top-level entry of the back-office menu sit on one row, none of them
    wrapped over two lines, whatever the role and the name of the user's organization?"""
    page = desktop_page
    login(page, live_server, tree[role].login, PASSWORD)
    page.goto(f"{live_server}/admin/")
    items = page.evaluate("""() => Array.from(document.querySelectorAll('#admin-navbar-collapse .navbar-nav > li'))
        .map(li => ({text: li.innerText.trim(), top: li.offsetTop, height: li.offsetHeight,
                     lines: Array.from(li.querySelectorAll('.nav-link, button')).map(el => {
                         const tops = new Set(), walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
                         for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                             if (!node.textContent.trim()) continue;
                             const range = document.createRange();
                             range.selectNodeContents(node);
                             for (const rect of range.getClientRects()) tops.add(Math.round(rect.top));
                         }
                         return tops.size;
                     })}))""")
    assert len(items) >= 5, items
    assert len({item["top"] for item in items}) == 1, items
    assert all(item["lines"] and max(item["lines"]) == 1 for item in items), items
    assert page.evaluate("document.querySelector('nav.navbar').offsetHeight") < 70
    texts = [item["text"] for item in items]
    assert texts[:2] == ["Tổng quan", "Tổ chức & đảng viên"] and texts.index("Hệ thống") > texts.index("Tin tức & tài liệu")
    page.get_by_test_id("who").click()
    assert tree[role].login in page.get_by_test_id("who").inner_text()
    assert page.locator(".account-menu .dropdown-menu").is_visible()
    save_screenshot(page, f"admin-menu-1280-{role}")


def test_a_birth_date_is_picked_and_saved_day_first(live_server, desktop_page, make, tree, dbq):
    """Does the member form show 18/09/1972, open a Vietnamese picker on it (years back to 1900),
    and save the day picked there, typed as dd/mm/yyyy?"""
    member = make.member(tree["B1"], "Vũ Thị Chọn Ngày", date_of_birth=date(1972, 9, 18))
    page = desktop_page
    login(page, live_server, tree["secretary"].login, PASSWORD)
    page.goto(f"{live_server}/admin/member/edit/?id={member.id}")
    field = page.locator("#date_of_birth")
    assert field.input_value() == "18/09/1972"
    field.click()
    picker = page.locator(".daterangepicker:visible")
    picker.wait_for()
    assert "T2" in picker.inner_text() and "CN" in picker.inner_text() and not re.search(r"\b(Mo|Su|Sep|Apply)\b", picker.inner_text())
    assert picker.locator(".calendar.right select.monthselect option:checked").inner_text() == "Tháng 9"
    assert picker.locator(".calendar.right select.yearselect option[value='1930']").count() == 1
    save_screenshot(page, "member-form-date-picker")
    picker.locator(".calendar.right select.yearselect").select_option("1975")
    picker.locator(".calendar.right select.monthselect").select_option(label="Tháng 4")
    picker.locator(".calendar.right td.available:not(.off)", has_text=re.compile(r"^30$")).click()
    assert field.input_value() == "30/04/1975"
    page.locator("form.admin-form input[type=submit].btn-primary").first.click()
    page.wait_for_load_state("networkidle")
    assert dbq(lambda s: s.get(Member, member.id)).date_of_birth == date(1975, 4, 30)
    page.goto(f"{live_server}/admin/member/edit/?id={member.id}")
    page.fill("#date_of_birth", "31/02/1975")
    page.keyboard.press("Escape")
    page.locator("form.admin-form input[type=submit].btn-primary").first.click()
    page.wait_for_load_state("networkidle")
    assert "Ngày không hợp lệ: nhập theo dạng ngày/tháng/năm" in page.locator("form.admin-form").inner_text()
    assert dbq(lambda s: s.get(Member, member.id)).date_of_birth == date(1975, 4, 30)
    assert page.js_errors == []


def test_a_list_filter_picks_dates_day_first(live_server, desktop_page, make, tree):
    """Does the members' birth-date filter open the Vietnamese picker, write the day picked as
    dd/mm/yyyy and list only the member born that day?"""
    make.member(tree["B1"], "Tô Thị Lọc Lịch", date_of_birth=date(1968, 5, 19))
    page = desktop_page
    login(page, live_server, tree["secretary"].login, PASSWORD)
    page.goto(f"{live_server}/admin/member/")
    page.locator("a.dropdown-toggle", has_text="Thêm bộ lọc").click()
    page.locator(".dropdown-menu a.filter", has_text="Ngày sinh").click()
    box = page.locator(".filters input.filter-val").first
    assert box.get_attribute("data-date-format") == "DD/MM/YYYY"
    box.click()
    picker = page.locator(".daterangepicker:visible")
    picker.wait_for()
    assert "T2" in picker.inner_text() and "CN" in picker.inner_text()
    picker.locator(".calendar.right select.yearselect").select_option("1968")
    picker.locator(".calendar.right select.monthselect").select_option(label="Tháng 5")
    picker.locator(".calendar.right td.available:not(.off)", has_text=re.compile(r"^19$")).click()
    assert box.input_value() == "19/05/1968"
    with page.expect_navigation():
        page.get_by_role("button", name="Áp dụng").click()
    rows = page.locator("table.model-list tbody tr")
    assert rows.count() == 1 and "Tô Thị Lọc Lịch" in rows.first.inner_text()
    assert page.locator(".filters input.filter-val").first.input_value() == "19/05/1968"
    assert page.js_errors == []
