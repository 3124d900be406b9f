"""Importing questions from a spreadsheet: a template, a dry run that says which row and column is wrong
and writes nothing, then one import of every row or none; files judged by their content."""
import html
import io
import re
import zipfile
from types import SimpleNamespace

import openpyxl
import pytest
from sqlalchemy import func, select

from handbook.study.models import QuizCategory, QuizQuestion
from study_support import make_category, make_questions
from support import csrf_token, logged_in_client

HEADERS = ["Câu hỏi", "Phương án A", "Phương án B", "Phương án C", "Phương án D", "Đáp án đúng", "Lĩnh vực", "Loại",
           "Giải thích"]


@pytest.fixture
def place(make, tree):
    """A fresh commune under district C1 with its committee staff (so its bank starts empty), a branch
    with a secretary and a member, and another commune under C2."""
    commune = make.org(tree["C1"], "grassroots")
    branch = make.org(commune, "branch")
    other = make.org(tree["C2"], "grassroots")
    return SimpleNamespace(commune=commune, branch=branch, other=other, committee=make.user("committee", commune),
                           secretary=make.user("secretary", branch, make.member(branch)),
                           member=make.user("member", branch, make.member(branch)))


def xlsx(rows, headers=HEADERS) -> bytes:
    """A workbook: ``headers`` then ``rows`` on its first sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def text_of(response) -> str:
    """The page's text without tags, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def errors_of(response) -> list[tuple[str, str, str]]:
    """The errors table of the page: (row, column, message)."""
    page = response.get_data(as_text=True)
    table = re.search(r'data-testid="import-errors".*?</table>', page, re.S)
    if not table:
        return []
    cells = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table.group(0), re.S)
    return [tuple(html.unescape(c) for c in row) for row in cells]


def check(client, data: bytes, filename="cau-hoi.xlsx"):
    """Press "Kiểm tra" with ``data``."""
    token = csrf_token(client, "/admin/question_import/")
    return client.post("/admin/question_import/check", data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def apply(client, checked):
    """Press "Nhập" on the page of a dry run."""
    page = checked.get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    return client.post("/admin/question_import/apply", data={"csrf_token": csrf_token(client, "/admin/question_import/"),
                                                             "token": html.unescape(token)})


def bank_of(dbq, org) -> dict[str, list]:
    """The questions of ``org``'s categories: {category name: [(text, kind, options, explanation)]}."""
    def read(s):
        """The bank by category name."""
        rows = s.execute(select(QuizCategory.name, QuizQuestion).join(QuizQuestion, QuizQuestion.category_id == QuizCategory.id)
                         .where(QuizCategory.organization_id == org.id).order_by(QuizQuestion.id)).all()
        bank = {}
        for name, q in rows:
            bank.setdefault(name, []).append((q.text, q.kind, q.options, q.explanation))
        return bank
    return dbq(read)


def question_total(dbq) -> int:
    """Every question in the database."""
    return dbq(lambda s: s.execute(select(func.count()).select_from(QuizQuestion)).scalar_one())


def test_the_template_round_trips(app, place, dbq):
    """Does the downloaded template have the Vietnamese headers and an example row, and does it import as it is?"""
    client = logged_in_client(app, place.committee)
    page = client.get("/admin/question_import/")
    assert page.status_code == 200 and "Tải tệp mẫu" in text_of(page)
    template = client.get("/admin/question_import/template")
    assert template.status_code == 200 and "attachment" in template.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(template.data)).active
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["Câu hỏi", "Phương án A", "Phương án B"] and "Phương án H" in headers
    assert {"Đáp án đúng", "Lĩnh vực", "Loại", "Giải thích"} <= set(headers)
    checked = check(client, template.data, "mau.xlsx")
    assert checked.status_code == 200 and errors_of(checked) == []
    assert "1 câu hỏi mới, 1 lĩnh vực mới (Lịch sử Đảng)" in text_of(checked)
    assert bank_of(dbq, place.commune) == {}  # the dry run wrote nothing
    done = apply(client, checked)
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/quizquestion/")
    assert bank_of(dbq, place.commune) == {"Lịch sử Đảng": [(
        "Đảng Cộng sản Việt Nam được thành lập vào năm nào?", "single",
        [{"text": "1925", "correct": False}, {"text": "1930", "correct": True}, {"text": "1945", "correct": False},
         {"text": "1954", "correct": False}], "Ngày 03/02/1930, tại Hương Cảng (Trung Quốc).")]}
    assert "Đã nhập 1 câu hỏi" in text_of(client.get("/admin/quizquestion/"))


