"""Importing the branch register through the screen: the dry run's errors by row and column, all rows or
none, re-imports that update by card number, transfers recorded, scope, and hostile files."""
import io
import zipfile
from datetime import date, datetime
from types import SimpleNamespace

import openpyxl
import pytest
from sqlalchemy import func, select

from handbook.auth.models import User
from handbook.extensions import db
from handbook.organizations.models import Member, MemberChange, Organization
from handbook.roster import operations
from handbook.roster.models import MemberImport
from handbook.roster.reader import FileRefused, open_register
from handbook.roster.runner import execute
from handbook.scope import Scope
from roster_support import HEADERS, apply, card, csv_bytes, row, settled, today_minus, upload, xlsx
from support import csrf_token, logged_in_client


@pytest.fixture(scope="module")
def place(make):
    """A commune's party committee with two branches and its staff; a branch of another commune with a member."""
    grassroots = make.org(kind="grassroots", name="Đảng bộ xã Nhập Liệu")
    branch = make.org(grassroots, "branch", "Chi bộ thôn Đông")
    other_branch = make.org(grassroots, "branch", "Chi bộ thôn Tây")
    elsewhere = make.org(make.org(kind="grassroots", name="Đảng bộ xã Bên Cạnh"), "branch", "Chi bộ Bên Cạnh")
    outsider = make.member(elsewhere, "Phạm Văn Ngoài")
    return SimpleNamespace(
        grassroots=grassroots, branch=branch, other_branch=other_branch, elsewhere=elsewhere, outsider=outsider,
        committee=make.user("committee", grassroots), secretary=make.user("secretary", branch),
        other_committee=make.user("committee", elsewhere),
    )


def _members(dbq, cards):
    return dbq(lambda s: {m.card_number: m for m in s.execute(select(Member).where(Member.card_number.in_(cards))).scalars()})


def _item(dbq, import_id) -> MemberImport:
    return dbq(lambda s: s.get(MemberImport, import_id))


