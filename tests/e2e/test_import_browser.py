"""The register import in a real browser: a secretary uploads the branch's file at 1280×800, reads the
dry run's errors, fixes the file, imports it and downloads the activation sheet; a member then
activates their account with the sheet's code on a 360×740 phone."""
import io
import re
from pathlib import Path

import openpyxl
import pypdf

from browser import login, save_screenshot
from roster_support import card, row, xlsx
from support import PASSWORD


def _fill_file(page, data: bytes, name: str):
    page.set_input_files("input[name=file]", {"name": name, "mimeType": "application/octet-stream", "buffer": data})


def test_a_secretary_imports_the_register_and_a_member_activates_the_account(live_server, desktop_page, phone_page, make):
    grassroots = make.org(kind="grassroots", name="Đảng bộ xã Hòa Bình")
    branch = make.org(grassroots, "branch", "Chi bộ thôn Bắc Sơn")
    secretary = make.user("secretary", branch)
    cards = [card(), card(), card()]
    rows = [
        row("Nguyễn Thị Thu Hà", branch.code, card_number=cards[0], gender="Nữ", phone="0916000401"),
        row("Trần Văn Bình", branch.code, card_number=cards[1], born="31/04/1975"),
        row("Lê Minh Châu", branch.code, card_number=cards[2], email="chau.lm@example"),
    ]
    page = desktop_page
    login(page, live_server, secretary.login, PASSWORD)
    page.goto(f"{live_server}/admin/member_import/")
    with page.expect_navigation(wait_until="load"):
        page.get_by_test_id("new-import").click()
    # The template downloads and has the register's headers.
    with page.expect_download() as info:
        page.get_by_test_id("template-link").click()
    template = openpyxl.load_workbook(io.BytesIO(Path(info.value.path()).read_bytes())).worksheets[0]
    assert [c.value for c in template[1]][1] == "Họ và tên (*)"
    _fill_file(page, xlsx(rows), "so-danh-sach.xlsx")
    assert page.get_by_test_id("file-label").inner_text() == "so-danh-sach.xlsx"
    with page.expect_navigation():
        page.get_by_test_id("upload").click()
    errors = page.get_by_test_id("import-errors").inner_text()
    assert "Ngày sinh phải ghi theo dạng ngày/tháng/năm" in errors and "Địa chỉ email không hợp lệ" in errors
    assert re.search(r"\b3\b\s+Ngày sinh", errors) and re.search(r"\b4\b\s+Email", errors)
    assert page.get_by_test_id("apply").count() == 0
    save_screenshot(page, "import-errors-1280")
    # Fixed, the file passes its dry run and is imported.
    rows[1][3], rows[2][14] = "30/04/1975", "chau.lm@example.vn"
    with page.expect_navigation(wait_until="load"):
        page.get_by_test_id("upload-again").click()
    _fill_file(page, xlsx(rows), "so-danh-sach-da-sua.xlsx")
    with page.expect_navigation():
        page.get_by_test_id("upload").click()
    assert "3 đảng viên mới" in page.get_by_test_id("import-summary").inner_text()
    with page.expect_navigation():
        page.get_by_test_id("apply").click()
    assert "Đã nhập" in page.get_by_test_id("import-status").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    save_screenshot(page, "import-applied-1280")
    with page.expect_download() as info:
        page.get_by_test_id("download-sheet").click()
    sheet = pypdf.PdfReader(io.BytesIO(Path(info.value.path()).read_bytes()))
    text = "\n".join(p.extract_text() for p in sheet.pages)
    assert all(name in text for name in ("Nguyễn Thị Thu Hà", "Trần Văn Bình", "Lê Minh Châu"))
    code = re.search(r"0916000401\s+([A-Z2-9]{5}-[A-Z2-9]{5})", text).group(1)
    assert page.js_errors == []

    # The member activates the account on a phone, with the code from the sheet.
    phone = phone_page
    phone.goto(f"{live_server}/login")
    phone.get_by_role("link", name=re.compile("Kích hoạt tài khoản")).click()
    phone.fill("input[name=login]", "0916000401")
    phone.fill("input[name=code]", code)
    phone.fill("input[name=new]", "Mat-khau-moi-2026")
    phone.fill("input[name=confirm]", "Mat-khau-moi-2026")
    with phone.expect_navigation():
        phone.get_by_role("button", name=re.compile("Kích hoạt")).click()
    assert "Đã kích hoạt tài khoản" in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    save_screenshot(phone, "import-activated-360")
    assert phone.js_errors == []
