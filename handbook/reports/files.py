"""A month's statistics as files: the xlsx workbook and the landscape PDF report, written atomically."""
from __future__ import annotations

import os
import pathlib
import re
import tempfile
from typing import BinaryIO, Callable, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Paragraph, Spacer, TableStyle

from handbook import pdf
from handbook.clock import local_now, local_time
from handbook.registry import Figure
from handbook.reports.report import MonthReport, OrgFigures
from handbook.spreadsheets import neutralize_cell, reused_cell, styled_cell

SUMMARY_SHEET = "Tổng hợp"
SUMMARY_HEADER = ("Chỉ tiêu", "Tháng này", "Tháng trước", "Tăng/giảm")
LEVEL_HEADER = ("STT", "Mã", "Tổ chức", "Trực thuộc")
NOTHING = "—"
# Rows per reportlab Table: one table over thousands of rows is laid out in quadratic time (STACK-NOTES).
PDF_CHUNK_ROWS = 200
# A level with more organizations than this is left to the Excel file: the province's 4,300
# branches would be some 200 printed pages nobody reads (the grassroots level, ~700, still prints).
PDF_LEVEL_ROWS = 1000
# Bars per chart drawing: a drawing taller than the page cannot be split and fails the whole layout.
PDF_CHART_BARS = 25
PDF_BAR_HEIGHT = 14
PDF_LABEL_CHARACTERS = 40
# Excel refuses these in a sheet's name, and names longer than 31 characters.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")


def write_atomically(path: pathlib.Path, write: Callable[[BinaryIO], None]) -> int:
    """Write a file through ``write`` so that readers see the old file or the whole new one; return its size."""
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # In the same folder, so the rename below stays on one file system and is atomic.
    part = tempfile.NamedTemporaryFile(dir=path.parent, delete=False, prefix=".", suffix=".part")
    try:
        with part:
            write(part)
            part.flush()
            # On disk before the rename: a crash must not leave a renamed but empty file.
            os.fsync(part.fileno())
        size = os.path.getsize(part.name)
        os.replace(part.name, path)
    except BaseException:
        pathlib.Path(part.name).unlink(missing_ok=True)
        raise
    return size


def _digits(figure: Figure) -> int:
    """Digits after the comma: none for a count, the figure's own (at least one) for a ratio."""
    if figure.ratio is None:
        return 0
    return figure.decimals or 1


def figure_text(figure: Figure, value, signed: bool = False) -> str:
    """A figure's value as a report prints it: 1.234, "78,5%", "12,3", "—" for none (with its sign if ``signed``)."""
    if value is None:
        return NOTHING
    digits = _digits(figure)
    shown = value * 100 if figure.percent else value
    text = pdf.vietnamese_number(shown, digits)
    if figure.percent:
        text += "%"
    if signed and round(shown, digits) > 0:
        text = "+" + text
    return text


def _change(figure: Figure, now, before):
    """This month's value less last month's (None when either is missing)."""
    if now is None or before is None:
        return None
    return now - before


def _previous_value(report: MonthReport, figure: Figure):
    """The root's figure last month, None before the first month computed."""
    return figure.value(report.previous.totals) if report.previous is not None else None


def chart_figure(figures: Sequence[Figure]) -> Figure | None:
    """The figure charted per organization: the one registered with ``chart``, else the first percentage."""
    return next((f for f in figures if f.chart), None) or next((f for f in figures if f.percent), None)


# ---------------------------------------------------------------- xlsx


def _number_format(figure: Figure, signed: bool = False) -> str:
    """Excel's format of a figure's cells: thousands for a count, its decimals for a ratio, % for a percentage."""
    if figure.ratio is None:
        shown = "#,##0"
    else:
        shown = "0." + "0" * _digits(figure)
        if figure.percent:
            shown += "%"
    # A change shows its sign, as "Tăng/giảm" reads.
    return f"+{shown};-{shown};{shown}" if signed else shown