def test_a_good_file_imports_every_row_once(app, place, dbq):
    """Does a file of good rows (an existing category, a new one, several right answers, the kind left out)
    import all of them, and does a second "Nhập" of the same check import nothing more (409)?"""
    existing = make_category(app, place.commune, "Chính trị")
    rows = [
        ["Câu hỏi thứ nhất?", "Một", "Hai", "Ba", "", "C", "chính trị", "", "Vì là ba."],
        ["Những phương án nào đúng?", "Đúng một", "Sai", "Đúng hai", "Sai nữa", "A, C", "Kinh tế", "Nhiều đáp án", ""],
        ["Chọn hai?", "X", "Y", "", "", "a;b", "Kinh tế", "", ""],
    ]
    client = logged_in_client(app, place.committee)
    checked = check(client, xlsx(rows))
    assert errors_of(checked) == [], errors_of(checked)
    assert "3 câu hỏi mới, 1 lĩnh vực mới (Kinh tế)" in text_of(checked)
    assert apply(client, checked).status_code == 302
    bank = bank_of(dbq, place.commune)
    assert [q[0] for q in bank["Chính trị"]] == ["Câu hỏi thứ nhất?"]
    assert [(q[0], q[1], [o["correct"] for o in q[2]]) for q in bank["Kinh tế"]] == [
        ("Những phương án nào đúng?", "multiple", [True, False, True, False]), ("Chọn hai?", "multiple", [True, True])]
    assert dbq(lambda s: s.get(QuizCategory, existing.id).name) == "Chính trị"
    total = question_total(dbq)
    again = apply(client, checked)
    assert again.status_code == 409 and "đã được nhập" in text_of(again)
    assert question_total(dbq) == total


def test_bad_rows_are_listed_by_row_and_column_and_nothing_is_written(app, place, dbq, tree):
    """Does a file with several bad rows list each error at its spreadsheet row and column, in Vietnamese,
    with nothing written, not even its good rows or new categories?"""
    make_category(app, tree["P"], "Lĩnh vực của tỉnh")
    mine = make_category(app, place.commune, "Đã có")
    make_questions(app, mine, 1)
    existing_text = bank_of(dbq, place.commune)["Đã có"][0][0]
    rows = [
        ["Câu hỏi tốt?", "Một", "Hai", "", "", "A", "Mới tinh", "", ""],                     # row 2: fine
        ["", "Một", "Hai", "", "", "A", "Mới tinh", "", ""],                                 # row 3
        ["Chỉ một phương án?", "Một", "", "", "", "A", "Mới tinh", "", ""],                  # row 4
        ["Đáp án chỉ vào ô trống?", "Một", "Hai", "", "", "C", "Mới tinh", "", ""],          # row 5
        ["Một đáp án mà hai chữ?", "Một", "Hai", "Ba", "", "A, B", "Mới tinh", "Một đáp án", ""],  # row 6
        ["Lĩnh vực cấp trên?", "Một", "Hai", "", "", "A", "Lĩnh vực của tỉnh", "", ""],     # row 7
        [existing_text, "Một", "Hai", "", "", "A", "Đã có", "", ""],                         # row 8
        ["Câu hỏi tốt?", "Ba", "Bốn", "", "", "B", "mới tinh", "", ""],                      # row 9: repeats row 2
        ["x" * 2001, "Một", "Hai", "", "", "A", "Mới tinh", "", ""],                         # row 10
        ["Đáp án lạ?", "Một", "Hai", "", "", "1", "Mới tinh", "", ""],                       # row 11
        ["Loại lạ?", "Một", "Hai", "", "", "A", "Mới tinh", "Tự luận", ""],                  # row 12
        ["Phương án trùng?", "Một", "một", "", "", "A", "Mới tinh", "", ""],                 # row 13
    ]
    client = logged_in_client(app, place.committee)
    before = question_total(dbq)
    checked = check(client, xlsx(rows))
    assert checked.status_code == 200
    assert errors_of(checked) == [
        ("3", "Câu hỏi (cột A)", "Thiếu nội dung câu hỏi."),
        ("4", "Phương án B (cột C)", "Cần ít nhất 2 phương án (đang có 1)."),
        ("5", "Đáp án đúng (cột F)", "Đáp án đúng “C” chỉ vào phương án C đang để trống."),
        ("6", "Đáp án đúng (cột F)", "Câu hỏi một đáp án nhưng có 2 đáp án đúng (A, B)."),
        ("7", "Lĩnh vực (cột G)", f"Lĩnh vực “Lĩnh vực của tỉnh” là của {tree['P'].name} (cấp trên), ngoài phạm vi bạn "
                                  "quản lý: không thêm câu hỏi vào đó được. Hãy dùng tên lĩnh vực khác."),
        ("8", "Câu hỏi (cột A)", "Trùng với câu hỏi đã có trong lĩnh vực “Đã có”."),
        ("9", "Câu hỏi (cột A)", "Trùng với câu hỏi ở dòng 2 của tệp."),
        ("10", "Câu hỏi (cột A)", "Câu hỏi dài 2.001 ký tự; tối đa 2.000."),
        ("11", "Đáp án đúng (cột F)", "Đáp án đúng “1” không hợp lệ: ghi các chữ cái A–H, cách nhau bằng dấu phẩy, ví dụ “A, C”."),
        ("12", "Loại (cột H)", "Loại “Tự luận” không hợp lệ: ghi “Một đáp án” hoặc “Nhiều đáp án”, hoặc để trống."),
        ("13", "Phương án B (cột C)", "Phương án B trùng với phương án A."),
    ]
    assert 'data-testid="apply"' not in checked.get_data(as_text=True)
    assert question_total(dbq) == before
    assert dbq(lambda s: s.execute(select(QuizCategory.id).where(QuizCategory.name == "Mới tinh")).first()) is None


