"""Every file the handbook writes for spreadsheets: safe cells, ASCII names, streamed CSV and xlsx.

Cells come as Python values: text, numbers, booleans, dates, and datetimes stored in UTC. The CSV
writes them as Vietnamese read them (18/09/1972, times in Vietnam's time); the xlsx as typed cells
Excel sorts and filters (real dates shown dd/mm/yyyy, numbers as numbers).
The admin exports use them today; every report will.
"""
from __future__ import annotations

import csv
import io
import itertools
import re
import tempfile
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from flask import Response, send_file, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from unidecode import unidecode
from werkzeug.utils import secure_filename

from handbook.clock import LOCAL_OFFSET, local_date, local_now, local_time

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel on Windows reads a CSV without it as the local code page and garbles every accent.
BYTE_ORDER_MARK = "\ufeff"
YES, NO = "Có", "Không"
KINDS = ("text", "number", "date", "datetime")
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
# Column widths, in characters: what a date or a time needs; text as wide as its sample, within bounds.
_WIDTHS = {"date": 12, "datetime": 17}
_MIN_WIDTH, _MAX_WIDTH = 8, 50
# Rows of the first chunk read to size the text columns (the rest streams without being looked at).
_WIDTH_SAMPLE = 200


@dataclass(frozen=True)
class Column:
    """One column of a spreadsheet: its title and the kind of its cells (one of ``KINDS``)."""

    title: str
    kind: str = "text"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind of cell: {self.kind}")


def neutralize_cell(value):
    """Make a cell safe in any spreadsheet: control characters that openpyxl refuses (and a stored
    ``\x01`` would turn into a 500) are dropped, and a formula reads as plain text (OWASP CSV injection)."""
    if not isinstance(value, str):
        return value
    # Dropped first: "\x01=cmd" would otherwise start with "=" only once written.
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value


# What makes a text need ``neutralize_cell``, looked for at once in a column's texts joined by line
# breaks: most columns have none (a line break inside a text only costs the column a cell-by-cell pass).
_ILLEGAL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # ILLEGAL_CHARACTERS_RE, as one class
_LINE_STARTS = tuple("\n" + start for start in _FORMULA_START)


def _needs_care(joined: str) -> bool:
    """Does a text of ``joined`` (texts joined by line breaks) start like a formula or hold a character openpyxl refuses?"""
    return (joined.startswith(_FORMULA_START) or any(start in joined for start in _LINE_STARTS)
            or _ILLEGAL_CHARACTER.search(joined) is not None)


def text_cell(value):
    """A text cell's content: neutralized text, "Có"/"Không" for a boolean, None for nothing."""
    if value is None:
        return None
    if isinstance(value, bool):
        return YES if value else NO
    return neutralize_cell(value if isinstance(value, str) else str(value))


def _text_column(values: Sequence) -> Sequence:
    """A chunk's column of text cells, neutralized: as it is when a single search finds nothing to do."""
    try:
        joined = "\n".join([value for value in values if value is not None])
    except TypeError:  # booleans or numbers among them (False and 0 too)
        return list(map(text_cell, values))
    return list(map(text_cell, values)) if _needs_care(joined) else values


def converted_rows(rows: Sequence[Sequence], converters: Sequence[Callable | None]) -> Iterable[Sequence]:
    """A chunk's rows with each column converted (None: kept as is), column by column."""
    columns = []
    for convert, values in zip(converters, zip(*rows)):
        if convert is text_cell:
            columns.append(_text_column(values))
        else:
            columns.append(values if convert is None else map(convert, values))
    return zip(*columns)


