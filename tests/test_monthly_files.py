"""Issue 12: a month's statistics as files — the xlsx workbook and the landscape PDF, read back, and
written atomically; no database: the reports are built by hand."""
import io
import unicodedata
from datetime import date, datetime

import openpyxl
import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm

from handbook.registry import Figure
from handbook.reports.files import figure_text, monthly_pdf, monthly_xlsx, write_atomically
from handbook.reports.report import LEVEL_TITLES, MonthReport, OrgFigures

FIGURES = [
    Figure("members", "Đảng viên", group="Đảng viên", headline=True),
    Figure("users", "Đảng viên sử dụng sổ tay", group="Sử dụng"),
    Figure("usage_rate", "Tỷ lệ sử dụng", group="Sử dụng", ratio=("users", "members"), percent=True, headline=True),
    Figure("points_per_member", "Điểm bình quân", group="Học tập", ratio=("points", "members")),
]
MALICIOUS = '=HYPERLINK("http://x")'
# 30 November 2026, 20:30 UTC is already 1 December, 03:30 in Vietnam.
COMPUTED_AT = datetime(2026, 11, 30, 20, 30)


def _org(id, name, kind, depth, parent=None, members=10, users=7, points=25, code=None):
    """An organization's month, with its subtree's counts."""
    totals = {"members": members, "users": users, "points": points}
    return OrgFigures(id=id, code=code or f"DB{id:05d}", name=name, kind=kind, depth=depth,
                      parent_id=parent.id if parent else None, parent_name=parent.name if parent else None,
                      totals=totals, own={})


def _report(branches_per_child: int = 2, previous: bool = True) -> MonthReport:
    """A commune's party committee with three children (one named like a formula), each with branches."""
    root = _org(1, "Đảng bộ xã Vũ Hội", "grassroots", 0, members=1234, users=969, points=3702)
    children = [_org(2, "Chi bộ thôn Đồng Tâm", "sub_committee", 1, root, members=40, users=31, points=80),
                _org(3, MALICIOUS, "sub_committee", 1, root, members=20, users=8, points=10),
                _org(4, "Đảng bộ bộ phận Ưng Đức Ỷ", "sub_committee", 1, root, members=0, users=0, points=0)]
    branches = [_org(100 + i, f"Chi bộ số {i} – Hương Khê", "branch", 2, children[i % 3], members=5, users=i % 6)
                for i in range(3 * branches_per_child)]
    before = _org(1, root.name, "grassroots", 0, members=1200, users=900, points=3600) if previous else None
    return MonthReport(month=date(2026, 11, 1), root=root, previous=before, children=children,
                       levels=[(LEVEL_TITLES["sub_committee"], children), (LEVEL_TITLES["branch"], branches)],
                       figures=FIGURES, computed_at=COMPUTED_AT, superior_name="Đảng bộ huyện Vũ Thư")


def _workbook(report: MonthReport) -> openpyxl.Workbook:
    out = io.BytesIO()
    monthly_xlsx(report, out)
    return openpyxl.load_workbook(io.BytesIO(out.getvalue()))


def _pdf(report: MonthReport) -> bytes:
    out = io.BytesIO()
    monthly_pdf(report, out, "Thái Bình")
    return out.getvalue()


def _rows_by_label(sheet) -> dict:
    """The summary's figure rows: label -> (this month, last month, change)."""
    return {row[0]: row[1:4] for row in sheet.iter_rows(values_only=True) if row and row[0] and len(row) > 3}


def test_figure_text_writes_numbers_the_vietnamese_way():
    """Are counts, percentages, plain ratios and missing values written as a Vietnamese report prints them?"""
    members, _users, usage, points = FIGURES
    assert figure_text(members, 1234) == "1.234"
    assert figure_text(usage, 0.785) == "78,5%"
    assert figure_text(points, 12.34) == "12,3"
    assert figure_text(usage, None) == "—"
    assert figure_text(members, 34, signed=True) == "+34"
    assert figure_text(usage, -0.023, signed=True) == "-2,3%"
    assert figure_text(members, 0, signed=True) == "0"


def test_workbook_has_the_summary_then_a_sheet_per_level():
    """Does the workbook open on the summary, followed by one sheet per level, titled as the level?"""
    assert _workbook(_report()).sheetnames == ["Tổng hợp", "Đảng bộ bộ phận", "Chi bộ"]


def test_summary_compares_the_month_with_the_last():
    """Does the summary give each figure this month, last month and the change, typed and formatted?"""
    sheet = _workbook(_report())["Tổng hợp"]
    assert [sheet.cell(row, 1).value for row in (1, 2)] == ["Đảng bộ xã Vũ Hội", "Thống kê tháng 11/2026"]
    assert sheet.cell(3, 1).value == "Số liệu tính đến 01/12/2026 03:30"
    rows = _rows_by_label(sheet)
    assert rows["Chỉ tiêu"] == ("Tháng này", "Tháng trước", "Tăng/giảm")
    assert rows["Đảng viên"] == (1234, 1200, 34)
    now, before, change = rows["Tỷ lệ sử dụng"]
    assert now == pytest.approx(969 / 1234) and before == pytest.approx(0.75)
    assert change == pytest.approx(969 / 1234 - 0.75)
    assert rows["Điểm bình quân"][0] == pytest.approx(3)
    usage_row = next(row for row in sheet.iter_rows() if row[0].value == "Tỷ lệ sử dụng")
    assert usage_row[1].number_format == "0.0%"
    assert isinstance(rows["Đảng viên"][0], int)


