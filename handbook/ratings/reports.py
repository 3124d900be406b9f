"""The rating sheet written to disk as a report: its Excel and PDF under the reports folder, recorded as
a GeneratedReport of kind "rating" beside the monthly statistics."""
from __future__ import annotations

from typing import Callable

from flask import current_app
from handbook.ratings.files import rating_pdf, rating_xlsx
from handbook.ratings.sheet import RatingSheet, rating_sheet
from handbook.reports.files import write_atomically
from handbook.reports.models import REPORT_KINDS, GeneratedReport
from handbook.reports.operations import record_report, reports_folder

KIND = "rating"


def register_report_kind() -> None:
    """Name the rating's report files in the reports' list ("Xếp loại đảng viên")."""
    REPORT_KINDS.setdefault(KIND, "Xếp loại đảng viên")


def rating_stem(year: int, code: str) -> str:
    """Where a sheet's files go under the reports folder, without extension: rating/2025/TB-2025."""
    return f"{KIND}/{year}/{code}-{year}"


def write_rating_report(session, year: int, org_id: int, created_by_id: int | None = None,
                        progress: Callable[[int], None] | None = None, *,
                        sheet: RatingSheet | None = None) -> GeneratedReport | None:
    """Write the Excel and PDF of ``org_id``'s rating sheet for ``year``, each file replacing the previous
    one only once it is complete, and record them; None if there is no such sheet. ``progress(n)``
    after each ``n`` rows written (each row counts twice: once per file); ``sheet`` if already read.
    The caller commits."""
    sheet = sheet or rating_sheet(session, org_id, year)
    if sheet is None:
        return None
    stem = rating_stem(year, sheet.root.code)
    folder = reports_folder()
    xlsx_size = write_atomically(folder / f"{stem}.xlsx", lambda out: rating_xlsx(sheet, out, progress))
    place = current_app.config["REPORT_PLACE"]
    pdf_size = write_atomically(folder / f"{stem}.pdf", lambda out: rating_pdf(sheet, out, place, progress))
    return record_report(session, KIND, org_id, str(year), stem, xlsx_size, pdf_size, created_by_id)
