"""Issue 11, item 6: spreadsheets people can use — a CSV Excel reads, an xlsx with typed cells under a
title and a bold, frozen, filtered header, file names in Vietnam's time — still the list's rows, audited."""
import io
import re
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import update

from audit_support import entries_since, last_id
from content_support import make_article, make_document
from handbook import clock
from handbook.auth.models import User
from handbook.extensions import db
from support import export_rows, logged_in_client

NATIONAL_ID = "034172000123"
# 20:30 UTC on 30 November is already 03:30 on 1 December in Vietnam.
LATE_UTC = datetime(2026, 11, 30, 20, 30, 5)


@pytest.fixture(scope="module")
def sheet_branch(make, tree):
    """A branch of its own in C2 with three members of known fields (one with a formula for a hometown)."""
    branch = make.org(tree["G2"], "branch", "Chi bộ Bảng tính")
    members = [
        make.member(branch, "Lê Thị Bảng Một", date_of_birth=date(1972, 9, 18), gender="female", status="official",
                    national_id=NATIONAL_ID, hometown="=1+2"),
        make.member(branch, "Phạm Văn Bảng Hai", date_of_birth=date(1980, 1, 2), gender="male", status="probationary"),
        make.member(branch, "Đỗ Văn Bảng Ba", gender="male", status="official"),
    ]
    return branch, members


def _filter_key(app, endpoint: str, name: str, operation: str = "FilterEqual") -> str:
    """The URL key of the list filter ``name`` of kind ``operation`` (flt0_<key>=value)."""
    view = next(v for v in app.extensions["handbook_admin"]._views if getattr(v, "endpoint", "") == endpoint)
    with app.test_request_context():
        return next(k for k, (_i, f) in view._filter_args.items() if f.name == name and type(f).__name__ == operation)


def _sheet(response):
    """The exported workbook's sheet, as Excel opens it."""
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.data)).active


def _column(sheet, title: str) -> int:
    """The column number of the header ``title`` (the header is the row above the frozen pane)."""
    header = sheet[sheet.freeze_panes].row - 1
    return next(c.column for c in sheet[header] if c.value == title)


def _deactivate(app, login: str) -> None:
    """Switch an account off."""
    with app.app_context():
        db.session.execute(update(User).where(User.login == login).values(active=False))
        db.session.commit()


def test_csv_starts_with_the_byte_order_mark(app, tree, sheet_branch):
    """Does the CSV begin with UTF-8's byte-order mark, so that Excel on Windows reads "Họ và tên" and not mojibake?"""
    branch, _members = sheet_branch
    client = logged_in_client(app, tree["admin"])
    data = client.get(f"/admin/member/export/csv/?flt0_{_filter_key(app, 'member', 'Mã chi bộ')}={branch.code}").data
    assert data.startswith(b"\xef\xbb\xbf" + "Họ và tên,".encode())
    rows = export_rows(client.get("/admin/member/export/csv/?search=bang+mot"), "csv")
    first = dict(zip(rows[0], rows[1]))
    assert first["Ngày sinh"] == "18/09/1972" and first["Giới tính"] == "Nữ" and first["Tình trạng"] == "Chính thức"
    assert first["Quê quán"] == "'=1+2" and first["Số CCCD"] == "•••••••••123"


def test_xlsx_has_a_title_a_frozen_filtered_header_and_typed_cells(app, tree, sheet_branch, monkeypatch):
    """Does the xlsx name the organization, the filter and the time of export above a bold, frozen header
    with filters; are dates real dates shown dd/mm/yyyy; does a formula stay text and the CCCD masked?"""
    branch, members = sheet_branch
    monkeypatch.setattr(clock, "utcnow", lambda: LATE_UTC)
    client = logged_in_client(app, tree["committee2"])
    response = client.get(f"/admin/member/export/xlsx/?flt0_{_filter_key(app, 'member', 'Mã chi bộ')}={branch.code}")
    sheet = _sheet(response)

    title, filters, when = (sheet.cell(row, 1).value for row in (1, 2, 3))
    assert "Đảng viên" in title and "Đảng bộ huyện Hai" in title  # committee2's organization
    assert filters == f"Điều kiện lọc: Mã chi bộ bằng {branch.code}"
    assert when == "Xuất lúc 01/12/2026 03:30 (giờ Việt Nam)"
    assert sheet.cell(1, 1).font.b

    assert sheet.freeze_panes == "A5"
    header = [c for c in sheet[4] if c.value]
    assert header[0].value == "Họ và tên" and all(c.font.b for c in header)
    assert sheet.auto_filter.ref == f"A4:S{4 + len(members)}"
    assert sheet.column_dimensions["A"].width >= len("Phạm Văn Bảng Hai")

    by_name = {row[0].value: row for row in sheet.iter_rows(min_row=5)}
    assert set(by_name) == {m.full_name for m in members}
    first = by_name["Lê Thị Bảng Một"]
    born = first[_column(sheet, "Ngày sinh") - 1]
    assert born.is_date and born.value == datetime(1972, 9, 18) and born.number_format == "dd/mm/yyyy"
    assert by_name["Đỗ Văn Bảng Ba"][_column(sheet, "Ngày sinh") - 1].value is None
    hometown = first[_column(sheet, "Quê quán") - 1]
    assert hometown.data_type == "s" and hometown.value == "'=1+2"  # text, never a formula Excel evaluates
    assert first[_column(sheet, "Giới tính") - 1].value == "Nữ"
    assert first[_column(sheet, "Số CCCD") - 1].value == "•••••••••123"
    assert NATIONAL_ID not in {c.value for row in sheet.iter_rows() for c in row}