def ascii_filename(title: str, extension: str) -> str:
    """An ASCII file name, safe in headers, from a Vietnamese title and the time in Vietnam
    ("Đảng viên" → "Dang_vien_2026-11-30_16-05-09.csv")."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", unidecode(title)).strip("_") or "export"
    return f"{slug}_{local_now().strftime('%Y-%m-%d_%H-%M-%S')}.{extension}"


def _csv_converter(kind: str) -> Callable:
    """How a CSV writes a cell of ``kind``: as Vietnamese read it (each distinct date formatted once)."""
    if kind == "date":
        return _remembered(local_date)
    return {"text": text_cell, "number": None, "datetime": local_time}[kind]


def _remembered(convert: Callable) -> Callable:
    """``convert`` remembering its answers (a province's birth dates are a few thousand distinct days)."""
    seen: dict = {}

    def converted(value):
        text = seen.get(value)
        if text is None:
            text = seen[value] = convert(value)
        return text

    return converted


def csv_response(filename: str, columns: Sequence[Column], chunks: Iterable[Sequence[Sequence]],
                 on_close: Callable | None = None) -> Response:
    """A CSV download (UTF-8 with its byte-order mark) streamed one chunk of rows at a time as
    ``chunks`` yields them, nothing more held in memory; ``on_close`` runs when the stream ends,
    also when the client stopped reading half way."""
    converters = [_csv_converter(column.kind) for column in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def taken() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    def generate():
        try:
            writer.writerow([text_cell(column.title) for column in columns])
            yield BYTE_ORDER_MARK + taken()
            for chunk in chunks:
                writer.writerows(converted_rows(chunk, converters))
                yield taken()
        finally:
            if on_close is not None:
                on_close()

    return Response(stream_with_context(generate()), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment;filename={secure_filename(filename)}"})


def _xlsx_converter(sheet, kind: str) -> Callable:
    """How the xlsx writes a cell of ``kind``: text as text, numbers as numbers, dates and times
    (in Vietnam's time) as dates in one styled cell per column, reused row after row: the write-only
    sheet writes a row out as it is appended."""
    if kind == "text":
        return text_cell
    if kind == "number":
        return None
    return reused_cell(sheet, DATE_FORMAT if kind == "date" else DATETIME_FORMAT,
                       LOCAL_OFFSET if kind == "datetime" else None)


def styled_cell(sheet, value, font: Font | None = None) -> WriteOnlyCell:
    """A text cell of a write-only ``sheet``, neutralized, in ``font``."""
    cell = WriteOnlyCell(sheet, value=neutralize_cell(value))
    if font is not None:
        cell.font = font
    return cell


def reused_cell(sheet, number_format: str, shift=None) -> Callable:
    """A column's values as one styled cell of a write-only ``sheet`` reused row after row (the sheet
    writes a row out as it is appended): ``value`` (plus ``shift``) in ``number_format``; None stays empty."""
    cell = WriteOnlyCell(sheet)
    cell.number_format = number_format

    def typed(value):
        if value is None:
            return None
        cell.value = value + shift if shift is not None else value
        return cell

    return typed


def _widths(columns: Sequence[Column], sample: Sequence[Sequence]) -> list[int]:
    """Column widths in characters: fixed for dates and times, else fitting the title and the sample."""
    widths = []
    for i, column in enumerate(columns):
        if column.kind in _WIDTHS:
            widths.append(max(_WIDTHS[column.kind], len(column.title) + 2))
            continue
        longest = max((len(str(text_cell(row[i]))) for row in sample if row[i] is not None), default=0)
        widths.append(min(_MAX_WIDTH, max(_MIN_WIDTH, len(column.title) + 2, longest + 1)))
    return widths


def xlsx_response(filename: str, sheet_title: str, columns: Sequence[Column], chunks: Iterable[Sequence[Sequence]],
                  title_lines: Sequence[str] = ()) -> Response:
    """An xlsx download: ``title_lines`` on top (the first in bold), then a bold header row, frozen
    and filtered, and the rows with typed cells, streamed by openpyxl's write-only workbook into a
    temporary file that spills to disk past 8 MB, then sent."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])  # Excel's limit on a sheet's name
    chunks = iter(chunks)
    first = next(chunks, [])
    # The write-only sheet writes its columns' widths and the frozen pane before the first row.
    for i, width in enumerate(_widths(columns, first[:_WIDTH_SAMPLE]), 1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    header_row = len(title_lines) + 1
    sheet.freeze_panes = f"A{header_row + 1}"

    def styled(value, font):
        cell = WriteOnlyCell(sheet, value=text_cell(value))
        cell.font = font
        return cell

    for n, line in enumerate(title_lines):
        sheet.append([styled(line, Font(bold=True, size=13) if n == 0 else Font(italic=True))])
    bold = Font(bold=True)
    sheet.append([styled(column.title, bold) for column in columns])
    converters = [_xlsx_converter(sheet, column.kind) for column in columns]
    rows = 0
    for chunk in itertools.chain([first], chunks):
        for row in converted_rows(chunk, converters):
            sheet.append(row)
        rows += len(chunk)
    last_column = get_column_letter(max(len(columns), 1))
    sheet.auto_filter.ref = f"A{header_row}:{last_column}{header_row + rows}"
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(out)
    out.seek(0)
    return send_file(out, as_attachment=True, download_name=secure_filename(filename), mimetype=XLSX_MIMETYPE)
