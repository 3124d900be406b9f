"""The yearly rating sheet of an organization: its rows, totals and quota, as Excel and PDF, written as a
report and from the command line. Each test builds a small district of its own (rolled back after)."""
import io
import unicodedata
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from handbook.extensions import db
from handbook.organizations.models import Member
from handbook.ratings.cli import register_cli
from handbook.ratings.files import QUOTA_SHEET, ROWS_SHEET, rating_pdf, rating_xlsx
from handbook.ratings.models import MemberRating
from handbook.ratings.reports import register_report_kind, write_rating_report
from handbook.ratings.sheet import rating_sheet
from handbook.registry import Evidence, registry
from handbook.reports.models import REPORT_KINDS, GeneratedReport
from handbook.reports.operations import report_path
from handbook.text import vi_sort_key

YEAR = 2025
RULE_SET_2025 = 1  # written by the migration
MALICIOUS = '=HYPERLINK("http://x")'
HEADER_ROW = 4  # below the organization, the title and the regulation


def _rate(member, branch, self_level=None, self_score=None, proposed=None, proposed_score=None, decided=None,
          reason=None, note=None, evidence=None):
    """A member's rating of 2025 in ``branch``, as the three steps left it."""
    return MemberRating(year=YEAR, rule_set_id=RULE_SET_2025, member_id=member.id, organization_id=branch.id,
                        status="decided" if decided else "open", evidence=evidence or {},
                        self_level=self_level, self_score=None if self_score is None else Decimal(self_score),
                        proposed_level=proposed, proposed_score=None if proposed_score is None else Decimal(proposed_score),
                        decided_level=decided, proposal_reason=reason, decision_note=note)


@pytest.fixture
def district(app, make, tree, rollback_db):
    """A district D with grassroots G1 (branches B1, B2) and G2 (branch B3); six members rated in 2025
    (one named like a formula, one not yet assessed) and one not rated. G1 decides 1 HTXSNV over 3
    HTTNV (allowed 0: over the quota), G2 none over 1 (within)."""
    d = {"D": make.org(tree["P"], "committee", "Đảng bộ huyện Kiến Xương Thử")}
    d["G1"] = make.org(d["D"], "grassroots", "Đảng bộ xã Vũ Hòa")
    d["G2"] = make.org(d["D"], "grassroots", "Đảng bộ xã Quang Trung")
    d["B1"] = make.org(d["G1"], "branch", "Chi bộ thôn Đồng Tâm")
    d["B2"] = make.org(d["G1"], "branch", "Chi bộ thôn Ưng Hòa")
    d["B3"] = make.org(d["G2"], "branch", "Chi bộ thôn Bắc Sơn")
    people = {
        "huong": ("B1", "Nguyễn Thị Hường", date(1980, 5, 1), "secretary"),
        "duc": ("B1", "Trần Văn Đức", date(1975, 12, 31), "member"),
        "formula": ("B1", MALICIOUS, date(1990, 1, 2), "member"),
        "anh": ("B2", "Lê Thị Ánh", date(1985, 3, 4), "deputy_secretary"),
        "binh": ("B2", "Phạm Văn Bình", None, "member"),
        "cuong": ("B3", "Đỗ Văn Cường", date(1970, 7, 8), "committee_member"),
        "dung": ("B3", "Vũ Thị Dung", date(1995, 9, 10), "member"),
    }
    for key, (branch, name, born, position) in people.items():
        d[key] = make.member(d[branch], name, date_of_birth=born, position=position)
    ratings = [
        _rate(d["huong"], d["B1"], "excellent", "95.5", "excellent", "92", "excellent",
              evidence={"test_rate": 1.0, "test_flag": False, "test_count": 12}),
        _rate(d["duc"], d["B1"], "good", "80", "good", "78", "good", reason="Đủ điều kiện", note="Đồng ý",
              evidence={"test_rate": 0.875, "test_flag": True}),
        _rate(d["formula"], d["B1"], "pass", "60", "pass", "60", "good"),
        _rate(d["anh"], d["B2"], "good", "85", "good", "85", "good"),
        _rate(d["binh"], d["B2"]),
        _rate(d["cuong"], d["B3"], "good", "75", "good", "75", "good"),
    ]
    with app.app_context():
        db.session.add_all(ratings)
        db.session.commit()
    return d