def test_summary_without_last_month_leaves_cells_empty():
    """Before the first month computed, are last month and the change empty instead of zero?"""
    rows = _rows_by_label(_workbook(_report(previous=False))["Tổng hợp"])
    assert rows["Đảng viên"] == (1234, None, None)


def test_summary_lists_and_charts_the_children():
    """Are the direct children listed with their figures, and is their usage rate charted?"""
    workbook = _workbook(_report())
    sheet = workbook["Tổng hợp"]
    rows = _rows_by_label(sheet)
    assert rows["Chi bộ thôn Đồng Tâm"][0] == 40
    assert rows["Đảng bộ bộ phận Ưng Đức Ỷ"][2] is None  # no members: no rate, not 0%
    assert len(sheet._charts) == 1
    assert not workbook["Chi bộ"]._charts


def test_level_sheet_lists_every_organization_with_typed_figures():
    """Does a level's sheet list its organizations, parents and typed figures under a frozen, filtered header?"""
    sheet = _workbook(_report(branches_per_child=3))["Chi bộ"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("STT", "Mã", "Tổ chức", "Trực thuộc", "Đảng viên", "Đảng viên sử dụng sổ tay",
                       "Tỷ lệ sử dụng", "Điểm bình quân")
    assert len(rows) == 1 + 9
    assert rows[1][:6] == (1, "DB00100", "Chi bộ số 0 – Hương Khê", "Chi bộ thôn Đồng Tâm", 5, 0)
    assert rows[2][6] == pytest.approx(0.2)
    assert sheet["G3"].number_format == "0.0%" and sheet["H3"].number_format == "0.0"
    assert isinstance(sheet["E2"].value, int)
    assert sheet.freeze_panes == "D2"
    assert sheet["A1"].font.bold
    assert sheet.auto_filter.ref == "A1:H10"


def test_a_name_written_like_a_formula_stays_text():
    """Does an organization named "=HYPERLINK(...)" come out as text on every sheet, never as a formula?"""
    workbook = _workbook(_report())
    texts = [cell.value for sheet in workbook for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str) and "HYPERLINK" in cell.value]
    assert texts and all(not text.startswith("=") for text in texts)
    assert all(cell.data_type != "f" for sheet in workbook for row in sheet.iter_rows() for cell in row)


