"""The one PDF toolkit of the handbook: Vietnamese fonts and the layout of a Party document
(Hướng dẫn 36-HD/VPTW on thể thức văn bản của Đảng), on reportlab's platypus, A4 upright or, for wide
tables, sideways."""
from __future__ import annotations

import io
import os
import textwrap
import zlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Callable
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape as landscape_of
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (BaseDocTemplate, Flowable, Frame, KeepTogether, PageTemplate, Paragraph, Spacer,
                                Table, TableStyle)

from handbook.text import without_control_characters

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

# Margins of a Party document (36-HD/VPTW): top and bottom 20 mm, left 30 mm, right 15 mm.
TOP_MARGIN, BOTTOM_MARGIN, LEFT_MARGIN, RIGHT_MARGIN = 20 * mm, 20 * mm, 30 * mm, 15 * mm
CONTENT_WIDTH = A4[0] - LEFT_MARGIN - RIGHT_MARGIN
# Wide tables (a report's figures per organization) lie on A4 turned sideways, with the same margins.
LANDSCAPE_A4 = landscape_of(A4)
LANDSCAPE_CONTENT_WIDTH = LANDSCAPE_A4[0] - LEFT_MARGIN - RIGHT_MARGIN
LIGHT_GREY = colors.HexColor("#e6e6e6")
PAGE_NUMBER_SIZE = 12


@dataclass(frozen=True)
class Fonts:
    """The registered font names of the four faces; a missing face is its upright twin."""

    regular: str
    bold: str
    italic: str
    bold_italic: str


def _font_files() -> list[dict[str, str]]:
    """Candidate font files by face, best first: Be Vietnam Pro (from PyPI), then DejaVu Sans."""
    candidates = []
    try:
        import fontpkg_be_vietnam_pro as pkg

        root = os.path.join(os.path.dirname(pkg.__file__), "files")
        candidates.append({face: os.path.join(root, f"BeVietnamPro-{suffix}.ttf") for face, suffix in (
            ("regular", "Regular"), ("bold", "Bold"), ("italic", "Italic"), ("bold_italic", "BoldItalic"))})
    except ImportError:
        pass
    candidates.append({"regular": DEJAVU, "bold": DEJAVU.replace(".ttf", "-Bold.ttf"),
                       "italic": DEJAVU.replace(".ttf", "-Oblique.ttf"),
                       "bold_italic": DEJAVU.replace(".ttf", "-BoldOblique.ttf")})
    return candidates


@lru_cache(maxsize=1)
def fonts() -> Fonts:
    """Register the faces of a font that draws every Vietnamese letter and return their names."""
    names = {"regular": "HandbookVN", "bold": "HandbookVN-Bold",
             "italic": "HandbookVN-Italic", "bold_italic": "HandbookVN-BoldItalic"}
    for files in _font_files():
        if not (os.path.exists(files["regular"]) and os.path.exists(files["bold"])):
            continue
        for face in ("regular", "bold", "italic", "bold_italic"):
            if os.path.exists(files[face]):
                pdfmetrics.registerFont(TTFont(names[face], files[face]))
            else:
                # An upright face stands in rather than a font without Vietnamese letters.
                names[face] = names["bold" if face == "bold_italic" else "regular"]
        # The family lets <b> and <i> in a Paragraph pick these faces instead of Helvetica's.
        pdfmetrics.registerFontFamily(names["regular"], normal=names["regular"], bold=names["bold"],
                                      italic=names["italic"], boldItalic=names["bold_italic"])
        return Fonts(**names)
    raise RuntimeError("No font that draws Vietnamese: install fontpkg-be-vietnam-pro or fonts-dejavu-core")