def _sheet(app, org, year=YEAR):
    with app.app_context():
        return rating_sheet(db.session, org.id, year)


def _xlsx(app, org) -> openpyxl.Workbook:
    out = io.BytesIO()
    with app.app_context():
        rating_xlsx(rating_sheet(db.session, org.id, YEAR), out)
    return openpyxl.load_workbook(io.BytesIO(out.getvalue()))


def _pdf(app, org) -> bytes:
    out = io.BytesIO()
    with app.app_context():
        rating_pdf(rating_sheet(db.session, org.id, YEAR), out, "Thái Bình")
    return out.getvalue()


def _table(worksheet) -> tuple[list[str], list[tuple]]:
    """The header and the member rows (up to the first empty row) of the list sheet, as cells."""
    header = [cell.value for cell in worksheet[HEADER_ROW]]
    rows = []
    for row in worksheet.iter_rows(min_row=HEADER_ROW + 1):
        if row[0].value is None:
            break
        rows.append(row)
    return header, rows


def _column(header, rows, title):
    """The cells of the column titled ``title``."""
    i = header.index(title)
    return [row[i] for row in rows]


def _pdf_text(data: bytes) -> str:
    return "\n".join(unicodedata.normalize("NFC", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages)


def test_no_sheet_without_the_organization_or_its_ratings(app, district):
    """Is there no sheet for an unknown organization, a year nobody was rated, or a subtree without ratings?"""
    with app.app_context():
        assert rating_sheet(db.session, 10**9, YEAR) is None
        assert rating_sheet(db.session, district["D"].id, 2019) is None
    assert _sheet(app, district["B3"]).rows == 1 and _sheet(app, district["G1"]).rows == 5


def test_sheet_counts_levels_per_step_and_the_quota_per_grassroots(app, district):
    """Do the totals count each step's levels (those not yet assessed apart), and does G1's 1 HTXSNV
    over 3 HTTNV break the 20 % quota while G2 keeps within it?"""
    sheet = _sheet(app, district["D"])
    assert sheet.rows == 6 and sheet.regulation == "366-QĐ/TW"
    assert sheet.root.name == "Đảng bộ huyện Kiến Xương Thử" and sheet.root.parent_name == "Đảng bộ tỉnh Thử"
    counts = {line.level: (line.self_assessed, line.proposed, line.decided) for line in sheet.levels}
    assert counts == {"excellent": (1, 1, 1), "good": (3, 3, 4), "pass": (1, 1, 0), "fail": (0, 0, 0),
                      "none": (1, 1, 1)}
    quota = {line.code: (line.excellent, line.good, line.allowed, line.within) for line in sheet.quota}
    assert quota == {district["G1"].code: (1, 3, 0, False), district["G2"].code: (0, 1, 0, True)}
    assert [line.code for line in sheet.quota] == [district["G1"].code, district["G2"].code]


def test_a_branch_sheet_counts_its_grassroots_quota_over_its_own_rows_only(app, district):
    """Is a branch's quota line the grassroots above it, marked as counting only the branch's rows?"""
    sheet = _sheet(app, district["B1"])
    (line,) = sheet.quota
    assert (line.code, line.excellent, line.good, line.partial) == (district["G1"].code, 1, 2, True)


def test_excel_lists_the_rows_in_branch_then_name_order_with_typed_cells(app, district):
    """Are the rated members listed branch by branch, by Vietnamese name order within a branch, with
    real dates shown dd/mm/yyyy, numbers as numbers, short levels and the notes joined?"""
    workbook = _xlsx(app, district["D"])
    assert workbook.sheetnames == [ROWS_SHEET, QUOTA_SHEET]
    worksheet = workbook[ROWS_SHEET]
    assert worksheet["A1"].value == "Đảng bộ huyện Kiến Xương Thử"
    assert worksheet["A2"].value == "DANH SÁCH ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG ĐẢNG VIÊN NĂM 2025"
    assert "366-QĐ/TW" in worksheet["A3"].value
    header, rows = _table(worksheet)
    assert header[:5] == ["STT", "Họ và tên", "Ngày sinh", "Chức vụ", "Chi bộ"]
    assert header[-6:] == ["Tự đánh giá", "Điểm tự chấm", "Chi bộ đề xuất", "Điểm chi bộ", "Cấp ủy quyết định", "Ghi chú"]
    assert all(worksheet.cell(HEADER_ROW, i + 1).font.b for i in range(len(header)))
    assert worksheet.freeze_panes == f"C{HEADER_ROW + 1}"
    assert worksheet.auto_filter.ref.startswith(f"A{HEADER_ROW}:") and worksheet.auto_filter.ref.endswith(str(HEADER_ROW + 6))
    b1 = sorted(["Nguyễn Thị Hường", "Trần Văn Đức", "'" + MALICIOUS], key=lambda n: vi_sort_key(n.lstrip("'")))
    b2 = sorted(["Lê Thị Ánh", "Phạm Văn Bình"], key=vi_sort_key)
    assert [c.value for c in _column(header, rows, "Họ và tên")] == b1 + b2 + ["Đỗ Văn Cường"]
    assert [c.value for c in _column(header, rows, "STT")] == [1, 2, 3, 4, 5, 6]
    by_name = {row[1].value: dict(zip(header, row)) for row in rows}
    huong = by_name["Nguyễn Thị Hường"]
    assert huong["Ngày sinh"].value.date() == date(1980, 5, 1) and huong["Ngày sinh"].number_format == "dd/mm/yyyy"
    assert huong["Chức vụ"].value == "Bí thư" and huong["Chi bộ"].value == "Chi bộ thôn Đồng Tâm"
    assert (huong["Tự đánh giá"].value, huong["Điểm tự chấm"].value, huong["Chi bộ đề xuất"].value,
            huong["Điểm chi bộ"].value, huong["Cấp ủy quyết định"].value) == ("HTXSNV", 95.5, "HTXSNV", 92, "HTXSNV")
    assert huong["Điểm tự chấm"].data_type == "n"
    assert by_name["Trần Văn Đức"]["Ghi chú"].value == "Đủ điều kiện; Đồng ý"
    binh = by_name["Phạm Văn Bình"]
    assert [binh[t].value for t in ("Ngày sinh", "Tự đánh giá", "Điểm tự chấm", "Cấp ủy quyết định", "Ghi chú")] == [None] * 5


def test_excel_totals_and_quota_follow_the_rows(app, district):
    """Do the totals block per level and the quota lines below the rows, and the quota sheet, say what the sheet counted?"""
    workbook = _xlsx(app, district["D"])
    cells = [row for row in workbook[ROWS_SHEET].iter_rows(min_row=HEADER_ROW + 7, values_only=True)]
    lines = {row[1]: row[2:6] for row in cells if row[1] is not None}
    assert lines["Mức xếp loại"][:3] == ("Tự đánh giá", "Chi bộ đề xuất", "Cấp ủy quyết định")
    assert lines["HTXSNV – Hoàn thành xuất sắc nhiệm vụ"][:3] == (1, 1, 1)
    assert lines["HTTNV – Hoàn thành tốt nhiệm vụ"][:3] == (3, 3, 4)
    assert lines["HTNV – Hoàn thành nhiệm vụ"][:3] == (1, 1, 0)
    assert lines["KHTNV – Không hoàn thành nhiệm vụ"][:3] == (0, 0, 0)
    assert lines["Chưa xếp loại"][:3] == (1, 1, 1)
    assert lines["Tổng cộng"][:3] == (6, 6, 6)
    assert lines["Đảng bộ xã Vũ Hòa"] == (1, 3, 0, "Vượt hạn mức")
    assert lines["Đảng bộ xã Quang Trung"] == (0, 1, 0, "Trong hạn mức")
    quota = list(workbook[QUOTA_SHEET].iter_rows(values_only=True))
    assert quota[1] == ("Mã", "Tổ chức cơ sở đảng", "HTXSNV", "HTTNV", "Tối đa HTXSNV", "Kết quả")
    assert quota[2:] == [(district["G1"].code, "Đảng bộ xã Vũ Hòa", 1, 3, 0, "Vượt hạn mức"),
                         (district["G2"].code, "Đảng bộ xã Quang Trung", 0, 1, 0, "Trong hạn mức")]


def test_a_name_written_like_a_formula_stays_text(app, district):
    """Does a member named "=HYPERLINK(...)" come out as text, never as a formula, on every sheet?"""
    workbook = _xlsx(app, district["D"])
    texts = [cell.value for sheet in workbook for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str) and "HYPERLINK" in cell.value]
    assert texts == ["'" + MALICIOUS]
    assert all(cell.data_type != "f" for sheet in workbook for row in sheet.iter_rows() for cell in row)