def test_the_template_has_the_registers_headers_and_reads_back(app, place):
    client = logged_in_client(app, place.committee)
    response = client.get("/admin/member_import/template")
    assert response.status_code == 200 and response.mimetype.endswith("sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:4] == ["STT", "Họ và tên (*)", "Giới tính", "Ngày sinh"]
    assert "Số thẻ đảng viên (*)" in headers and "Mã chi bộ (*)" in headers and "Điện thoại" in headers
    assert [c.value for c in sheet[2]][1] == "Nguyễn Thị Hương"
    path = app.config["UPLOAD_FOLDER"] + "-template.xlsx"
    with open(path, "wb") as handle:
        handle.write(response.data)
    register = open_register(path)
    assert register.header_row == 1 and {"full_name", "card_number", "branch_code", "date_of_birth"} <= register.fields


def test_headers_match_whatever_their_case_accents_and_spacing(app, tmp_path):
    headers = ["TT", "HỌ  VÀ TÊN", "ngay sinh", "Số thẻ ĐV", "SĐT", "ma chi bo (*)", "Ghi chú"]
    path = tmp_path / "hoa.xlsx"
    path.write_bytes(xlsx([[1, "Lê Văn Tám", "01/01/1980", "12345678", "0912345678", "X", "—"]], headers=headers,
                          title="SỔ DANH SÁCH ĐẢNG VIÊN CHI BỘ THÔN ĐÔNG"))
    register = open_register(str(path))
    assert register.header_row == 2
    assert register.columns == {0: "row_number", 1: "full_name", 2: "date_of_birth", 3: "card_number", 4: "phone",
                                5: "branch_code"}
    assert register.ignored == ["Ghi chú"]
    assert [number for number, _ in register.rows] == [3]


def test_ten_kinds_of_bad_row_get_ten_precise_messages_and_nothing_is_written(app, place, dbq):
    code, other = place.branch.code, place.other_branch.code
    good, twice = card(), card()
    rows = [
        row("Nguyễn Văn Đúng", code, card_number=good),                                   # 2: fine
        row("", code),                                                                     # 3: no name
        row("Trần Thị Ngày", code, born="31/02/1980"),                                    # 4: no such date
        row("Lê Văn Thẻ", code, card_number="83-ABC"),                                    # 5: card not digits
        row("Phạm Thị Một", code, card_number=twice),                                     # 6: first of a pair
        row("Phạm Thị Hai", other, card_number=twice),                                    # 7: the same card again
        row("Hoàng Văn Chi", "KHONG-CO"),                                                  # 8: no such branch
        row("Vũ Thị Ngoài", place.elsewhere.code),                                         # 9: a branch out of scope
        row("Đỗ Văn Sớm", code, admitted="05/06/2012", official="04/06/2012"),            # 10: official before admitted
        row("Bùi Thị Số", code, phone="12345"),                                            # 11: phone
        row("Ngô Văn Thư", code, email="ngo@@example"),                                    # 12: email
        row("Đinh Thị Giới", code, gender="Không rõ"),                                     # 13: gender
        row("Dương Văn Trẻ", code, born=today_minus(20), admitted=today_minus(5), official=""),  # 14: admitted at 15
        row("Phạm Văn Ngoài", code, card_number=place.outsider.card_number),              # 15: a card of another commune
    ]
    client = logged_in_client(app, place.committee)
    import_id, page = upload(client, xlsx(rows))
    item = _item(dbq, import_id)
    assert item.status == "invalid" and item.row_count == 14 and item.error_count == 12
    errors = {(r, c): m for r, c, m in item.errors}
    assert errors.keys() == {(3, "Họ và tên"), (4, "Ngày sinh"), (5, "Số thẻ đảng viên"), (7, "Số thẻ đảng viên"),
                             (8, "Mã chi bộ"), (9, "Mã chi bộ"), (10, "Ngày chính thức"), (11, "Điện thoại"),
                             (12, "Email"), (13, "Giới tính"), (14, "Ngày vào Đảng"), (15, "Số thẻ đảng viên")}
    assert "Thiếu họ và tên" in errors[3, "Họ và tên"]
    assert "ngày/tháng/năm" in errors[4, "Ngày sinh"]
    assert "chỉ gồm chữ số" in errors[5, "Số thẻ đảng viên"]
    assert errors[7, "Số thẻ đảng viên"] == f"Số thẻ đảng viên {twice} trùng với dòng 6."
    assert errors[8, "Mã chi bộ"] == "Không có chi bộ mã “KHONG-CO” trong phạm vi tổ chức bạn quản lý."
    assert place.elsewhere.code in errors[9, "Mã chi bộ"]
    assert "trước ngày vào Đảng" in errors[10, "Ngày chính thức"]
    assert "Số điện thoại không hợp lệ" in errors[11, "Điện thoại"]
    assert "email không hợp lệ" in errors[12, "Email"]
    assert "Nam, Nữ" in errors[13, "Giới tính"]
    assert "đủ 18 tuổi" in errors[14, "Ngày vào Đảng"]
    assert "ngoài phạm vi" in errors[15, "Số thẻ đảng viên"]
    html = page.get_data(as_text=True)
    assert "Dòng" in html and "trùng với dòng 6" in html and 'data-testid="apply"' not in html
    # Nothing was written, and the import cannot be forced.
    assert _members(dbq, [good, twice]) == {}
    assert apply(client, import_id).status_code == 409
    assert _members(dbq, [good]) == {}


def test_an_import_applies_all_rows_or_none(app, place, dbq, monkeypatch):
    # Chunks of two: the first chunks are written before the bad row's chunk is reached.
    monkeypatch.setattr(operations, "CHUNK", 2)
    cards = [card() for _ in range(5)]
    rows = [row(f"Nguyễn Văn Chunk {'ABCDE'[i]}", place.branch.code, card_number=c) for i, c in enumerate(cards)]
    rows[4][3] = "32/13/1990"
    client = logged_in_client(app, place.committee)
    data = xlsx(rows)
    with app.app_context():
        item = MemberImport(organization_id=place.grassroots.id, user_id=place.committee.id, filename="x.xlsx",
                            stored_name="chunks.xlsx", size=len(data), status="applying")
        from handbook.roster.runner import stored_path
        with open(stored_path("chunks.xlsx"), "wb") as handle:
            handle.write(data)
        db.session.add(item)
        db.session.commit()
        item_id = item.id
        path = db.session.get(Organization, place.grassroots.id).path
        result = execute(item_id, Scope(role="committee", org_path=path), write=True, activation_url="u")
    assert not result.ok and result.rows == 5 and result.created == 4
    assert _members(dbq, cards) == {} and dbq(lambda s: s.get(MemberImport, item_id).status) == "invalid"
    assert client.get(f"/admin/member_import/show?id={item_id}").status_code == 200


def test_a_register_is_imported_then_reimporting_it_changes_nothing(app, place, dbq):
    cards = [card() for _ in range(3)]
    rows = [
        row("Nguyễn Thị Hương", place.branch.code, card_number=cards[0], gender="Nữ", phone="0912 000 101",
            theory="Trung cấp"),
        row("Trần Văn Đức", place.branch.code, card_number=cards[1], email="Duc.TV@Example.vn", official=""),
        row("Lê Quang Vinh", place.other_branch.code, card_number=cards[2], position="Bí thư"),
    ]
    client = logged_in_client(app, place.committee)
    import_id, page = upload(client, xlsx(rows))
    assert _item(dbq, import_id).status == "checked", _item(dbq, import_id).errors
    assert "3 đảng viên mới" in page.get_data(as_text=True)
    assert _members(dbq, cards) == {}  # a dry run writes nothing
    assert apply(client, import_id).status_code == 302
    item = _item(dbq, import_id)
    assert item.status == "applied" and item.summary["created"] == 3 and item.summary["accounts"] == 3
    members = _members(dbq, cards)
    huong, duc, vinh = (members[c] for c in cards)
    assert (huong.gender, huong.theory_level, huong.phone, huong.status) == ("female", "intermediate", "0912000101", "official")
    assert huong.date_of_birth.isoformat() == "1980-05-12" and huong.organization_id == place.branch.id
    assert (duc.email, duc.status, duc.official_on) == ("duc.tv@example.vn", "probationary", None)
    assert (vinh.position, vinh.organization_id) == ("secretary", place.other_branch.id)
    logins = dbq(lambda s: dict(s.execute(select(User.member_id, User.login).where(
        User.member_id.in_([m.id for m in members.values()]))).all()))
    assert logins == {huong.id: "0912000101", duc.id: "duc.tv@example.vn", vinh.id: cards[2]}
    versions = {c: m.version for c, m in members.items()}
    # The same file again: every row unchanged, no new member, no new account.
    again, page = upload(client, xlsx(rows))
    assert _item(dbq, again).summary == {"created": 0, "updated": 0, "transferred": 0, "unchanged": 3, "accounts": 0,
                                         "ignored": []}
    assert apply(client, again).status_code == 302
    assert {c: m.version for c, m in _members(dbq, cards).items()} == versions
    assert dbq(lambda s: s.scalar(select(func.count()).select_from(Member).where(Member.card_number.in_(cards))))== 3
    assert dbq(lambda s: s.scalar(select(func.count()).select_from(User).where(
        User.member_id.in_([m.id for m in members.values()])))) == 3


def test_a_changed_branch_is_a_recorded_transfer_and_empty_cells_keep_what_was_there(app, place, dbq):
    moving, staying = card(), card()
    client = logged_in_client(app, place.committee)
    first = [row("Mai Văn Chuyển", place.branch.code, card_number=moving, phone="0913000201"),
             row("Mai Thị Ở", place.branch.code, card_number=staying, hometown="Xã Cũ")]
    import_id, _ = upload(client, xlsx(first))
    apply(client, import_id)
    before = _members(dbq, [moving, staying])
    second = [row("Mai Văn Chuyển", place.other_branch.code, card_number=moving, phone="0913000201"),
              row("Mai Thị Ở", place.branch.code, card_number=staying, hometown="", ethnicity="Tày")]
    again, page = upload(client, xlsx(second))
    assert _item(dbq, again).summary["transferred"] == 1 and _item(dbq, again).summary["updated"] == 2
    assert "1 chuyển chi bộ" in page.get_data(as_text=True)
    apply(client, again)
    after = _members(dbq, [moving, staying])
    assert after[moving].organization_id == place.other_branch.id and after[moving].version == before[moving].version + 1
    assert (after[staying].hometown, after[staying].ethnicity) == ("Xã Cũ", "Tày")
    change = dbq(lambda s: s.execute(select(MemberChange).where(MemberChange.member_id == after[moving].id)).scalar_one())
    assert (change.from_organization_id, change.to_organization_id) == (place.branch.id, place.other_branch.id)
    assert change.changed_by_id == place.committee.id
    account = dbq(lambda s: s.execute(select(User).where(User.member_id == after[moving].id)).scalar_one())
    assert account.organization_id == place.other_branch.id


def test_a_secretary_imports_only_into_their_branch(app, place, dbq, make):
    client = logged_in_client(app, place.secretary)
    own, other = card(), card()
    import_id, _ = upload(client, xlsx([row("Tạ Văn Mình", place.branch.code, card_number=own),
                                        row("Tạ Văn Bạn", place.other_branch.code, card_number=other)]))
    item = _item(dbq, import_id)
    assert item.status == "invalid" and [e[:2] for e in item.errors] == [[3, "Mã chi bộ"]]
    # A file without the branch column goes to the secretary's own branch.
    headers = [h for h in HEADERS if h != "Mã chi bộ"]
    import_id, _ = upload(client, xlsx([row("Tạ Văn Mình", "", card_number=own)[:-1]], headers=headers))
    assert _item(dbq, import_id).status == "checked"
    apply(client, import_id)
    assert _members(dbq, [own])[own].organization_id == place.branch.id
    # The committee's own list does not show another commune's import; its pages are 404 there.
    other = logged_in_client(app, place.other_committee)
    for url in (f"/admin/member_import/show?id={import_id}", f"/admin/member_import/progress?id={import_id}",
                f"/admin/member_import/file/sheet?id={import_id}"):
        assert other.get(url).status_code == 404
    token = csrf_token(other, "/admin/member_import/new")
    assert other.post("/admin/member_import/apply", data={"csrf_token": token, "id": import_id}).status_code == 404
    assert other.post("/admin/member_import/apply", data={"id": import_id}).status_code == 400  # no CSRF token
    listing = other.get("/admin/member_import/").get_data(as_text=True)
    assert f"show?id={import_id}" not in listing
    member = make.user("member", place.branch, make.member(place.branch))
    assert logged_in_client(app, member).get("/admin/member_import/new").status_code == 403


def test_formula_cells_are_read_as_their_text(app, place, dbq):
    client = logged_in_client(app, place.committee)
    plain = card()
    rows = [row('=HYPERLINK("http://x.vn","Bấm")', place.branch.code),
            row("Cao Văn Công", place.branch.code, card_number=plain, hometown="=1+1")]
    import_id, page = upload(client, xlsx(rows))
    errors = _item(dbq, import_id).errors
    assert errors == [[2, "Họ và tên", "Họ và tên chỉ gồm chữ cái, dấu cách và các dấu . ' -"]]
    import_id, _ = upload(client, xlsx(rows[1:]))
    apply(client, import_id)
    assert _members(dbq, [plain])[plain].hometown == "=1+1"


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>H\xe1\xbb\x8d v\xc3\xa0 t\xc3\xaan</t></is></c><c r="B1" t="inlineStr"><is><t>S\xe1\xbb\x91 th\xe1\xba\xbb</t></is></c></row>
<row r="2"><c r="A2" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"""


def _with_sheet(sheet_xml: bytes) -> bytes:
    """A real workbook whose first sheet's XML is replaced."""
    source = zipfile.ZipFile(io.BytesIO(xlsx([])))
    entries = {name: source.read(name) for name in source.namelist()}
    entries["xl/worksheets/sheet1.xml"] = sheet_xml
    return _zip(entries)


def test_an_xml_bomb_and_a_zip_bomb_are_refused_with_a_message(app, place, dbq):
    client = logged_in_client(app, place.committee)
    import_id, page = upload(client, _with_sheet(BOMB))
    item = _item(dbq, import_id)
    assert page.status_code == 200 and item.status == "failed", (item.status, item.errors)
    assert "không an toàn" in item.message and "không an toàn" in page.get_data(as_text=True)
    # 300 MB of spaces packed into a few hundred KB: refused from the zip's own directory, never inflated.
    zeros = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b" " * (300 * 1024 * 1024)})
    import_id, page = upload(client, zeros)
    assert len(zeros) > app.config["IMPORT_INLINE_BYTES"] and settled(client, import_id)["status"] == "failed"
    assert "giải nén ra quá lớn" in _item(dbq, import_id).message