def vietnamese_fonts() -> tuple[str, str]:
    """The regular and bold font names, as handbook.privacy.export has always returned them."""
    faces = fonts()
    return faces.regular, faces.bold


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of a Party document."""

    body: ParagraphStyle
    header: ParagraphStyle
    header_bold: ParagraphStyle
    party: ParagraphStyle
    place_date: ParagraphStyle
    kind: ParagraphStyle
    subject: ParagraphStyle
    recipients_label: ParagraphStyle
    recipient: ParagraphStyle
    signer: ParagraphStyle
    signer_name: ParagraphStyle
    cell: ParagraphStyle
    cell_header: ParagraphStyle
    cell_number: ParagraphStyle


@lru_cache(maxsize=1)
def styles() -> Styles:
    """Build the paragraph styles on the Vietnamese fonts (extend one with ParagraphStyle(parent=…))."""
    f = fonts()

    def style(name, font=f.regular, size=13, align=TA_LEFT, **extra):
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.3, alignment=align, **extra)

    # Sizes sit one or two points below 36-HD's, which are for Times New Roman: Be Vietnam Pro draws
    # larger at the same size, and the heading's lines must fit their half of the page.
    return Styles(
        body=style("body", align=TA_JUSTIFY, firstLineIndent=10 * mm, spaceAfter=6),
        header=style("header", size=12, align=TA_CENTER),
        header_bold=style("header_bold", f.bold, 12, TA_CENTER),
        party=style("party", f.bold, 13, TA_CENTER),
        place_date=style("place_date", f.italic, 12, TA_CENTER, spaceBefore=4),
        kind=style("kind", f.bold, 14, TA_CENTER, spaceBefore=12),
        subject=style("subject", f.bold, 13, TA_CENTER, spaceAfter=12),
        recipients_label=style("recipients_label", f.bold_italic, 12),
        recipient=style("recipient", size=11),
        signer=style("signer", f.bold, 13, TA_CENTER),
        signer_name=style("signer_name", f.bold, 13, TA_CENTER),
        cell=style("cell", size=10),
        cell_header=style("cell_header", f.bold, 10, TA_CENTER),
        cell_number=style("cell_number", size=10, align=TA_RIGHT),
    )


def escaped(value) -> str:
    """Any value as Paragraph-safe text: "<b>" and "&" print as typed, control characters are dropped."""
    # Stored text may predate the input checks, and reportlab's markup parser fails on a stray "<".
    return escape(without_control_characters("" if value is None else str(value)))


def paragraph(value, style: ParagraphStyle | None = None) -> Paragraph:
    """Plain text as an escaped Paragraph, body style unless told: the safe way to put data on the page."""
    return Paragraph(escaped(value), style or styles().body)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def vietnamese_number(value, digits: int | None = None) -> str:
    """A number written the Vietnamese way: "." between thousands, "," before decimals (108.600; 12,5);
    with ``digits``, exactly that many decimals (78,0)."""
    if digits is not None:
        written = f"{value:,.{digits}f}"
    elif isinstance(value, int):
        written = f"{value:,}"
    else:
        written = f"{value:,.2f}".rstrip("0").rstrip(".")
    return written.translate(str.maketrans(",.", ".,"))


def vietnamese_date(place: str, day: date) -> str:
    """Place and date as a Party document writes them: "Thái Bình, ngày 05 tháng 01 năm 2026"."""
    # A zero before days 1-9 and months 1-2 (36-HD/VPTW, as Nghị định 30): nobody can turn
    # "ngày 5" into "ngày 15" or "tháng 1" into "tháng 11" with a pen; tháng 3-9 cannot grow so.
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def party_header(superior: str | None, issuer: str, number: str | None, place: str, day: date,
                 width: float = CONTENT_WIDTH) -> list[Flowable]:
    """The heading of a Party document: issuer and number on the left, the Party's name and the date on the right."""
    s = styles()
    left = [Paragraph(escaped(superior.upper()), s.header)] if superior else []
    left += [Paragraph(escaped(issuer.upper()), s.header_bold), Paragraph("*", s.header)]
    if number:
        # "Số 12-BC/CB", without a colon: the form of 36-HD/VPTW (state documents write "Số:").
        left.append(Paragraph(f"Số {escaped(number)}", s.header))
    # 36-HD asks for a rule under the Party's name as long as the name: an underline is exactly that.
    right = [Paragraph("<u>ĐẢNG CỘNG SẢN VIỆT NAM</u>", s.party), Paragraph(escaped(vietnamese_date(place, day)), s.place_date)]
    heading = Table([[left, right]], colWidths=[width * 0.45, width * 0.55])
    heading.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                 ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return [heading]


def document_title(kind: str, subject: str | None = None) -> list[Flowable]:
    """The kind of document ("BÁO CÁO") and, below it, what it is about."""
    s = styles()
    flowables = [Paragraph(escaped(kind.upper()), s.kind)]
    if subject:
        flowables.append(Paragraph(escaped(subject), s.subject))
    else:
        flowables.append(Spacer(1, s.subject.spaceAfter))
    return flowables


