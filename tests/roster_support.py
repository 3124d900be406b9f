"""Register files for the import tests: xlsx and csv built the way people make them."""
import io
import itertools
import re
import time
from datetime import date

import openpyxl

from support import csrf_token

HEADERS = ["STT", "Họ và tên", "Giới tính", "Ngày sinh", "Dân tộc", "Tôn giáo", "Quê quán", "Trình độ học vấn",
           "Lý luận chính trị", "Ngày vào Đảng", "Ngày chính thức", "Số thẻ đảng viên", "Chức vụ đảng", "Điện thoại",
           "Email", "Mã chi bộ"]
_cards = itertools.count(70_000_001 + (int(time.time()) % 1000) * 10_000)


def card() -> str:
    """A card number no other test uses."""
    return str(next(_cards))


def row(name, branch_code, *, card_number=None, gender="Nam", born="12/05/1980", admitted="03/02/2010",
        official="03/02/2011", phone="", email="", hometown="Xã Vũ Thư, tỉnh Thái Bình", education="12/12",
        theory="Sơ cấp", position="Đảng viên", ethnicity="Kinh", religion="Không") -> list:
    """One register row in HEADERS' order."""
    return [None, name, gender, born, ethnicity, religion, hometown, education, theory, admitted, official,
            card_number or card(), position, phone, email, branch_code]


def xlsx(rows, headers=HEADERS, title=None) -> bytes:
    """A workbook of ``rows`` under ``headers`` (after a title row when given), numbered in STT."""
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(headers)
    for number, values in enumerate(rows, start=1):
        values = list(values)
        if headers is HEADERS and values[0] is None:
            values[0] = number
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, headers=HEADERS, delimiter=";", encoding="utf-8-sig") -> bytes:
    """A csv of ``rows`` as Excel's "CSV UTF-8" writes it."""
    def cell(value):
        text = "" if value is None else str(value)
        return f'"{text}"' if delimiter in text or '"' in text else text
    lines = [delimiter.join(map(cell, headers))] + [delimiter.join(map(cell, r)) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(client, data: bytes, filename="danh-sach.xlsx", follow=True):
    """Upload a register through the screen (with its CSRF token); the import's id and the response."""
    token = csrf_token(client, "/admin/member_import/new")
    response = client.post("/admin/member_import/new", data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                           content_type="multipart/form-data")
    if response.status_code != 302:
        return None, response
    import_id = int(re.search(r"id=(\d+)", response.headers["Location"]).group(1))
    return import_id, client.get(f"/admin/member_import/show?id={import_id}") if follow else response


def apply(client, import_id):
    """Press "Nhập" on an import."""
    token = csrf_token(client, f"/admin/member_import/show?id={import_id}")
    return client.post("/admin/member_import/apply", data={"csrf_token": token, "id": import_id})


def today_minus(years: int) -> str:
    """A date ``years`` ago, dd/mm/yyyy."""
    today = date.today()
    return f"{min(today.day, 28):02d}/{today.month:02d}/{today.year - years}"


def settled(client, import_id, seconds=30.0) -> dict:
    """Wait for an import checked or applied in the background to finish; its last progress."""
    deadline = time.monotonic() + seconds
    while True:
        state = client.get(f"/admin/member_import/progress?id={import_id}").get_json()
        if not state["running"] or time.monotonic() > deadline:
            return state
        time.sleep(0.1)