def test_wrong_files_get_a_clear_message_and_a_4xx(app, place, dbq):
    client = logged_in_client(app, place.committee)
    _, response = upload(client, b"%PDF-1.7\n\x00\x01binary", "ds.pdf")
    assert response.status_code == 400 and "không phải bảng tính" in response.get_data(as_text=True)
    _, response = upload(client, b"\xd0\xcf\x11\xe0" + b"\x00" * 600, "ds.xls")
    assert response.status_code == 400 and "Excel 97-2003" in response.get_data(as_text=True)
    app.config["IMPORT_MAX_MB"] = 1
    try:
        _, response = upload(client, b"x" * (1024 * 1024 + 10), "lon.csv")
    finally:
        app.config["IMPORT_MAX_MB"] = 20
    assert response.status_code == 413 and "tối đa 1 MB" in response.get_data(as_text=True)
    import_id, page = upload(client, b"Ho v\xe0 t\xean;S\xf4 th\xe9\nNguy\xean V\xe0n A;12345678\n", "ds.csv")
    assert "UTF-8" in _item(dbq, import_id).message
    import_id, page = upload(client, xlsx([], headers=["Tên", "Tuổi"]))
    assert "Không tìm thấy dòng tiêu đề" in _item(dbq, import_id).message
    import_id, page = upload(client, xlsx([], headers=["Họ và tên", "Số thẻ", "Số thẻ đảng viên"]))
    assert "có hai lần" in _item(dbq, import_id).message