def test_evidence_registered_at_runtime_becomes_columns(app, district):
    """Does evidence a domain registers appear as columns between the member and the steps, with its
    values typed by kind (a rate as a percentage, a flag as Có/Không, a count), and nothing where a
    member has none — with no change to the sheet's code?"""
    added = [Evidence("test_rate", "Tỷ lệ thử", "percent", 1), Evidence("test_flag", "Cờ thử", "flag"),
             Evidence("test_count", "Số thử", "number")]
    evidence = registry(app).evidence
    evidence.extend(added)
    try:
        workbook = _xlsx(app, district["D"])
        text = _pdf_text(_pdf(app, district["D"]))
    finally:
        for item in added:
            evidence.remove(item)
    header, rows = _table(workbook[ROWS_SHEET])
    assert header.index("Tỷ lệ thử") == header.index("Chi bộ") + 1 + len(evidence)
    assert header[header.index("Tỷ lệ thử"):header.index("Tỷ lệ thử") + 3] == ["Tỷ lệ thử", "Cờ thử", "Số thử"]
    by_name = {row[1].value: dict(zip(header, row)) for row in rows}
    huong, duc, cuong = by_name["Nguyễn Thị Hường"], by_name["Trần Văn Đức"], by_name["Đỗ Văn Cường"]
    assert (huong["Tỷ lệ thử"].value, huong["Tỷ lệ thử"].number_format) == (1, "0.0%")
    assert (duc["Tỷ lệ thử"].value, duc["Cờ thử"].value, duc["Số thử"].value) == (0.875, "Có", None)
    assert (huong["Cờ thử"].value, huong["Số thử"].value) == ("Không", 12)
    assert (cuong["Tỷ lệ thử"].value, cuong["Cờ thử"].value) == (None, None)
    text = " ".join(text.split())  # a narrow column's title wraps over lines
    assert "Tỷ lệ thử" in text and "87,5%" in text and "100,0%" in text
    assert "Tỷ lệ thử" not in [c.value for c in _xlsx(app, district["D"])[ROWS_SHEET][HEADER_ROW]]