def _typed(sheet, figure: Figure, signed: bool = False) -> Callable:
    """How a figure's value goes into a cell: one styled cell per column, reused row after row (the
    write-only sheet writes a row out as it is appended), None as an empty cell."""
    return reused_cell(sheet, _number_format(figure, signed))


def _sheet_titles(titles: Iterable[str], taken: set[str]) -> list[str]:
    """Names Excel accepts for the level sheets: no forbidden character, 31 characters at most, unique."""
    names = []
    for title in titles:
        base = _SHEET_NAME_FORBIDDEN.sub(" ", title).strip()[:31] or "Cấp"
        name, n = base, 2
        while name.casefold() in taken:  # Excel compares sheet names ignoring case
            suffix = f" ({n})"
            name, n = base[:31 - len(suffix)] + suffix, n + 1
        taken.add(name.casefold())
        names.append(name)
    return names


def _widths(sheet, widths: Sequence[float]) -> None:
    """Set the columns' widths (a write-only sheet takes them before its first row)."""
    for i, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(i)].width = width


def _figure_width(figure: Figure) -> float:
    """A figure column as wide as its title, within bounds (long titles wrap in Excel's filter anyway)."""
    return min(30, max(12, len(figure.label) + 2))


def _summary_sheet(workbook: Workbook, report: MonthReport) -> None:
    """The root's figures this month against last month, then its direct children's and their chart."""
    sheet = workbook.create_sheet(SUMMARY_SHEET)
    _widths(sheet, [min(60, max([45] + [len(child.name) + 2 for child in report.children]))]
            + [max(14, _figure_width(figure)) for figure in report.figures])
    bold = Font(bold=True)
    sheet.append([styled_cell(sheet, report.root.name, Font(bold=True, size=13))])
    sheet.append([styled_cell(sheet, report.title, Font(bold=True))])
    sheet.append([styled_cell(sheet, f"Số liệu tính đến {local_time(report.computed_at)}", Font(italic=True))])
    sheet.append([])
    sheet.append([styled_cell(sheet, title, bold) for title in SUMMARY_HEADER])
    row = 5
    for group, figures in report.groups():
        sheet.append([styled_cell(sheet, group, bold)])
        row += 1
        for figure in figures:
            now, before = report.root.value(figure), _previous_value(report, figure)
            # Fresh cells: each row has its own format, so no column-wise reuse here (a few dozen rows).
            sheet.append([styled_cell(sheet, figure.label)] + [
                _typed(sheet, figure, signed)(value)
                for value, signed in ((now, False), (before, False), (_change(figure, now, before), True))])
            row += 1
    if not report.children:
        return
    sheet.append([])
    header_row = row + 2
    sheet.append([styled_cell(sheet, "Tổ chức", bold)] + [styled_cell(sheet, f.label, bold) for f in report.figures])
    _org_rows(sheet, report.figures, report.children, lambda i, org: [org.name])
    last_row = header_row + len(report.children)
    charted = chart_figure(report.figures)
    if charted is not None:
        column = report.figures.index(charted) + 2
        chart = BarChart()
        chart.type = "bar"  # horizontal: the children's long names read along the bars
        chart.title = charted.label
        chart.legend = None
        chart.add_data(Reference(sheet, min_col=column, min_row=header_row, max_row=last_row), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=header_row + 1, max_row=last_row))
        chart.x_axis.scaling.orientation = "maxMin"  # the first child on top, as in the table
        chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
        chart.y_axis.number_format = "0%"
        # openpyxl 3.1 hides the axes unless told otherwise.
        chart.x_axis.delete = chart.y_axis.delete = False
        chart.width, chart.height = 24, max(7.5, 0.6 * len(report.children) + 2)
        sheet.add_chart(chart, f"A{last_row + 3}")


def _org_rows(sheet, figures: list[Figure], orgs: Iterable[OrgFigures], first: Callable) -> None:
    """One row per organization: ``first(i, org)``'s cells, then its figures, typed."""
    converters = [_typed(sheet, figure) for figure in figures]
    for i, org in enumerate(orgs, 1):
        sheet.append([neutralize_cell(value) for value in first(i, org)]
                     + [convert(figure.value(org.totals)) for convert, figure in zip(converters, figures)])


