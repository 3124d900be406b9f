"""A member reads a party document on a phone."""
import re

from browser import login, save_screenshot
from content_support import make_document
from support import PASSWORD


def test_member_reads_a_document_on_a_phone(app, live_server, phone_page, make, tree, tmp_path, monkeypatch):
    """On a 360×740 screen, can a member find "Nghị quyết" by typing "nghi quyet", open it, mark it read
    with a button that says what it does and what it earns, and see it read and the points added, with
    nothing wider than the screen?"""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path))
    member = make.member(tree["B2"], "Đỗ Thị Thu Hằng")
    user = make.user("member", tree["B2"], member)
    doc = make_document(app, tree["P"], "Nghị quyết về tăng cường xây dựng Đảng trên điện thoại",
                        number="99-NQ/TW", level="central", points=3,
                        summary="Tóm tắt nghị quyết dành cho đảng viên đọc trên điện thoại di động.")
    make_document(app, tree["C2"], "Nghị quyết của huyện Hai trên điện thoại")
    page = phone_page
    login(page, live_server, user.login, PASSWORD)

    page.goto(f"{live_server}/documents/")
    page.fill("input[name=q]", "nghi quyet dien thoai")
    page.get_by_role("button", name="Tìm").click()
    page.wait_for_load_state("networkidle")
    results = page.locator("ul.items h2").all_inner_texts()
    assert results == [doc.title]  # the other committee's resolution is not there
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    save_screenshot(page, "library-search-360")

    page.get_by_role("link", name=doc.title).click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("number").inner_text() == "99-NQ/TW"
    assert page.get_by_test_id("points-total").inner_text() == "0"
    page.get_by_role("button", name="Đánh dấu đã đọc +3 điểm").click()
    page.wait_for_load_state("networkidle")
    assert "+3 điểm" in page.locator(".flash").inner_text()
    assert page.get_by_test_id("points-total").inner_text() == "3"
    assert re.search("Bạn đã đọc", page.get_by_test_id("read-state").inner_text())
    # Read is a state now, not a button to press again.
    assert page.get_by_role("button", name=re.compile("đã đọc", re.I)).count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    save_screenshot(page, "document-read-360")
    assert page.js_errors == []