def test_pdf_reads_like_a_signed_party_list(app, district):
    """Does the PDF carry the Party heading, the title with the year and regulation, the Vietnamese
    names and short levels, the totals, the quota and the committee's signature? (The formula-like
    name, one word wider than its column, is broken onto a second line inside the word, where it fits:
    how far depends on how many evidence columns the domains register.)"""
    text = _pdf_text(_pdf(app, district["D"]))
    for line in ("ĐẢNG CỘNG SẢN VIỆT NAM", "ĐẢNG BỘ TỈNH THỬ", "ĐẢNG BỘ HUYỆN KIẾN XƯƠNG THỬ",
                 "DANH SÁCH ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG ĐẢNG VIÊN", "Năm 2025 — theo Quy định 366-QĐ/TW",
                 "Nguyễn Thị Hường", "Trần Văn Đức", "Lê Thị Ánh", "Đỗ Văn Cường", "Chi bộ thôn Ưng Hòa",
                 "01/05/1980", "95,5", "HTXSNV", "HTTNV", "HTNV", "Tổng hợp theo mức xếp loại",
                 "KHTNV – Không hoàn thành nhiệm vụ", "Vượt hạn mức", "Trong hạn mức", "T/M BAN THƯỜNG VỤ", "BÍ THƯ"):
        assert line in text, line
    assert MALICIOUS in text.replace("\n", "") and MALICIOUS not in text
    assert "Vũ Thị Dung" not in text