def _level_sheet(workbook: Workbook, title: str, report: MonthReport, orgs: list[OrgFigures]) -> None:
    """Every organization of a level, with its parent and figures: bold header, frozen and filtered."""
    sheet = workbook.create_sheet(title)
    _widths(sheet, [6, 12, 45, 45] + [_figure_width(figure) for figure in report.figures])
    # Frozen below the header and right of the names: the figures scroll, the names stay in sight.
    sheet.freeze_panes = "D2"
    bold = Font(bold=True)
    sheet.append([styled_cell(sheet, title, bold) for title in LEVEL_HEADER]
                 + [styled_cell(sheet, figure.label, bold) for figure in report.figures])
    _org_rows(sheet, report.figures, orgs, lambda i, org: [i, org.code, org.name, org.parent_name])
    last_column = get_column_letter(len(LEVEL_HEADER) + len(report.figures))
    sheet.auto_filter.ref = f"A1:{last_column}{len(orgs) + 1}"


def monthly_xlsx(report: MonthReport, out: BinaryIO) -> None:
    """Write a month's statistics as an xlsx workbook: the summary, then one sheet per level of the tree."""
    # Write-only: rows go to disk as they are appended, so a province's thousands of branches stay small.
    workbook = Workbook(write_only=True)
    _summary_sheet(workbook, report)
    titles = _sheet_titles([title for title, _orgs in report.levels], {SUMMARY_SHEET.casefold()})
    for sheet_title, (_title, orgs) in zip(titles, report.levels):
        _level_sheet(workbook, sheet_title, report, orgs)
    workbook.save(out)


# ---------------------------------------------------------------- PDF


def _heading_style() -> ParagraphStyle:
    """A section's heading: the subject's bold, on the left."""
    return ParagraphStyle("section", parent=pdf.styles().subject, alignment=TA_LEFT, spaceBefore=10, spaceAfter=6)