def test_another_communes_category_name_makes_a_new_one_of_ours(app, place, dbq):
    """Does a category name that only another commune uses make a new category in the user's commune
    (without touching or naming the other commune's)?"""
    theirs = make_category(app, place.other, "Lĩnh vực riêng bên kia")
    client = logged_in_client(app, place.committee)
    checked = check(client, xlsx([["Câu hỏi?", "Một", "Hai", "", "", "A", "Lĩnh vực riêng bên kia", "", ""]]))
    assert errors_of(checked) == [] and place.other.name not in text_of(checked)
    apply(client, checked)
    assert list(bank_of(dbq, place.commune)) == ["Lĩnh vực riêng bên kia"]
    assert bank_of(dbq, place.other) == {} and theirs.id


def test_apply_checks_the_file_again(app, place, dbq):
    """If the same question reaches the bank between the dry run and "Nhập", is the import refused (409)
    with that row's error, nothing written?"""
    category = make_category(app, place.commune, "Pháp luật")
    client = logged_in_client(app, place.committee)
    checked = check(client, xlsx([["Câu hỏi A?", "Một", "Hai", "", "", "A", "Pháp luật", "", ""],
                                  ["Câu hỏi B?", "Một", "Hai", "", "", "B", "Pháp luật", "", ""]]))
    assert errors_of(checked) == []
    with app.app_context():
        from handbook.extensions import db

        db.session.add(QuizQuestion(category_id=category.id, text="Câu hỏi B?", kind="single",
                                    options=[{"text": "x", "correct": True}, {"text": "y", "correct": False}]))
        db.session.commit()
    refused = apply(client, checked)
    assert refused.status_code == 409
    assert errors_of(refused) == [("3", "Câu hỏi (cột A)", "Trùng với câu hỏi đã có trong lĩnh vực “Pháp luật”.")]
    assert [q[0] for q in bank_of(dbq, place.commune)["Pháp luật"]] == ["Câu hỏi B?"]


def test_a_csv_in_utf8_imports_and_formulas_stay_text(app, place, dbq):
    """Does a CSV saved as UTF-8 (semicolons) import, and is a formula cell of an xlsx stored as its text, never computed?"""
    client = logged_in_client(app, place.committee)
    csv_data = ("\ufeff" + ";".join(HEADERS) + "\r\nThủ đô của Việt Nam?;Hà Nội;Huế;;;A;Địa lý;;\r\n").encode("utf-8")
    checked = check(client, csv_data, "cau-hoi.csv")
    assert errors_of(checked) == []
    apply(client, checked)
    checked = check(client, xlsx([["=1+2", "=SUM(1,2)", "3", "", "", "A", "Địa lý", "", ""]]))
    assert errors_of(checked) == []
    apply(client, checked)
    assert [(q[0], [o["text"] for o in q[2]]) for q in bank_of(dbq, place.commune)["Địa lý"]] == [
        ("Thủ đô của Việt Nam?", ["Hà Nội", "Huế"]), ("=1+2", ["=SUM(1,2)", "3"])]