def test_numbers_and_times_are_typed(app, tree, sheet_branch):
    """In the xlsx of documents and news, are points a number, dates real dates and a publication time
    a date-time in Vietnam's time (stored 20:15 UTC on 1 March: 03:15 on 2 March)?"""
    branch, _members = sheet_branch
    make_document(app, branch, "Nghị quyết bảng tính số", points=3)
    make_article(app, branch, "Tin bảng tính giờ", published_at=datetime(2026, 3, 1, 20, 15))
    client = logged_in_client(app, tree["committee2"])
    sheet = _sheet(client.get("/admin/article/export/xlsx/?search=bang+tinh+gio"))
    [row] = list(sheet.iter_rows(min_row=5))
    published = row[_column(sheet, "Thời điểm xuất bản") - 1]
    assert published.is_date and published.value == datetime(2026, 3, 2, 3, 15)
    assert published.number_format == "dd/mm/yyyy hh:mm"
    assert row[_column(sheet, "Trạng thái") - 1].value == "Xuất bản"  # the label a property gives

    sheet = _sheet(client.get("/admin/document/export/xlsx/?search=bang+tinh+so"))
    [row] = list(sheet.iter_rows(min_row=5))
    points = row[_column(sheet, "Điểm đọc") - 1]
    assert points.data_type == "n" and points.value == 3
    issued = row[_column(sheet, "Ngày ban hành") - 1]
    assert issued.is_date and issued.number_format == "dd/mm/yyyy" and issued.value == datetime(2024, 5, 1)
    assert row[_column(sheet, "Loại") - 1].value == "Nghị quyết"  # the label, not the code


def test_booleans_read_in_vietnamese(app, tree, make, sheet_branch):
    """Does the accounts' export say "Có" or "Không" whether an account is active, not True or False?"""
    branch, members = sheet_branch
    active = make.user("member", branch, members[1], login="bang.tinh@test.vn")
    make.user("member", branch, members[2], login="bang.tinh.nghi@test.vn")
    _deactivate(app, "bang.tinh.nghi@test.vn")
    client = logged_in_client(app, tree["committee2"])
    for fmt in ("csv", "xlsx"):
        rows = export_rows(client.get(f"/admin/user/export/{fmt}/?search=bang.tinh"), fmt)
        shown = {row[0]: dict(zip(rows[0], row))["Đang hoạt động"] for row in rows[1:]}
        assert shown == {active.login: "Có", "bang.tinh.nghi@test.vn": "Không"}, fmt
    inactive_only = export_rows(client.get("/admin/user/export/csv/?search=bang.tinh.nghi"), "csv")
    assert inactive_only[1][rows[0].index("Đang hoạt động")] == "Không"  # not "False", even with no "Có" beside it


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_file_name_is_in_vietnams_time(app, tree, monkeypatch, fmt):
    """Exported at 20:30 UTC on 30 November, is the file dated 1 December, as the clock in Vietnam says?"""
    monkeypatch.setattr(clock, "utcnow", lambda: LATE_UTC)
    client = logged_in_client(app, tree["admin"])
    disposition = client.get(f"/admin/organization/export/{fmt}/").headers["Content-Disposition"]
    assert disposition.endswith(f"_2026-12-01_03-30-05.{fmt}"), disposition


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_holds_the_filtered_list_and_is_audited(app, tree, sheet_branch, dbq, fmt):
    """With the list filtered (status "Chính thức", by a committee), does the export hold exactly the list's
    rows, and does the audit record it with those members?"""
    branch, members = sheet_branch
    client = logged_in_client(app, tree["committee2"])
    query = f"?flt0_{_filter_key(app, 'member', 'Tình trạng')}=official&search=bang"
    listed = client.get("/admin/member/" + query).get_data(as_text=True)
    shown = re.findall(r'<td class="col-full_name">\s*(.*?)\s*</td>', listed, re.S)
    assert sorted(shown) == ["Lê Thị Bảng Một", "Đỗ Văn Bảng Ba"]
    since = last_id(dbq)
    response = client.get(f"/admin/member/export/{fmt}/" + query)
    rows = export_rows(response, fmt)
    assert [row[0] for row in rows[1:]] == shown
    if fmt == "xlsx":
        assert _sheet(response)["A2"].value == "Điều kiện lọc: Tình trạng bằng Chính thức; tìm “bang”"
    [entry] = entries_since(dbq, since)
    assert entry.action == "export" and entry.detail["format"] == fmt and entry.detail["rows"] == 2
    assert entry.subject_ids == sorted(m.id for m in members if m.status == "official")
