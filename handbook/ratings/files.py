"""The rating sheet as files: the xlsx workbook and the landscape PDF a secretary signs.

Both stream the rows from the sheet's one query: the workbook is write-only (each row goes to disk as
it is appended) and the PDF builds each table of 200 rows only when the layout reaches it, so a
province's 108,600 members are written in bounded memory.
"""
from __future__ import annotations

from typing import BinaryIO, Callable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from handbook import pdf
from handbook.clock import local_date, local_today
from handbook.ratings.rules import format_score
from handbook.ratings.sheet import STEP_TITLES, RatingSheet, SheetColumn
from handbook.reports.files import PDF_CHUNK_ROWS
# The exports' column-wise machinery: a chunk's text columns neutralized by one search each rather than
# cell by cell. Underscored in spreadsheets.py, where the exports were its only user; this is the second.
from handbook.spreadsheets import DATE_FORMAT, converted_rows, neutralize_cell, reused_cell, styled_cell, text_cell

TITLE = "DANH SÁCH ĐÁNH GIÁ, XẾP LOẠI CHẤT LƯỢNG ĐẢNG VIÊN"
ROWS_SHEET = "Xếp loại đảng viên"
QUOTA_SHEET = "Hạn mức HTXSNV"
TOTALS_TITLE = "Tổng hợp theo mức xếp loại"
TOTALS_HEADER = ("Mức xếp loại", *STEP_TITLES)
TOTAL_LABEL = "Tổng cộng"
QUOTA_HEADER = ("Mã", "Tổ chức cơ sở đảng", "HTXSNV", "HTTNV", "Tối đa HTXSNV", "Kết quả")
PARTIAL_NOTE = "Tổ chức cơ sở đảng ở trên đơn vị lập danh sách: chỉ tính các chi bộ có trong danh sách này."
# Rows per chunk read from the database while writing the workbook.
XLSX_CHUNK_ROWS = 2000
# Column widths in Excel's characters, by title; evidence and steps as wide as their titles (see _xlsx_width).
_XLSX_WIDTHS = {"STT": 7, "Họ và tên": 28, "Ngày sinh": 12, "Chức vụ": 14, "Chi bộ": 36, "Ghi chú": 40}
# The PDF's columns in mm: fixed ones (numbers, dates, levels, scores) whatever the evidence; the text
# ones share what the evidence leaves, in these proportions, each at least its minimum.
_PDF_FIXED = {"STT": 9, "Ngày sinh": 16, "score": 10, "level": 12}
# A province's names run to 20 characters and its branches' to 33 ("Chi bộ tổ dân phố Trung Thượng 10").
_PDF_TEXT = {"Họ và tên": (28, 22), "Chức vụ": (15, 12), "Chi bộ": (42, 26), "Ghi chú": (20, 16)}
_PDF_EVIDENCE, _PDF_EVIDENCE_MIN = 14, 11
_PDF_FONT_SIZE, _PDF_SMALL_FONT_SIZE = 6.5, 5.5
# A cell's padding in points, each side: narrower than a table's usual 6, for seventeen columns.
_PDF_PADDING, _PDF_ROW_PADDING = 2, 1


def _title_lines(sheet: RatingSheet) -> list[str]:
    """The organization, the title with its year, and the regulation."""
    return [sheet.root.name, f"{TITLE} NĂM {sheet.year}", f"Theo Quy định {sheet.regulation}"]


def _quota_rule(sheet: RatingSheet) -> str:
    """What the quota asks, in words."""
    return (f"Hạn mức HTXSNV: không quá {format_score(sheet.rule_set.quota_percent)}% số đảng viên "
            "HTTNV của mỗi tổ chức cơ sở đảng")


def _quota_summary(sheet: RatingSheet) -> str:
    """How many grassroots organizations keep within the quota, and how many exceed it."""
    over = sum(1 for line in sheet.quota if not line.within)
    return f"{len(sheet.quota) - over} tổ chức cơ sở đảng trong hạn mức, {over} tổ chức vượt hạn mức."


def _percent_format(column: SheetColumn) -> str:
    """Excel's format of a rate: a percentage with the evidence's digits (at least one)."""
    return "0." + "0" * (column.decimals or 1) + "%"


# ---------------------------------------------------------------- xlsx


