"""The shared PDF module: a Party document's heading, title, figures and signature, read back with pypdf."""
import io
import unicodedata
from datetime import date

from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from handbook import pdf


def _report(rows: int, name: str = "Nguyễn Thị Hương", cell: str = "Chi bộ thôn An Lễ") -> bytes:
    """A monthly report: heading, title, a table of ``rows`` branches and the signature."""
    figures = [["STT", "Chi bộ", "Đảng viên"]] + [[i, f"{cell} {i}", 108600 + i - 1] for i in range(1, rows + 1)]
    story = pdf.party_header("Đảng bộ tỉnh Thái Bình", "Chi bộ thôn An Lễ 1", "12-BC/CB", "Thái Bình", date(2026, 11, 30))
    story += pdf.document_title("Báo cáo", "Thống kê đảng viên tháng 11 năm 2026")
    story.append(pdf.table(figures, col_widths=[15 * mm, 100 * mm, 50 * mm]))
    story += pdf.signature_block("T/M Chi bộ", "Bí thư", name, ["Đảng ủy xã An Lễ"])
    return pdf.build_pdf(story, title="Báo cáo thống kê đảng viên tháng 11 năm 2026")


def _pages(data: bytes) -> list[str]:
    return [unicodedata.normalize("NFC", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def _top_band_text(data: bytes, page: int) -> str:
    """What is drawn in the top margin of ``page`` (where 36-HD puts page numbers)."""
    parts = []

    def visit(text, cm, tm, font_dict, font_size):
        y = cm[5] + tm[5] * cm[3]
        if y > A4[1] - 20 * mm and text.strip():
            parts.append(text.strip())

    PdfReader(io.BytesIO(data)).pages[page].extract_text(visitor_text=visit)
    return " ".join(parts)


def test_one_page_report_reads_like_a_party_document():
    """Does a short report fit one page with the heading, the title, the figures and the signature?"""
    [text] = _pages(_report(3))
    for line in ("ĐẢNG BỘ TỈNH THÁI BÌNH", "CHI BỘ THÔN AN LỄ 1", "Số 12-BC/CB", "ĐẢNG CỘNG SẢN VIỆT NAM",
                 "Thái Bình, ngày 30 tháng 11 năm 2026", "BÁO CÁO", "Thống kê đảng viên tháng 11 năm 2026",
                 "108.600", "108.602", "Nơi nhận:", "- Đảng ủy xã An Lễ,", "- Lưu.", "T/M CHI BỘ", "BÍ THƯ",
                 "Nguyễn Thị Hương"):
        assert line in text, line


def test_long_report_numbers_pages_from_the_second():
    """Does a 200-row report run on several pages, numbered from page 2 on, with the header row repeated?"""
    data = _report(200)
    pages = _pages(data)
    assert len(pages) > 2
    assert _top_band_text(data, 0) == ""
    assert _top_band_text(data, 1) == "2"
    assert _top_band_text(data, len(pages) - 1) == str(len(pages))
    assert "Đảng viên" in pages[1] and "STT" in pages[1]
    assert "108.799" in pages[-1] and "Nơi nhận:" in pages[-1] and "Nguyễn Thị Hương" in pages[-1]


def test_metadata_names_the_report():
    """Does the PDF carry the report's title and the handbook as its author?"""
    info = PdfReader(io.BytesIO(_report(1))).metadata
    assert info.title == "Báo cáo thống kê đảng viên tháng 11 năm 2026"
    assert info.author == "Sổ tay đảng viên"


def test_markup_in_data_prints_literally():
    """Do "<script>&" in a name and "<b>" in a cell print as typed instead of breaking reportlab?"""
    [text] = _pages(_report(2, name="Lê <script>& Văn", cell="<b>Chi bộ</b> & Đoàn"))
    assert "Lê <script>& Văn" in text
    assert "<b>Chi bộ</b> & Đoàn 1" in text


def test_markup_in_heading_and_recipients_prints_literally():
    """Is every piece of text escaped: issuer, number, subject, recipients?"""
    story = pdf.party_header(None, "Chi bộ <i>A&B", "1-BC/<x>", "Thái Bình", date(2026, 1, 5))
    story += pdf.document_title("Báo cáo", "Về <u>việc</u> & khác")
    story.append(pdf.paragraph("Ghi chú <br/> & <para>"))
    story += pdf.signature_block(None, "Bí thư", None, ["- Ban <Tổ chức> & Kiểm tra", "Lưu Văn phòng."])
    [text] = _pages(pdf.build_pdf(story, title="<b>&"))
    assert "CHI BỘ <I>A&B" in text and "Số 1-BC/<x>" in text and "Về <u>việc</u> & khác" in text
    assert "Ghi chú <br/> & <para>" in text
    assert "- Ban <Tổ chức> & Kiểm tra," in text and "- Lưu Văn phòng." in text and text.count("- Lưu") == 1


def test_vietnamese_letters_survive():
    """Are Vietnamese letters drawn and read back as typed, in every face?"""
    [text] = _pages(_report(1, name="Nguyễn Thị Hương", cell="Ưng Đức Ỷ"))
    assert "Nguyễn Thị Hương" in text and "Ưng Đức Ỷ 1" in text and "ngày 30 tháng 11" in text


def test_date_pads_days_and_the_first_two_months():
    """Does the date carry a zero before days 1-9 and months 1-2, as Party documents write it?"""
    assert pdf.vietnamese_date("Thái Bình", date(2026, 1, 5)) == "Thái Bình, ngày 05 tháng 01 năm 2026"
    assert pdf.vietnamese_date("Thái Bình", date(2026, 2, 28)) == "Thái Bình, ngày 28 tháng 02 năm 2026"
    assert pdf.vietnamese_date("Hà Nội", date(2018, 4, 3)) == "Hà Nội, ngày 03 tháng 4 năm 2018"
    assert pdf.vietnamese_date("Thái Bình", date(2026, 11, 30)) == "Thái Bình, ngày 30 tháng 11 năm 2026"


def test_numbers_are_written_the_vietnamese_way():
    """Are thousands separated by "." and decimals by ","?"""
    assert pdf.vietnamese_number(108600) == "108.600"
    assert pdf.vietnamese_number(1234567) == "1.234.567"
    assert pdf.vietnamese_number(-1500) == "-1.500"
    assert pdf.vietnamese_number(12.5) == "12,5"
    assert pdf.vietnamese_number(2500.0) == "2.500"


def test_header_without_number_or_superior():
    """Does a document without a number leave out the "Số" line (and the superior when there is none)?"""
    story = pdf.party_header(None, "Chi bộ thôn An Lễ 1", None, "Thái Bình", date(2026, 11, 30))
    [text] = _pages(pdf.build_pdf(story, title="Thông báo"))
    assert "CHI BỘ THÔN AN LỄ 1" in text and "Số" not in text and "ĐẢNG BỘ" not in text


def test_fonts_keep_the_old_names_and_add_italics():
    """Do the two Vietnamese faces keep their registered names, and is there a real italic?"""
    assert pdf.vietnamese_fonts() == ("HandbookVN", "HandbookVN-Bold")
    faces = pdf.fonts()
    assert (faces.regular, faces.bold) == pdf.vietnamese_fonts()
    assert faces.italic == "HandbookVN-Italic" and faces.bold_italic == "HandbookVN-BoldItalic"