def signature_block(on_behalf: str | None, position: str, name: str | None,
                    recipients: list[str] | None = None, width: float = CONTENT_WIDTH) -> list[Flowable]:
    """Recipients on the left and the signer on the right, kept together on one page."""
    s = styles()
    lines = [r.strip().removeprefix("-").strip() for r in recipients or []]
    if not lines or not lines[-1].startswith("Lưu"):
        lines.append("Lưu.")
    # Every recipient but the last ends with a comma, as the lists of Party documents do.
    lines = [line if i == len(lines) - 1 or line.endswith((",", ";")) else line + ","
             for i, line in enumerate(lines)]
    left = [Paragraph("Nơi nhận:", s.recipients_label)] + [Paragraph(escaped("- " + line), s.recipient) for line in lines]
    right = [Paragraph(escaped(on_behalf.upper()), s.signer)] if on_behalf else []
    right.append(Paragraph(escaped(position.upper()), s.signer))
    # Room for the handwritten signature and the seal.
    right.append(Spacer(1, 24 * mm))
    if name:
        right.append(Paragraph(escaped(name), s.signer_name))
    block = Table([[left, right]], colWidths=[width * 0.45, width * 0.55])
    block.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return [KeepTogether([Spacer(1, 8 * mm), block])]


@lru_cache(maxsize=8)
def fitting(font: str, size: float, width: float) -> Callable[[str | None], str]:
    """Text as it fits ``width`` points (a column less its padding): as is, or broken between words onto
    several lines, inside a word too long for a line (an email address) — a plain string cell of a
    ``Table`` never wraps by itself, and a Paragraph per cell is most of a long table's time; each
    distinct text is measured once."""
    seen: dict[str, str] = {}

    def fit(text):
        if not text:
            return ""
        fitted = seen.get(text)
        if fitted is not None:
            return fitted
        if pdfmetrics.stringWidth(text, font, size) <= width:
            fitted = text
        else:
            # A first guess in characters from the text's own average width, narrowed until every line fits.
            characters = max(4, int(len(text) * width / pdfmetrics.stringWidth(text, font, size)))
            while True:
                lines = textwrap.wrap(text, characters, break_long_words=True) or [""]
                if characters <= 4 or all(pdfmetrics.stringWidth(line, font, size) <= width for line in lines):
                    break
                characters -= 1
            fitted = "\n".join(lines)
        if len(seen) < 20000:
            seen[text] = fitted
        return fitted

    return fit


def cell_styles(size: float) -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    """The text, header and number styles of a table's cells at ``size`` points."""
    s = styles()
    if size == s.cell.fontSize:
        return s.cell, s.cell_header, s.cell_number
    return tuple(ParagraphStyle(f"{parent.name}_{size}", parent=parent, fontSize=size, leading=size * 1.3)
                 for parent in (s.cell, s.cell_header, s.cell_number))


def table(rows, col_widths=None, header_rows: int = 1, repeat_header: bool = True,
          width: float = CONTENT_WIDTH, font_size: float | None = None, figure_columns=()) -> Table:
    """A gridded table of report figures: header rows bold on grey, numbers right-aligned and written
    108.600; the ``figure_columns`` (figures already written as text, "78,5%") right-aligned on one line."""
    text_style, header_style, number_style = cell_styles(font_size or styles().cell.fontSize)
    figure_columns = frozenset(figure_columns)

    def cell(value, header, column):
        if isinstance(value, Flowable):
            return value
        if header:
            return Paragraph(escaped(value), header_style)
        if column in figure_columns:
            # A plain string, not a Paragraph: a figure never wraps, and a Paragraph per cell is most
            # of the time of a report over thousands of organizations.
            return vietnamese_number(value) if _is_number(value) else without_control_characters(str(value))
        if _is_number(value):
            return Paragraph(vietnamese_number(value), number_style)
        return Paragraph(escaped(value), text_style)

    data = [[cell(value, i < header_rows, j) for j, value in enumerate(row)] for i, row in enumerate(rows)]
    if col_widths is None and data:
        col_widths = [width / len(data[0])] * len(data[0])
    grid = Table(data, colWidths=col_widths, repeatRows=header_rows if repeat_header else 0)
    commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    if header_rows:
        commands.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), LIGHT_GREY))
    for column in figure_columns:
        body = ((column, header_rows), (column, -1))
        commands += [("FONTNAME", *body, number_style.fontName), ("FONTSIZE", *body, number_style.fontSize),
                     ("LEADING", *body, number_style.leading), ("ALIGN", *body, "RIGHT")]
    grid.setStyle(TableStyle(commands))
    return grid