def _xlsx_converter(worksheet, column: SheetColumn) -> Callable | None:
    """How a column's values become cells: text neutralized column-wise, numbers as they are, dates and
    rates through one styled cell per column reused row after row (the write-only sheet writes a row
    out as it is appended), None as an empty cell."""
    if column.kind == "text":
        return text_cell
    if column.kind in ("flag", "score"):  # "Có"/"Không" written by the sheet (nothing to neutralize); scores
        return None
    if column.kind == "number" and not column.decimals:
        return None
    if column.kind == "date":
        return reused_cell(worksheet, DATE_FORMAT)
    if column.kind == "percent":
        return reused_cell(worksheet, _percent_format(column))
    return reused_cell(worksheet, "#,##0." + "0" * column.decimals)


def _xlsx_width(column: SheetColumn) -> float:
    """A column as wide as set for its title, else as its title (longer titles wrap in the header past 22)."""
    if column.title in _XLSX_WIDTHS:
        return _XLSX_WIDTHS[column.title]
    return min(22, max(11, len(column.title) + 2))


def _totals_rows(sheet: RatingSheet) -> list[list]:
    """The totals block: per level (and at none yet) the ratings of each step, then their sum."""
    rows = [[f"{line.short} – {line.label}" if line.short else line.label,
             line.self_assessed, line.proposed, line.decided] for line in sheet.levels]
    rows.append([TOTAL_LABEL, sheet.rows, sheet.rows, sheet.rows])
    return rows


def _quota_rows(sheet: RatingSheet) -> list[list]:
    """One row per grassroots organization: code, name, HTXSNV, HTTNV, allowed, the verdict."""
    return [[line.code, line.name + (" (*)" if line.partial else ""), line.excellent, line.good, line.allowed,
             line.verdict] for line in sheet.quota]


def _xlsx_rows_sheet(workbook: Workbook, sheet: RatingSheet, progress: Callable[[int], None] | None) -> None:
    """The list: title lines, the bold header frozen and filtered, the rows typed; then the totals and the quota."""
    worksheet = workbook.create_sheet(ROWS_SHEET)
    columns = sheet.columns
    for i, column in enumerate(columns, 1):
        worksheet.column_dimensions[get_column_letter(i)].width = _xlsx_width(column)
    titles = _title_lines(sheet)
    header_row = len(titles) + 1
    # Below the header and right of the names: the evidence and the steps scroll, the names stay in sight.
    worksheet.freeze_panes = f"C{header_row + 1}"
    fonts = [Font(bold=True, size=13), Font(bold=True, size=12), Font(italic=True)]
    for line, font in zip(titles, fonts):
        worksheet.append([styled_cell(worksheet, line, font)])
    bold = Font(bold=True)
    header = [styled_cell(worksheet, column.title, bold) for column in columns]
    wrapped = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for cell in header:
        cell.alignment = wrapped
    worksheet.append(header)
    converters = [_xlsx_converter(worksheet, column) for column in columns]
    rows = 0
    for chunk in sheet.chunks(XLSX_CHUNK_ROWS):
        for row in converted_rows(chunk, converters):
            worksheet.append(row)
        rows += len(chunk)
        if progress is not None:
            progress(len(chunk))
    worksheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{header_row + rows}"
    # The blocks below start in the names' column: the number column is too narrow for their labels.
    worksheet.append([])
    worksheet.append([None, styled_cell(worksheet, TOTALS_TITLE, bold)])
    worksheet.append([None] + [styled_cell(worksheet, title, bold) for title in TOTALS_HEADER])
    for label, *counts in _totals_rows(sheet):
        font = bold if label == TOTAL_LABEL else None
        worksheet.append([None, styled_cell(worksheet, label, font), *counts])
    worksheet.append([])
    worksheet.append([None, styled_cell(worksheet, _quota_rule(sheet), bold)])
    worksheet.append([None] + [styled_cell(worksheet, title, bold) for title in QUOTA_HEADER[1:]])
    for _code, *line in _quota_rows(sheet):
        worksheet.append([None, *(neutralize_cell(value) for value in line)])
    worksheet.append([None, styled_cell(worksheet, _quota_summary(sheet), Font(italic=True))])
    if any(line.partial for line in sheet.quota):
        worksheet.append([None, styled_cell(worksheet, "(*) " + PARTIAL_NOTE, Font(italic=True))])