def _pdf_text(data: bytes) -> list[str]:
    return [unicodedata.normalize("NFC", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def _top_band_text(reader: PdfReader, page: int) -> str:
    """What is drawn in the top margin of ``page`` (where page numbers go)."""
    parts = []
    height = float(reader.pages[page].mediabox.height)

    def visit(text, cm, tm, font_dict, font_size):
        if cm[5] + tm[5] * cm[3] > height - 20 * mm and text.strip():
            parts.append(text.strip())

    reader.pages[page].extract_text(visitor_text=visit)
    return " ".join(parts)


def test_pdf_reads_like_a_party_report():
    """Does the PDF carry the Party heading, the title, the figures and the Vietnamese names intact?"""
    text = "\n".join(_pdf_text(_pdf(_report())))
    for line in ("ĐẢNG CỘNG SẢN VIỆT NAM", "ĐẢNG BỘ HUYỆN VŨ THƯ", "ĐẢNG BỘ XÃ VŨ HỘI",
                 "Thái Bình, ngày 01 tháng 12 năm 2026", "BÁO CÁO", "Thống kê tháng 11/2026",
                 "Chi bộ thôn Đồng Tâm", "Đảng bộ bộ phận Ưng Đức Ỷ", "Chi bộ số 1 – Hương Khê",
                 "1.234", "78,5%", "+34", "Tăng/giảm", MALICIOUS):
        assert line in text, line


def test_pdf_is_landscape_with_embedded_fonts():
    """Is every page A4 sideways, and are the fonts embedded so any reader draws the Vietnamese letters?"""
    reader = PdfReader(io.BytesIO(_pdf(_report())))
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(landscape(A4)[0])
        assert float(page.mediabox.width) > float(page.mediabox.height)
    drawing = {}  # the fonts that draw text (reportlab's canvas names Helvetica on each page but draws nothing in it)

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip() and font_dict is not None:
            drawing[font_dict["/BaseFont"]] = font_dict

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    assert drawing and not any("Helvetica" in name for name in drawing)
    for font in drawing.values():
        described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        assert "/FontFile2" in described["/FontDescriptor"].get_object(), font["/BaseFont"]


def test_long_pdf_numbers_its_pages_from_the_second():
    """Does a report running over several pages number them from page 2 on, in the top margin?"""
    reader = PdfReader(io.BytesIO(_pdf(_report(branches_per_child=30))))
    assert len(reader.pages) > 2
    assert _top_band_text(reader, 0) == ""
    assert _top_band_text(reader, 1) == "2"
    assert _top_band_text(reader, len(reader.pages) - 1) == str(len(reader.pages))


def test_failed_write_keeps_the_previous_file(tmp_path):
    """Does a writer failing half way leave the previous file's bytes as they were, and no part file?"""
    path = tmp_path / "2026-11" / "report.xlsx"
    assert write_atomically(path, lambda out: out.write(b"old")) == 3

    def failing(out):
        out.write(b"half a new file")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_atomically(path, failing)
    assert path.read_bytes() == b"old"
    assert [p.name for p in path.parent.iterdir()] == ["report.xlsx"]


def test_successful_write_replaces_the_file(tmp_path):
    """Does a whole write replace the file and report its size?"""
    path = tmp_path / "report.pdf"
    path.write_bytes(b"old")
    size = write_atomically(path, lambda out: monthly_pdf(_report(), out, "Thái Bình"))
    assert size == path.stat().st_size > 3 and path.read_bytes().startswith(b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


def _province(organizations: int) -> MonthReport:
    """A province-sized report: about ``organizations`` organizations over three levels."""
    root = _org(1, "Đảng bộ tỉnh Thái Bình", "province", 0, members=108600, users=85000, points=300000)
    committees = [_org(10 + i, f"Đảng bộ huyện số {i}", "committee", 1, root) for i in range(8)]
    grassroots = [_org(1000 + i, f"Đảng bộ xã Vũ Hội {i}", "grassroots", 2, committees[i % 8]) for i in range(300)]
    branches = [_org(10000 + i, f"Chi bộ thôn Đồng Tâm {i}", "branch", 3, grassroots[i % 300], users=i % 11)
                for i in range(organizations - 308)]
    return MonthReport(month=date(2026, 11, 1), root=root, previous=None, children=committees,
                       levels=[("Đảng bộ trực thuộc", committees), ("Tổ chức cơ sở đảng", grassroots),
                               ("Chi bộ", branches)],
                       figures=FIGURES, computed_at=COMPUTED_AT, superior_name=None)


def test_a_province_of_5000_organizations_writes_both_files(tmp_path):
    """Do a province's 5,000 organizations make both files: every branch a row of the Excel, and a PDF
    that prints the levels above and sends the reader to the Excel for the 4,692 branches?"""
    report = _province(5000)
    xlsx = write_atomically(tmp_path / "report.xlsx", lambda out: monthly_xlsx(report, out))
    pdf_size = write_atomically(tmp_path / "report.pdf", lambda out: monthly_pdf(report, out, "Thái Bình"))
    assert xlsx > 0 and pdf_size > 0
    sheet = openpyxl.load_workbook(tmp_path / "report.xlsx", read_only=True)["Chi bộ"]
    assert sum(1 for _row in sheet.iter_rows(values_only=True)) == 1 + 4692
    pages = PdfReader(tmp_path / "report.pdf").pages
    text = "\n".join(page.extract_text() for page in pages)
    assert "4.692 tổ chức: số liệu của từng tổ chức ở trang «Chi bộ» của tệp Excel kèm theo." in text
    assert len(pages) < 40


def test_a_report_without_children_has_no_chart():
    """Does a branch's report, with no organization below it, still make both files, without a chart?"""
    report = _report()
    report.children, report.levels = [], []
    workbook = _workbook(report)
    assert workbook.sheetnames == ["Tổng hợp"] and not workbook["Tổng hợp"]._charts
    assert "Tỷ lệ sử dụng" in "\n".join(_pdf_text(_pdf(report)))


def test_level_sheet_names_are_ones_excel_accepts():
    """Are level titles too long, repeated or holding "/" turned into distinct sheet names of 31 characters at most?"""
    report = _report()
    long_title = "Đảng bộ cơ sở trong doanh nghiệp nhà nước trực thuộc"
    report.levels = [(long_title, report.children), (long_title, report.children), ("Tổng hợp", []),
                     ("Chi bộ/Tổ đảng", [])]
    names = _workbook(report).sheetnames
    assert len(names) == len(set(names)) == 5
    assert all(len(name) <= 31 and "/" not in name for name in names)
    assert names[1] == long_title[:31] and names[2].endswith(" (2)") and names[3] == "Tổng hợp (2)"


def test_many_figures_still_fit_the_page():
    """Does a report of twenty figures lay out on landscape pages, its names and figures all printed?"""
    report = _report()
    report.figures = FIGURES + [Figure(f"extra{i}", f"Chỉ tiêu thêm số {i}", group="Khác") for i in range(16)]
    text = "\n".join(_pdf_text(_pdf(report)))
    assert "Chỉ tiêu thêm số 15" in text and "Chi bộ số 5 – Hương Khê" in text