def test_a_csv_with_semicolons_and_a_bom_is_imported(app, place, dbq):
    client = logged_in_client(app, place.committee)
    number = card()
    import_id, _ = upload(client, csv_bytes([row("Hà Thị Phẩy; Chấm", place.branch.code, card_number=number)]), "ds.csv")
    assert _item(dbq, import_id).status == "invalid"  # the name's semicolon is not a letter
    import_id, _ = upload(client, csv_bytes([row("Hà Thị Chấm", place.branch.code, card_number=number)]), "ds.csv")
    assert _item(dbq, import_id).status == "checked"
    apply(client, import_id)
    assert _members(dbq, [number])[number].full_name == "Hà Thị Chấm"


def test_an_import_is_applied_once_however_often_it_is_pressed(app, place, dbq):
    client = logged_in_client(app, place.committee)
    number = card()
    import_id, _ = upload(client, xlsx([row("Lý Văn Bấm", place.branch.code, card_number=number)]))
    assert apply(client, import_id).status_code == 302
    assert apply(client, import_id).status_code == 409
    assert len(_members(dbq, [number])) == 1


def test_a_big_file_is_checked_in_the_background_with_its_progress(app, place, dbq):
    client = logged_in_client(app, place.committee)
    app.config["IMPORT_INLINE_BYTES"] = 0
    try:
        import_id, page = upload(client, xlsx([row(f"Nền Văn {'ABCDEFGHIK'[i // 10]}{'ABCDEFGHIK'[i % 10]}", place.branch.code) for i in range(30)]))
        state = settled(client, import_id)
    finally:
        app.config["IMPORT_INLINE_BYTES"] = 256 * 1024
    assert state == {"status": "checked", "rows": 30, "running": False, "stalled": False}
    assert "30 đảng viên mới" in client.get(f"/admin/member_import/show?id={import_id}").get_data(as_text=True)