def _xlsx_quota_sheet(workbook: Workbook, sheet: RatingSheet) -> None:
    """One row per grassroots organization with its quota, filterable."""
    worksheet = workbook.create_sheet(QUOTA_SHEET)
    for i, width in enumerate((14, 50, 11, 11, 15, 16), 1):
        worksheet.column_dimensions[get_column_letter(i)].width = width
    worksheet.freeze_panes = "A3"
    worksheet.append([styled_cell(worksheet, _quota_rule(sheet), Font(bold=True))])
    worksheet.append([styled_cell(worksheet, title, Font(bold=True)) for title in QUOTA_HEADER])
    rows = _quota_rows(sheet)
    for row in rows:
        worksheet.append([neutralize_cell(value) for value in row])
    worksheet.auto_filter.ref = f"A2:{get_column_letter(len(QUOTA_HEADER))}{2 + len(rows)}"
    if any(line.partial for line in sheet.quota):
        worksheet.append([])
        worksheet.append([styled_cell(worksheet, "(*) " + PARTIAL_NOTE, Font(italic=True))])


def rating_xlsx(sheet: RatingSheet, out: BinaryIO, progress: Callable[[int], None] | None = None) -> None:
    """Write the rating sheet as an xlsx workbook: the list with its totals and quota, then the quota
    per grassroots organization; ``progress(n)`` after each ``n`` rows written."""
    workbook = Workbook(write_only=True)
    _xlsx_rows_sheet(workbook, sheet, progress)
    _xlsx_quota_sheet(workbook, sheet)
    workbook.save(out)


# ---------------------------------------------------------------- PDF


def _pdf_widths(columns: list[SheetColumn], width: float) -> tuple[list[float], float]:
    """The columns' widths (points) and the font size: numbers, dates, levels and scores at a fixed
    width; the evidence at 14 mm (down to 11); the names, branch and note sharing the rest, the note
    taking what is left beyond their sizes. With too much evidence for that, everything shrinks alike
    in a smaller type."""
    def kind(column):
        if column.title in _PDF_FIXED:
            return column.title
        if column.title in _PDF_TEXT:
            return "text"
        if column.kind == "score":
            return "score"
        return "level" if column.kind == "text" else "evidence"

    kinds = [kind(column) for column in columns]
    fixed = sum(_PDF_FIXED[k] for k in kinds if k in _PDF_FIXED) * mm
    evidence = kinds.count("evidence")
    text_sizes = {column.title: _PDF_TEXT[column.title] for column in columns if column.title in _PDF_TEXT}
    # The evidence gives way first (down to its minimum), then the text columns (down to theirs).
    naturals = sum(natural for natural, _minimum in text_sizes.values()) * mm
    minimums = sum(minimum for _natural, minimum in text_sizes.values()) * mm
    scale, size = 0.0, _PDF_SMALL_FONT_SIZE
    for evidence_width, texts, fits in ((_PDF_EVIDENCE, naturals, 1.0), (_PDF_EVIDENCE_MIN, naturals, 1.0),
                                        (_PDF_EVIDENCE_MIN, minimums, None)):
        if width - fixed - evidence * evidence_width * mm >= texts:
            scale, size = fits, _PDF_FONT_SIZE
            break
    widths = []
    for column, k in zip(columns, kinds):
        if k in _PDF_FIXED:
            widths.append(_PDF_FIXED[k] * mm)
        elif k == "evidence":
            widths.append(evidence_width * mm)
        else:
            natural, minimum = text_sizes[column.title]
            widths.append((minimum if scale is None else natural) * mm)
    if scale == 0.0:  # nothing fits at the minimum: every column shrinks alike
        return [w * width / sum(widths) for w in widths], size
    # What is left over goes to the note (the last column); short of the natural sizes, to all four.
    spare = width - sum(widths)
    if scale is None:
        natural_extra = {title: (natural - minimum) for title, (natural, minimum) in text_sizes.items()}
        total = sum(natural_extra.values()) or 1
        widths = [w + spare * natural_extra[c.title] / total if c.title in natural_extra else w
                  for w, c in zip(widths, columns)]
    else:
        widths[-1] += spare
    return widths, size


