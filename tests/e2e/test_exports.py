"""Issue 11, item 6 in a real browser: the member list's "Xuất" menu downloads files Excel reads as they are."""
import io
import re
from datetime import datetime
from pathlib import Path

import openpyxl

from browser import login
from handbook.clock import local_now
from support import PASSWORD


def _download(page, label: str) -> tuple[str, bytes]:
    """Open the list's "Xuất" menu, choose ``label``; the file's suggested name and bytes."""
    page.locator("a.dropdown-toggle", has_text="Xuất").click()
    with page.expect_download() as info:
        page.get_by_text(label, exact=True).click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_admin_downloads_the_searched_member_list(live_server, desktop_page, tree):
    """Searching "b1" then choosing Xuất CSV and Xuất XLSX, does the admin get a CSV with its byte-order mark
    and an xlsx whose title names the province, the search and the time, above a frozen bold header
    and the members found — both named in Vietnam's time?"""
    page = desktop_page
    login(page, live_server, tree["admin"].login, PASSWORD)
    page.goto(f"{live_server}/admin/member/?search=b1")

    name, data = _download(page, "Xuất CSV")
    assert data.startswith("\ufeffHọ và tên,".encode())
    stamp = datetime.strptime(re.fullmatch(r"Dang_vien_(.+)\.csv", name).group(1), "%Y-%m-%d_%H-%M-%S")
    assert abs((stamp - local_now()).total_seconds()) < 120  # Vietnam's time, not UTC seven hours behind

    name, data = _download(page, "Xuất XLSX")
    assert re.fullmatch(r"Dang_vien_\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}\.xlsx", name)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].value == "Đảng viên — Toàn tỉnh" and sheet["A2"].value == "Điều kiện lọc: tìm “b1”"
    assert sheet["A3"].value.startswith("Xuất lúc ")
    assert sheet.freeze_panes == "A5" and sheet["A4"].value == "Họ và tên" and sheet["A4"].font.b
    names = [row[0] for row in sheet.iter_rows(min_row=5, values_only=True)]
    assert {tree["B1.m1"].full_name, tree["B1.m2"].full_name} <= set(names)
    assert page.js_errors == []