def _pdf_summary(report: MonthReport, width: float) -> list:
    """The root's figures this month against last month, by group."""
    rows: list[list] = [list(SUMMARY_HEADER)]
    group_rows = []
    for group, figures in report.groups():
        group_rows.append(len(rows))
        rows.append([Paragraph(pdf.escaped(group), pdf.styles().cell_header), "", "", ""])
        for figure in figures:
            now, before = report.root.value(figure), _previous_value(report, figure)
            rows.append([figure.label, figure_text(figure, now), figure_text(figure, before),
                         figure_text(figure, _change(figure, now, before), signed=True)])
    label_width = width * 0.5
    grid = pdf.table(rows, col_widths=[label_width] + [(width - label_width) / 3] * 3, width=width,
                     figure_columns=(1, 2, 3))
    # A group's name spans its row, on the header's grey, as a section of the table.
    grid.setStyle(TableStyle([command for r in group_rows for command in (
        ("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), pdf.LIGHT_GREY))]))
    return [grid]


def _short(name: str, length: int = PDF_LABEL_CHARACTERS) -> str:
    """A name cut to ``length`` characters with an ellipsis, for a chart's labels."""
    return name if len(name) <= length else name[:length - 1].rstrip() + "…"


def _pdf_chart(report: MonthReport, width: float) -> list:
    """The charted percentage per direct child, as horizontal bars, a drawing per 25 children."""
    figure = chart_figure(report.figures)
    if figure is None or not report.children:
        return []
    regular = pdf.fonts().regular
    flowables = [CondPageBreak(80 * mm), Paragraph(pdf.escaped(figure.label), _heading_style())]
    label_width = 70 * mm
    for start in range(0, len(report.children), PDF_CHART_BARS):
        children = report.children[start:start + PDF_CHART_BARS]
        values = [child.value(figure) for child in children]
        height = PDF_BAR_HEIGHT * len(children)
        drawing = Drawing(width, height + 24)
        chart = HorizontalBarChart()
        chart.x, chart.y = label_width, 16
        chart.width, chart.height = width - label_width - 40, height
        # Reversed: the category axis runs upwards, and the first child belongs on top.
        chart.data = [[None if value is None else value * 100 for value in reversed(values)]]
        chart.categoryAxis.categoryNames = [_short(child.name) for child in reversed(children)]
        chart.categoryAxis.labels.fontName = regular
        chart.categoryAxis.labels.fontSize = 8
        chart.categoryAxis.labels.boxAnchor = "e"
        chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 10
        chart.valueAxis.labels.fontName = regular
        chart.valueAxis.labels.fontSize = 8
        chart.valueAxis.labelTextFormat = "%d%%"
        chart.bars[0].fillColor = colors.HexColor("#c0392b")
        chart.barLabels.fontName = regular
        chart.barLabels.fontSize = 7
        chart.barLabels.boxAnchor = "w"
        chart.barLabels.dx = 3
        chart.barLabelFormat = lambda value: figure_text(figure, value / 100)
        drawing.add(chart)
        flowables.append(drawing)
    return flowables


def _pdf_level(title: str, report: MonthReport, orgs: list[OrgFigures], width: float) -> list:
    """A level's organizations and their figures, as tables of 200 rows."""
    figures = report.figures
    number_width = 12 * mm
    # The names give way (down to 45 mm, where they wrap) before the figures get narrower than 18 mm.
    name_width = min(70 * mm, max(45 * mm, width - number_width - 18 * mm * len(figures)))
    figure_width = (width - number_width - name_width) / max(len(figures), 1)
    # Many figures make narrow columns: a smaller type keeps their titles and numbers inside.
    font_size = 10 if figure_width >= 22 * mm else 8 if figure_width >= 14 * mm else 6.5
    col_widths = [number_width, name_width] + [figure_width] * len(figures)
    header = ["STT", "Tổ chức"] + [figure.label for figure in figures]
    flowables: list = [Paragraph(pdf.escaped(title), _heading_style())]
    if not orgs:
        return flowables + [pdf.paragraph("Không có tổ chức nào.")]
    if len(orgs) > PDF_LEVEL_ROWS:
        return flowables + [pdf.paragraph(
            f"{pdf.vietnamese_number(len(orgs))} tổ chức: số liệu của từng tổ chức ở trang «{title}» của tệp Excel kèm theo.")]
    for start in range(0, len(orgs), PDF_CHUNK_ROWS):
        rows = [header] + [[i, org.name] + [figure_text(figure, figure.value(org.totals)) for figure in figures]
                           for i, org in enumerate(orgs[start:start + PDF_CHUNK_ROWS], start + 1)]
        grid = pdf.table(rows, col_widths=col_widths, width=width, font_size=font_size,
                         figure_columns=[0, *range(2, len(header))])
        if figure_width < 14 * mm:
            # "100,0%" on one line in a column of 10 mm: the figures give up most of their padding.
            grid.setStyle(TableStyle([("LEFTPADDING", (2, 0), (-1, -1), 2), ("RIGHTPADDING", (2, 0), (-1, -1), 2)]))
        flowables.append(grid)
    return flowables


def monthly_pdf(report: MonthReport, out: BinaryIO, place: str) -> None:
    """Write a month's statistics as a Party report on landscape A4: figures, chart, one section per level."""
    width = pdf.LANDSCAPE_CONTENT_WIDTH
    day = local_now(report.computed_at).date()
    story = pdf.party_header(report.superior_name, report.root.name, None, place, day, width=width)
    story += pdf.document_title("BÁO CÁO", report.title)
    story += _pdf_summary(report, width)
    story.append(Spacer(1, 6 * mm))
    story += _pdf_chart(report, width)
    for title, orgs in report.levels:
        story += _pdf_level(title, report, orgs, width)
    out.write(pdf.build_pdf(story, title=f"Báo cáo {report.title.lower()} – {report.root.name}", landscape=True))