def _pdf_cell_writers(columns: list[SheetColumn], widths: list[float], size: float) -> list[Callable]:
    """How each column's values become the PDF's plain strings, written the Vietnamese way."""
    font = pdf.fonts().regular
    dates: dict = {}

    def date_text(value):
        text = dates.get(value)
        if text is None:
            text = dates[value] = local_date(value)
        return text

    def number_text(column):
        return lambda value: "" if value is None else pdf.vietnamese_number(value, column.decimals)

    def percent_text(column):
        digits = column.decimals or 1
        return lambda value: "" if value is None else pdf.vietnamese_number(value * 100, digits) + "%"

    writers = []
    for column, width in zip(columns, widths):
        if column.title == "STT":
            writers.append(str)
        elif column.kind == "date":
            writers.append(date_text)
        elif column.kind == "score":
            writers.append(lambda value: "" if value is None else pdf.vietnamese_number(value))
        elif column.kind == "percent":
            writers.append(percent_text(column))
        elif column.kind == "number":
            writers.append(number_text(column))
        else:
            writers.append(pdf.fitting(font, size, width - 2 * _PDF_PADDING))
    return writers


def _heading_style() -> ParagraphStyle:
    """A section's heading: the subject's bold, on the left."""
    return ParagraphStyle("rating_section", parent=pdf.styles().subject, alignment=TA_LEFT, spaceBefore=10,
                          spaceAfter=6)


def _aligned(grid, columns: list[int], alignment: str) -> None:
    """Align the body cells of ``columns`` (pdf.table right-aligns its plain-string columns)."""
    grid.setStyle(TableStyle([("ALIGN", (column, 1), (column, -1), alignment) for column in columns]))


def _runs(columns: list[int]) -> list[tuple[int, int]]:
    """Consecutive column numbers as (first, last) runs: one style command per run, not per column."""
    runs: list[tuple[int, int]] = []
    for column in columns:
        if runs and runs[-1][1] == column - 1:
            runs[-1] = (runs[-1][0], column)
        else:
            runs.append((column, column))
    return runs


def _rows_style(columns: list[SheetColumn], size: float) -> TableStyle:
    """The rows' tables' one style: grid, grey header, the body in plain strings of one font, numbers
    right, dates, flags and levels centred, text left; few commands, since each is applied again to
    every part of a table split across pages."""
    regular = pdf.fonts().regular
    right = [i for i, c in enumerate(columns) if c.kind in ("number", "percent", "score")]
    centred = [i for i, c in enumerate(columns) if c.kind in ("flag", "date") or c.title in STEP_TITLES]
    commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, 0), pdf.LIGHT_GREY),
                ("FONTNAME", (0, 1), (-1, -1), regular), ("FONTSIZE", (0, 1), (-1, -1), size),
                ("LEADING", (0, 1), (-1, -1), size * 1.25),
                ("LEFTPADDING", (0, 0), (-1, -1), _PDF_PADDING), ("RIGHTPADDING", (0, 0), (-1, -1), _PDF_PADDING),
                ("TOPPADDING", (0, 0), (-1, -1), _PDF_ROW_PADDING),
                ("BOTTOMPADDING", (0, 0), (-1, -1), _PDF_ROW_PADDING + 1)]
    for alignment, chosen in (("RIGHT", right), ("CENTER", centred)):
        commands += [("ALIGN", (first, 1), (last, -1), alignment) for first, last in _runs(chosen)]
    return TableStyle(commands)