def compress_finished_pages(canvas) -> None:
    """Compress the content of the pages finished so far, once each.

    reportlab keeps every page's content as text until the document is saved and compresses it only
    then: some 200 MB for a province's 3,000 pages. Compressed as soon as the page is done, the PDF
    of 108,600 rows stays in bounded memory. Reaches into reportlab's document (checked with 5.1):
    where it is not as expected, the pages are left to be compressed at the end as usual.
    """
    try:
        pages = canvas._doc.Pages.pages
    except AttributeError:
        return
    done = getattr(canvas, "_handbook_compressed", 0)
    for page in pages[done:]:
        stream = getattr(page, "stream", None)
        if isinstance(stream, str) and not getattr(page, "Contents", None) and getattr(page, "compression", False):
            contents = pdfdoc.PDFStream(dictionary=pdfdoc.PDFDictionary({"Filter": pdfdoc.PDFName("FlateDecode")}),
                                        content=zlib.compress(stream.encode("latin-1")))
            contents.__Comment__ = "page stream"
            page.Contents, page.stream = contents, None
    canvas._handbook_compressed = len(pages)


class LazyTable(Flowable):
    """A table built from the next chunk of rows only when the layout reaches it: the story of a
    province's 543 tables then holds one table's cells at a time, not 108,600 rows'; each build
    first compresses the pages laid out since the last."""

    def __init__(self, build: Callable[[], Flowable]):
        super().__init__()
        self._build: Callable[[], Flowable] | None = build
        self._table: Flowable | None = None

    def _built(self) -> Flowable:
        canvas = getattr(self, "canv", None)
        if canvas is not None:  # every 200 rows, the pages laid out since are compressed
            compress_finished_pages(canvas)
        if self._table is None:
            # Built once: laid out, the table is let go, and the rows are not read again.
            self._table = self._build() if self._build is not None else Spacer(1, 0)
            self._build = None
        self._table.canv = getattr(self, "canv", None)
        return self._table

    def wrap(self, available_width, available_height):
        return self._built().wrap(available_width, available_height)

    def split(self, available_width, available_height):
        parts = self._built().split(available_width, available_height)
        if parts:  # the parts go on in the layout; the story still holds this placeholder, not them
            self._table = None
        return parts

    def drawOn(self, canvas, x, y, _sW=0):
        self._built().drawOn(canvas, x, y, _sW)
        self._table = None


def _page_number(canvas, doc) -> None:
    # 36-HD numbers pages from the second on, centred in the top margin.
    page_width, page_height = doc.pagesize
    canvas.saveState()
    canvas.setFont(fonts().regular, PAGE_NUMBER_SIZE)
    canvas.drawCentredString(page_width / 2, page_height - 12 * mm, str(doc.page))
    canvas.restoreState()


def build_pdf(flowables, title: str, author: str = "Sổ tay đảng viên", landscape: bool = False) -> bytes:
    """Lay the flowables out on A4 (turned sideways if ``landscape``, content ``LANDSCAPE_CONTENT_WIDTH``
    wide) with a Party document's margins and page numbers; return the PDF."""
    buffer = io.BytesIO()
    page_width, page_height = LANDSCAPE_A4 if landscape else A4
    doc = BaseDocTemplate(buffer, pagesize=(page_width, page_height), title=title, author=author, creator=author,
                          topMargin=TOP_MARGIN, bottomMargin=BOTTOM_MARGIN,
                          leftMargin=LEFT_MARGIN, rightMargin=RIGHT_MARGIN)
    # Without a frame's default 6 pt padding, the margins are the Party's and CONTENT_WIDTH fits exactly.
    frame = Frame(LEFT_MARGIN, BOTTOM_MARGIN, page_width - LEFT_MARGIN - RIGHT_MARGIN,
                  page_height - TOP_MARGIN - BOTTOM_MARGIN,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate("first", [frame], autoNextPageTemplate="later"),
                          PageTemplate("later", [frame], onPage=_page_number)])
    doc.build(list(flowables))
    return buffer.getvalue()