def test_a_branch_pdf_is_signed_for_the_branch(app, district):
    """Is a branch's sheet signed on behalf of the branch and sent to the committee above?"""
    text = _pdf_text(_pdf(app, district["B1"]))
    assert "T/M CHI BỘ" in text and "Đảng ủy cấp trên" in text and "Lê Thị Ánh" not in text


def test_pdf_embeds_every_font_it_draws_with(app, district):
    """Are the fonts that draw the text embedded, so any reader shows the Vietnamese letters?"""
    reader = PdfReader(io.BytesIO(_pdf(app, district["D"])))
    assert all(float(page.mediabox.width) > float(page.mediabox.height) for page in reader.pages)
    drawing = {}

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip() and font_dict is not None:
            drawing[font_dict["/BaseFont"]] = font_dict

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    assert drawing and not any("Helvetica" in name for name in drawing)
    for font in drawing.values():
        described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        assert "/FontFile2" in described["/FontDescriptor"].get_object(), font["/BaseFont"]


def test_a_long_pdf_splits_its_rows_over_pages_with_the_header_repeated(app, district):
    """Do 450 rows (three lazily built tables) all reach the PDF, over pages that each repeat the header?"""
    branch = district["B3"]
    with app.app_context():
        members = [Member(full_name=f"Đảng viên Số {n:03d}", card_number=f"8{n:07d}", organization_id=branch.id)
                   for n in range(444)]
        db.session.add_all(members)
        db.session.flush()
        db.session.add_all([_rate(m, branch, "good", "80", "good", "80", "good") for m in members])
        db.session.commit()
    reader = PdfReader(io.BytesIO(_pdf(app, district["D"])))
    pages = [unicodedata.normalize("NFC", page.extract_text()) for page in reader.pages]
    text = "\n".join(pages)
    assert all(f"Đảng viên Số {n:03d}" in text for n in range(444))
    rows_pages = [page for page in pages if "Đảng viên Số" in page]
    assert len(rows_pages) > 3 and all("Họ và tên" in page for page in rows_pages)


def test_report_is_written_and_recorded_once_per_year(app, district):
    """Does writing the report put both files under rating/2025/ and record one GeneratedReport of kind
    "rating", updated in place when written again?"""
    register_report_kind()
    assert REPORT_KINDS["rating"] == "Xếp loại đảng viên"
    with app.app_context():
        first = write_rating_report(db.session, YEAR, district["D"].id)
        db.session.commit()
        again = write_rating_report(db.session, YEAR, district["D"].id)
        db.session.commit()
        assert again.id == first.id and again.kind_label == "Xếp loại đảng viên"
        assert first.xlsx_path == f"rating/2025/{district['D'].code}-2025.xlsx"
        files = [report_path(again, fmt) for fmt in ("xlsx", "pdf")]
        assert all(path.is_file() and path.stat().st_size > 0 for path in files)
        assert write_rating_report(db.session, 2019, district["D"].id) is None
        assert db.session.execute(select(GeneratedReport).where(
            GeneratedReport.kind == "rating", GeneratedReport.organization_id == district["D"].id)).scalars().all() == [again]


def test_command_writes_both_files_into_out(app, district, tmp_path):
    """Does `flask reports ratings --year 2025 --org CODE --out DIR` write the Excel and PDF there; and
    do an unknown code (a usage error, exit 2) and a year without ratings fail clearly?"""
    register_cli(app)
    runner = app.test_cli_runner()
    code = district["D"].code
    done = runner.invoke(args=["reports", "ratings", "--year", "2025", "--org", code, "--out", str(tmp_path)])
    assert done.exit_code == 0, done.output
    for fmt in ("xlsx", "pdf"):
        path = tmp_path / f"{code}-2025.{fmt}"
        assert path.is_file() and str(path) in done.output
    assert openpyxl.load_workbook(tmp_path / f"{code}-2025.xlsx")[ROWS_SHEET]["A1"].value == "Đảng bộ huyện Kiến Xương Thử"
    unknown = runner.invoke(args=["reports", "ratings", "--year", "2025", "--org", "KHONG-CO", "--out", str(tmp_path)])
    assert unknown.exit_code == 2 and "KHONG-CO" in unknown.output
    none = runner.invoke(args=["reports", "ratings", "--year", "2019", "--org", code])
    assert none.exit_code == 1 and "2019" in none.output