def _zip(entries: dict[str, bytes]) -> bytes:
    """A zip (deflated) of ``entries``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


XML_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol4;</t></is></c></row></sheetData></worksheet>"""


def test_files_that_are_not_question_sheets_get_a_clear_4xx(app, place, dbq, monkeypatch):
    """Are a PDF renamed .xlsx, a zip bomb, an XML bomb, an empty file, a file over IMPORT_MAX_MB, a sheet
    without the headers, and a missing file each refused with a Vietnamese message and a 4xx, nothing written?"""
    client = logged_in_client(app, place.committee)
    before = question_total(dbq)
    pdf = check(client, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "cau-hoi.xlsx")
    assert pdf.status_code == 400 and "Tệp là PDF, không phải bảng tính" in text_of(pdf)
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b" " * (120 * 1024 * 1024)})
    refused = check(client, bomb)
    assert refused.status_code == 400 and "giải nén ra quá lớn" in text_of(refused)
    source = zipfile.ZipFile(io.BytesIO(xlsx([])))
    entries = {name: source.read(name) for name in source.namelist()}
    entries["xl/worksheets/sheet1.xml"] = XML_BOMB
    refused = check(client, _zip(entries))
    assert refused.status_code == 400 and "không an toàn" in text_of(refused)
    assert check(client, b"", "rong.csv").status_code == 400
    wrong = check(client, xlsx([["a", "b"]], headers=["Họ và tên", "Số thẻ"]))
    assert wrong.status_code == 400 and "Không tìm thấy dòng tiêu đề" in text_of(wrong)
    latin = check(client, "Câu hỏi;Đáp án đúng\r\n".encode("cp1258", errors="replace") + b"\xe9\xe8", "cau-hoi.csv")
    assert latin.status_code == 400 and "UTF-8" in text_of(latin)
    monkeypatch.setitem(app.config, "IMPORT_MAX_MB", 1)
    big = check(client, "Câu hỏi;Đáp án đúng\n".encode() + b"x" * (1024 * 1024 + 10), "lon.csv")
    assert big.status_code == 413 and "Tệp quá lớn: tối đa 1 MB" in text_of(big)
    token = csrf_token(client, "/admin/question_import/")
    assert client.post("/admin/question_import/check", data={"csrf_token": token}).status_code == 400
    assert question_total(dbq) == before


def test_the_import_is_for_committees_and_needs_its_tokens(app, make, place, dbq):
    """Do a secretary and a member get 403; is a POST without the CSRF token 400; and is a forged "Nhập"
    token, or one another user of the same commune replays, refused, nothing written?"""
    for user in (place.secretary, place.member):
        assert logged_in_client(app, user).get("/admin/question_import/").status_code == 403
    client = logged_in_client(app, place.committee)
    data = xlsx([["Câu hỏi mã?", "Một", "Hai", "", "", "A", "Mã", "", ""]])
    response = client.post("/admin/question_import/check", data={"file": (io.BytesIO(data), "a.xlsx")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    token = csrf_token(client, "/admin/question_import/")
    forged = client.post("/admin/question_import/apply", data={"csrf_token": token, "token": "giả-mạo"})
    assert forged.status_code == 400 and "hết hạn" in text_of(forged)
    checked = check(client, data)
    import_token = html.unescape(re.search(r'name="token" value="([^"]+)"', checked.get_data(as_text=True)).group(1))
    assert client.post("/admin/question_import/apply", data={"token": import_token}).status_code == 400  # no CSRF
    colleague = logged_in_client(app, make.user("committee", place.commune))
    replayed = colleague.post("/admin/question_import/apply", data={
        "csrf_token": csrf_token(colleague, "/admin/question_import/"), "token": import_token})
    assert replayed.status_code == 400
    assert bank_of(dbq, place.commune) == {}
    assert apply(client, checked).status_code == 302  # its own user still imports it
    assert list(bank_of(dbq, place.commune)) == ["Mã"]
