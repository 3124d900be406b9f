"""Searchable dropdowns (select2) in Vietnamese in every state, in Chromium at 1280×800 (issue 11, item 1)."""
import re

import pytest

from browser import login, save_screenshot
from support import PASSWORD

# What select2 3.5 says in English; none of it may reach the screen.
ENGLISH = re.compile(r"Please|enter \d|character|Searching|No matches|Loading|results? (are|is) available|"
                     r"You can only|delete \d|press enter", re.I)
TOO_SHORT = "Vui lòng nhập thêm ít nhất 1 ký tự để tìm"
SEARCHING = "Đang tìm…"
NO_MATCH = "Không tìm thấy kết quả phù hợp"
LOOKUP = re.compile(r"/ajax/lookup/")


def _drop_text(page) -> str:
    """What the open dropdown shows, with select2's screen-reader announcement."""
    return page.locator("#select2-drop").inner_text() + " " + page.locator(".select2-hidden-accessible").last.inner_text()


def _check_ajax_dropdown(page, container: str, found: str) -> None:
    """Open an ajax dropdown, then type nothing, a name (its lookup held while pending), and garbage:
    each state in Vietnamese, nothing in English."""
    held, released = [], []
    page.route(LOOKUP, lambda route: route.continue_() if released else held.append(route))
    page.locator(f"{container} .select2-choice").click()
    page.locator("#select2-drop").wait_for(state="visible")
    assert TOO_SHORT in _drop_text(page)
    page.keyboard.type(found)  # the whole name: other tests' rows may fill the first page of a shorter search
    page.locator("#select2-drop", has_text=SEARCHING).wait_for()
    for _ in range(50):  # select2 waits 100 ms after the last key before it asks
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the lookup was not sent"
    assert SEARCHING in _drop_text(page) and not ENGLISH.search(_drop_text(page)), _drop_text(page)
    released.append(True)
    for route in held:
        route.continue_()
    page.locator("#select2-drop .select2-result-label", has_text=found).first.wait_for()
    assert not ENGLISH.search(_drop_text(page)), _drop_text(page)
    page.keyboard.type("zzqxw")
    page.locator("#select2-drop", has_text=NO_MATCH).wait_for()
    assert not ENGLISH.search(_drop_text(page)), _drop_text(page)
    page.keyboard.press("Escape")


@pytest.mark.parametrize("role, url, container, found", [
    ("secretary", "/admin/member/new/", "#s2id_organization", "Chi bộ B1"),          # Chi bộ
    ("committee", "/admin/organization/new/", "#s2id_parent", "Đảng bộ xã Một"),    # Trực thuộc
    ("admin", "/admin/user/new/", "#s2id_member", "Nguyễn Văn B1 Một"),            # Đảng viên
    ("admin", "/admin/user/new/", "#s2id_organization", "Đảng bộ huyện Một"),      # Tổ chức
])
def test_ajax_dropdowns_speak_vietnamese_in_every_state(live_server, desktop_page, tree, role, url, container, found):
    """Does each search-as-you-type dropdown say, in Vietnamese, to type a letter, that it is
    searching, and that nothing matches, with no English word of select2's on screen?"""
    page = desktop_page
    login(page, live_server, tree[role].login, PASSWORD)
    page.goto(f"{live_server}{url}")
    _check_ajax_dropdown(page, container, found)
    assert page.js_errors == []


def test_plain_dropdowns_and_filters_speak_vietnamese(live_server, desktop_page, tree):
    """Do the dropdowns without a lookup (a form's choice, a list filter's choice) say "no match" in
    Vietnamese, and does every message select2 can show read Vietnamese?"""
    page = desktop_page
    login(page, live_server, tree["secretary"].login, PASSWORD)
    page.goto(f"{live_server}/admin/member/new/")
    messages = page.evaluate("""() => {
        const d = $.fn.select2.defaults;
        return [d.formatNoMatches(""), d.formatSearching(), d.formatLoadMore(2), d.formatAjaxError(),
                d.formatInputTooShort("", 1), d.formatInputTooShort("", 3), d.formatInputTooLong("abcd", 2),
                d.formatSelectionTooBig(1), d.formatSelectionTooBig(3), d.formatMatches(1), d.formatMatches(5)];
    }""")
    assert messages[:3] == [NO_MATCH, SEARCHING, "Đang tải thêm kết quả…"]
    assert all(not ENGLISH.search(m) and not re.search(r"\b(item|result|character)s?\b", m) for m in messages), messages
    page.locator("#s2id_gender .select2-choice").click()
    page.keyboard.type("zzqxw")
    page.locator("#select2-drop", has_text=NO_MATCH).wait_for()
    assert not ENGLISH.search(_drop_text(page))
    page.keyboard.press("Escape")
    page.goto(f"{live_server}/admin/member/")
    page.locator("a.dropdown-toggle", has_text="Thêm bộ lọc").click()
    page.locator(".dropdown-menu a.filter", has_text="Tình trạng").click()
    page.locator(".filters .select2-container .select2-choice").first.click()
    page.keyboard.type("zzqxw")
    page.locator("#select2-drop", has_text=NO_MATCH).wait_for()
    assert not ENGLISH.search(page.locator("body").inner_text())
    save_screenshot(page, "select2-vi-filter")
    assert page.js_errors == []