def test_a_file_refused_whole_by_the_reader_names_why(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"   ")
    with pytest.raises(FileRefused, match="rỗng"):
        open_register(str(path))


def test_real_excel_dates_and_number_cells_are_read_as_people_meant_them(app, place, dbq):
    client = logged_in_client(app, place.committee)
    number = card()
    values = row("Kiều Thị Số", place.branch.code, card_number=int(number), born=date(1985, 9, 18),
                 admitted=datetime(2010, 2, 3), official="03/02/2011", phone=912345678)
    import_id, _ = upload(client, xlsx([values, row("Kiều Văn Số", place.branch.code, born=31.0)]))
    assert _item(dbq, import_id).errors == [
        [3, "Ngày sinh", "Ngày sinh phải ghi theo dạng ngày/tháng/năm, ví dụ 18/09/1972 (ô đang là số 31)."]]
    import_id, _ = upload(client, xlsx([values]))
    apply(client, import_id)
    member = _members(dbq, [number])[number]
    assert (member.date_of_birth, member.admitted_on, member.phone) == (date(1985, 9, 18), date(2010, 2, 3), "0912345678")


def test_a_member_changed_meanwhile_stops_the_import_and_nothing_is_written(app, place, dbq, monkeypatch):
    client = logged_in_client(app, place.committee)
    edited, fresh = card(), card()
    import_id, _ = upload(client, xlsx([row("Âu Văn Sửa", place.branch.code, card_number=edited)]))
    apply(client, import_id)
    changed = [row("Âu Văn Sửa", place.branch.code, card_number=edited, hometown="Xã Mới"),
               row("Âu Thị Mới", place.branch.code, card_number=fresh)]
    import_id, _ = upload(client, xlsx(changed))
    original = operations.Importer._existing

    def someone_saves_a_form_meanwhile(self, rows):
        original(self, rows)
        with db.engine.begin() as other:  # another person's save, between the importer's read and its write
            other.execute(Member.__table__.update().where(Member.card_number == edited)
                          .values(version=Member.version + 1, occupation="Nông dân"))

    monkeypatch.setattr(operations.Importer, "_existing", someone_saves_a_form_meanwhile)
    apply(client, import_id)
    item = _item(dbq, import_id)
    assert item.status == "failed" and "vừa được người khác sửa" in item.message
    members = _members(dbq, [edited, fresh])
    assert list(members) == [edited] and (members[edited].hometown, members[edited].occupation) == (
        "Xã Vũ Thư, tỉnh Thái Bình", "Nông dân")