def _pdf_rows(sheet: RatingSheet, width: float, progress: Callable[[int], None] | None) -> list[Flowable]:
    """The rows, as lazily built tables of PDF_CHUNK_ROWS rows with the header repeated on each page:
    plain-string cells (a Paragraph per cell would be most of the time of 108,600 rows)."""
    columns = sheet.columns
    widths, size = _pdf_widths(columns, width)
    writers = _pdf_cell_writers(columns, widths, size)
    _text_style, header_style, _number_style = pdf.cell_styles(size)
    style = _rows_style(columns, size)
    chunks = sheet.chunks(PDF_CHUNK_ROWS)
    tables = max(1, -(-sheet.rows // PDF_CHUNK_ROWS))

    def build(last: bool) -> Flowable:
        rows = next(chunks, [])
        if last:  # rows added since the sheet was counted go to the last table rather than nowhere
            for more in chunks:
                rows += more
        if not rows:
            return Spacer(1, 0)
        if progress is not None:
            progress(len(rows))
        header = [Paragraph(pdf.escaped(column.title), header_style) for column in columns]
        body = [[write(value) for write, value in zip(writers, row)] for row in rows]
        grid = Table([header, *body], colWidths=widths, repeatRows=1)
        grid.setStyle(style)
        return grid

    return [pdf.LazyTable(lambda last=(n == tables - 1): build(last)) for n in range(tables)]


def _pdf_totals(sheet: RatingSheet, width: float) -> list[Flowable]:
    """The ratings per level of each step, and their sum."""
    rows = [list(TOTALS_HEADER)] + [[label, *(pdf.vietnamese_number(count) for count in counts)]
                                    for label, *counts in _totals_rows(sheet)]
    label_width = width * 0.4
    grid = pdf.table(rows, col_widths=[label_width] + [(width - label_width) / 3] * 3, width=width,
                     figure_columns=(1, 2, 3))
    bold = pdf.fonts().bold
    grid.setStyle(TableStyle([("FONTNAME", (0, -1), (-1, -1), bold)]))
    return [Paragraph(pdf.escaped(TOTALS_TITLE), _heading_style()), grid]


def _pdf_quota(sheet: RatingSheet, width: float) -> list[Flowable]:
    """The quota of each grassroots organization, in tables of PDF_CHUNK_ROWS rows, then the count of each verdict."""
    flowables: list[Flowable] = [Paragraph(pdf.escaped(_quota_rule(sheet)), _heading_style())]
    header = ["STT", *QUOTA_HEADER]
    widths = [12 * mm, 28 * mm, 0, 22 * mm, 22 * mm, 26 * mm, 30 * mm]
    widths[2] = width - sum(widths)
    fit = pdf.fitting(pdf.fonts().regular, pdf.styles().cell.fontSize, widths[2] - 2 * _PDF_PADDING)
    rows = _quota_rows(sheet)
    for start in range(0, len(rows), PDF_CHUNK_ROWS):
        body = [[str(n), code, fit(name), *(pdf.vietnamese_number(count) for count in counts), verdict]
                for n, (code, name, *counts, verdict) in enumerate(rows[start:start + PDF_CHUNK_ROWS], start + 1)]
        grid = pdf.table([header, *body], col_widths=widths, width=width, figure_columns=range(len(header)))
        _aligned(grid, [1, 2], "LEFT")
        _aligned(grid, [6], "CENTER")
        flowables.append(grid)
    flowables.append(Spacer(1, 2 * mm))
    flowables.append(pdf.paragraph(_quota_summary(sheet)))
    if any(line.partial for line in sheet.quota):
        flowables.append(pdf.paragraph("(*) " + PARTIAL_NOTE))
    return flowables


def _signer(sheet: RatingSheet) -> tuple[str, list[str]]:
    """Who signs on behalf of whom, and who receives the sheet: a branch's secretary for the branch, the
    standing committee's for a province or district, the party committee's otherwise."""
    root = sheet.root
    if root.kind == "branch" or root.name.lower().startswith("chi bộ"):
        return "T/M CHI BỘ", ["Đảng ủy cấp trên", "Lưu chi bộ"]
    if root.kind in ("province", "committee"):
        return "T/M BAN THƯỜNG VỤ", ["Cấp ủy cấp trên", "Lưu văn phòng cấp ủy"]
    return "T/M ĐẢNG ỦY", ["Cấp ủy cấp trên", "Lưu văn phòng đảng ủy"]


def rating_pdf(sheet: RatingSheet, out: BinaryIO, place: str, progress: Callable[[int], None] | None = None) -> None:
    """Write the rating sheet as a Party document on landscape A4: heading, title, the rows, the totals
    per level, the quota, the signature; ``progress(n)`` after each ``n`` rows laid out."""
    width = pdf.LANDSCAPE_CONTENT_WIDTH
    story = pdf.party_header(sheet.root.parent_name, sheet.root.name, None, place, local_today(), width=width)
    story += pdf.document_title(TITLE, f"Năm {sheet.year} — theo Quy định {sheet.regulation}")
    story += _pdf_rows(sheet, width, progress)
    story += _pdf_totals(sheet, width)
    story += _pdf_quota(sheet, width)
    on_behalf, recipients = _signer(sheet)
    story += pdf.signature_block(on_behalf, "BÍ THƯ", None, recipients, width=width)
    out.write(pdf.build_pdf(story, title=f"{TITLE.capitalize()} năm {sheet.year} – {sheet.root.name}", landscape=True))
