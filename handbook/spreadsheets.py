"""Every file the handbook writes for spreadsheets: safe cells, ASCII names, streamed CSV and xlsx.

The admin exports use them today; every report will.
"""
from __future__ import annotations

import csv
import re
import tempfile
from typing import Callable, Iterable

from flask import Response, send_file, stream_with_context
from werkzeug.utils import secure_filename

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from unidecode import unidecode

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def ascii_filename(title: str, stamp: str, extension: str) -> str:
    """An ASCII file name from a Vietnamese title ("Đảng viên" → "Dang_vien"), safe in headers."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", unidecode(title)).strip("_") or "export"
    return f"{slug}_{stamp}.{extension}"


class _Echo:
    """A file whose write returns the text, so csv.writer produces lines to stream."""

    def write(self, value):
        return value


def csv_response(filename: str, header: list, rows: Iterable[list], on_close: Callable | None = None) -> Response:
    """A CSV download written row by row as ``rows`` yields them (nothing held in memory);
    ``on_close`` runs when the stream ends, also when the client stopped reading half way."""
    writer = csv.writer(_Echo())

    def generate():
        try:
            yield writer.writerow(header)
            for row in rows:
                yield writer.writerow(row)
        finally:
            if on_close is not None:
                on_close()

    return Response(stream_with_context(generate()), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment;filename={secure_filename(filename)}"})


def xlsx_response(filename: str, sheet_title: str, header: list, rows: Iterable[list]) -> Response:
    """An xlsx download built with openpyxl's write-only workbook (rows streamed to a temporary
    file that spills to disk past 8 MB), then sent."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])  # Excel's limit on a sheet's name
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(out)
    out.seek(0)
    return send_file(out, as_attachment=True, download_name=secure_filename(filename), mimetype=XLSX_MIMETYPE)