def test_the_import_is_audited_naming_every_member_it_wrote(app, place, dbq):
    from handbook.audit.models import AuditEntry, AuditSubject

    client = logged_in_client(app, place.committee)
    numbers = [card(), card()]
    import_id, _ = upload(client, xlsx([row(f"Ông Văn Sổ {c}", place.branch.code, card_number=n)
                                        for c, n in zip("AB", numbers)]))
    apply(client, import_id)

    def entry(s):
        found = s.execute(select(AuditEntry).where(AuditEntry.action == "member_import",
                                                   AuditEntry.entity_id == import_id)).scalar_one()
        subjects = set(s.execute(select(AuditSubject.member_id).where(AuditSubject.entry_id == found.id)).scalars())
        return found.user_id, found.detail["created"], subjects

    user_id, created, subjects = dbq(entry)
    assert (user_id, created) == (place.committee.id, 2)
    assert subjects == {m.id for m in _members(dbq, numbers).values()}


def test_an_import_cut_off_by_a_restart_shows_as_interrupted_and_is_checked_again(app, place, dbq):
    import json
    import os

    from handbook.roster.runner import stored_path

    client = logged_in_client(app, place.committee)
    number = card()
    import_id, _ = upload(client, xlsx([row("Yên Văn Dừng", place.branch.code, card_number=number)]))
    item = _item(dbq, import_id)
    with app.app_context():  # the worker died while importing: its progress stopped ten minutes ago
        db.session.get(MemberImport, import_id).status = "applying"
        db.session.commit()
        with open(stored_path(item.stored_name + ".progress"), "w") as handle:
            json.dump({"rows": 0, "phase": "apply", "at": os.path.getmtime(stored_path(item.stored_name)) - 600}, handle)
    assert client.get(f"/admin/member_import/progress?id={import_id}").get_json()["stalled"] is True
    page = client.get(f"/admin/member_import/show?id={import_id}").get_data(as_text=True)
    assert "bị gián đoạn" in page and 'data-testid="recheck"' in page
    token = csrf_token(client, f"/admin/member_import/show?id={import_id}")
    assert client.post("/admin/member_import/recheck", data={"csrf_token": token, "id": import_id}).status_code == 302
    assert _item(dbq, import_id).status == "checked" and _members(dbq, [number]) == {}
    assert apply(client, import_id).status_code == 302 and len(_members(dbq, [number])) == 1
