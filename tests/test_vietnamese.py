"""The back office speaks Vietnamese, and Vietnamese names survive every round trip."""
import csv
import io

import openpyxl
from sqlalchemy import select

from handbook.organizations.models import Member
from handbook.text import search_key
from support import csrf_token


def test_admin_speaks_vietnamese(client, auth, tree):
    """Are the back office's menus, buttons, column headers and messages in Vietnamese?"""
    auth.login(tree["admin"])
    page = client.get("/admin/member/").get_data(as_text=True)
    for text in ("Đảng viên", "Tổ chức đảng", "Tài khoản", "Họ và tên", "Số thẻ đảng viên", "Tìm kiếm",
                 "Tạo", "Xuất", "Danh sách", "Thêm bộ lọc", "Đăng xuất"):
        assert text in page, text
    for english in (">List<", ">Create<", ">Export<", "Full Name", "Card Number", "Kỷ lục"):
        assert english not in page, english
    form = client.get("/admin/member/new/").get_data(as_text=True)
    assert "Lưu" in form and "Hủy" in form and "Save" not in form


def test_required_field_message_is_vietnamese(client, auth, tree):
    """Does a form left empty say what is missing in Vietnamese?"""
    auth.login(tree["admin"])
    token = csrf_token(client, "/admin/member/new/")
    page = client.post("/admin/member/new/", data={"csrf_token": token}).get_data(as_text=True)
    assert "Vui lòng nhập trường này." in page
    assert "This field is required" not in page


def test_vietnamese_name_round_trip(client, auth, tree, dbq):
    """Does a name with diacritics survive create, accent-free any-case search, and CSV/xlsx export?"""
    name = "Đặng Thị Hường"
    decomposed = "Đặng Thị Hường".encode().decode()  # typed on a phone: may arrive decomposed
    import unicodedata

    decomposed = unicodedata.normalize("NFD", name)
    auth.login(tree["admin"])
    token = csrf_token(client, "/admin/member/new/")
    r = client.post("/admin/member/new/", data={
        "csrf_token": token, "full_name": decomposed, "card_number": "55500001", "organization": str(tree["B3"].id),
        "status": "official", "position": "member", "gender": "female",
    })
    assert r.status_code == 302
    saved = dbq(lambda s: s.execute(select(Member).where(Member.card_number == "55500001")).scalar_one())
    assert saved.full_name == name  # stored in NFC
    for term in ("Đặng Thị Hường", "dang thi huong", "HƯỜNG", "ĐẶNG", "huong", "DANG THI", "đặng hường"):
        page = client.get("/admin/member/", query_string={"search": term}).get_data(as_text=True)
        assert name in page, term
    assert name not in client.get("/admin/member/", query_string={"search": "hương xyz"}).get_data(as_text=True)
    csv_text = client.get("/admin/member/export/csv/", query_string={"search": "huong"}).get_data(as_text=True)
    assert name in [row[0] for row in csv.reader(io.StringIO(csv_text))]
    assert "Họ và tên" in csv_text.splitlines()[0]
    xlsx = client.get("/admin/member/export/xlsx/", query_string={"search": "dang thi huong"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    assert name in [row[0] for row in sheet.iter_rows(values_only=True)]


def test_search_key_folds_accents_case_and_d():
    """Does the search key fold accents, case and đ → d?"""
    assert search_key("  ĐẢNG   Cộng sản ") == "dang cong san"
    assert search_key("Nghị quyết") == "nghi quyet"
