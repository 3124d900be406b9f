"""Member and admin pages work in Chromium under the Content-Security-Policy, with no CSP errors."""

from browser import login, save_screenshot
from support import PASSWORD

def _watch(page):
    """Collect console errors and page errors (a CSP refusal is reported as a console error)."""
    problems = []
    # A missing favicon is a console error too, but not the page's: resource 404s are left out.
    page.on("console", lambda msg: problems.append(msg.text)
            if (msg.type == "error" and not msg.text.startswith("Failed to load resource")) or "Content Security Policy" in msg.text
            else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    return problems

def test_member_pages_have_no_csp_errors(live_server, phone_page, make, tree):
    """Do a member's home, data, sessions and password pages load with no CSP or script errors?"""
    member = make.member(tree["B2"], "Đinh Thị Bảo Mật", national_id="034111222333")
    user = make.user("member", tree["B2"], member)
    problems = _watch(phone_page)
    login(phone_page, live_server, user.login, PASSWORD)
    for path in ("/", "/me/data", "/me/sessions", "/me/password"):
        response = phone_page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        assert "Content-Security-Policy" in response.headers or "content-security-policy" in response.headers
    phone_page.goto(f"{live_server}/me/data")
    assert phone_page.get_by_test_id("record").inner_text().count("034111222333") == 0
    save_screenshot(phone_page, "member-data-360")
    assert problems == []

def test_admin_list_create_select2_and_datepicker_work(live_server, desktop_page, tree):
    """Under the CSP, do the admin list, the filter menu, the create form's ajax dropdown and the date picker work?"""
    page = desktop_page
    problems = _watch(page)
    login(page, live_server, tree["secretary"].login, PASSWORD)
    page.goto(f"{live_server}/admin/member/")
    assert "Nguyễn Văn B1 Một" in page.locator("table.model-list").inner_text()
    # The "add filter" menu: bootstrap's dropdown runs from a file, its inline handler is replaced.
    page.locator("a.dropdown-toggle", has_text="Thêm bộ lọc").click()
    page.locator(".dropdown-menu a.filter", has_text="Tình trạng").click()
    page.locator(".filters tr").first.wait_for()
    assert page.url.endswith("/admin/member/")  # the javascript: link did not navigate
    page.goto(f"{live_server}/admin/member/new/")
    # select2 with ajax: type and pick the branch.
    page.locator("#s2id_organization .select2-choice").click()
    page.keyboard.type("B1")
    option = page.locator("#select2-drop .select2-result-label").filter(has_text="Chi bộ B1").first
    option.wait_for()
    option.click()
    # The date picker opens from the field.
    page.locator("#date_of_birth").click()
    picker = page.locator(".daterangepicker").first
    picker.wait_for(state="visible")
    page.keyboard.press("Escape")
    page.fill("#full_name", "Trình Duyệt Thử")
    page.fill("#card_number", "66000001")
    page.fill("#date_of_birth", "1980-05-17")
    page.locator("form.admin-form input[type=submit].btn-primary").first.click()
    page.wait_for_load_state("networkidle")
    assert "/new/" not in page.url and "Trình Duyệt Thử" in page.locator("table.model-list").inner_text()
    save_screenshot(page, "admin-member-created-csp")
    assert problems == [], problems

def test_admin_details_unmask_and_delete_confirm(live_server, desktop_page, make, tree):
    """Does the unmask form work and does the delete button still ask for confirmation under the CSP?"""
    member = make.member(tree["B1"], "Bấm Xóa Thử", national_id="034999888777")
    page = desktop_page
    problems = _watch(page)
    login(page, live_server, tree["secretary"].login, PASSWORD)
    page.goto(f"{live_server}/admin/member/details/?id={member.id}")
    assert "034999888777" not in page.content()
    page.fill("input[name=reason]", "Đối chiếu hồ sơ")
    page.get_by_role("button", name="Xem Số CCCD đầy đủ").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("unmasked").inner_text() == "034999888777"
    page.goto(f"{live_server}/admin/member/?search=Bam+Xoa+Thu")
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.locator("form.icon button").first.click()
    assert dialogs, "the delete button did not ask for confirmation"
    page.wait_for_timeout(200)
    assert "Bấm Xóa Thử" in page.locator("table.model-list").inner_text()
    # Confirmed, the row's delete form (id, return address and token) deletes it and comes back.
    page.remove_listener("dialog", dismiss)
    page.once("dialog", lambda d: d.accept())
    with page.expect_navigation():
        page.locator("form.icon button").first.click()
    page.wait_for_load_state("networkidle")
    assert "search=Bam+Xoa+Thu" in page.url
    assert "Bấm Xóa Thử" not in page.locator("body").inner_text()
    assert problems == [], problems
