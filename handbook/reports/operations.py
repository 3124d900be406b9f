"""Computing a month and writing its report files: what the job, the command and the screens share."""
from __future__ import annotations

import os
import pathlib
import shutil
from datetime import date, datetime
from typing import Callable

from flask import current_app
from sqlalchemy import select

from handbook.clock import utcnow
from handbook.organizations.models import Organization
from handbook.reports.files import monthly_pdf, monthly_xlsx, write_atomically
from handbook.reports.models import GeneratedReport, MonthlyStatistics
from handbook.reports.statistics import compute_month, month_report


def reports_folder() -> pathlib.Path:
    """Where report files live: REPORTS_FOLDER, else instance/reports (never under static/)."""
    folder = current_app.config.get("REPORTS_FOLDER") or os.path.join(current_app.instance_path, "reports")
    return pathlib.Path(folder)


def report_path(report: GeneratedReport, fmt: str) -> pathlib.Path:
    """The file of ``report`` in ``fmt`` ("xlsx" or "pdf") on disk."""
    return reports_folder() / (report.xlsx_path if fmt == "xlsx" else report.pdf_path)


def delivered_paths(report: GeneratedReport, out_dir: pathlib.Path | None) -> list[pathlib.Path]:
    """The report's Excel and PDF, copied into ``out_dir`` first when one is given (a command's ``--out``)."""
    paths = []
    for fmt in ("xlsx", "pdf"):
        path = report_path(report, fmt)
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, out_dir / path.name)
            path = out_dir / path.name
        paths.append(path)
    return paths


def ensure_month(session, month: date, now: datetime | None = None) -> MonthlyStatistics | None:
    """Make sure ``month`` is stored (compute and commit it if not); any root's row, None if the tree is empty."""
    row = session.execute(select(MonthlyStatistics).where(MonthlyStatistics.month == month).limit(1)).scalar_one_or_none()
    if row is None:
        compute_month(session, month, now)
        session.commit()
        row = session.execute(select(MonthlyStatistics).where(MonthlyStatistics.month == month).limit(1)).scalar_one_or_none()
    return row


def write_monthly_report(session, month: date, org_id: int, created_by_id: int | None = None) -> GeneratedReport | None:
    """Write the Excel and PDF of ``month`` for ``org_id``'s subtree from the stored figures, each file
    replacing the previous one only once it is complete; record them. None if the month or the
    organization is not stored. The caller commits."""
    report = month_report(session, month, org_id)
    if report is None:
        return None
    stem = f"monthly/{month:%Y-%m}/{report.root.code}-{month:%Y-%m}"
    folder = reports_folder()
    xlsx_size = write_atomically(folder / f"{stem}.xlsx", lambda out: monthly_xlsx(report, out))
    place = current_app.config["REPORT_PLACE"]
    pdf_size = write_atomically(folder / f"{stem}.pdf", lambda out: monthly_pdf(report, out, place))
    return record_report(session, "monthly", org_id, f"{month:%Y-%m}", stem, xlsx_size, pdf_size, created_by_id)


def record_report(session, kind: str, org_id: int, period: str, stem: str, xlsx_size: int, pdf_size: int,
                  created_by_id: int | None) -> GeneratedReport:
    """List the files ``stem``.xlsx and .pdf (relative to REPORTS_FOLDER) as the report of ``kind`` for
    one organization and period, replacing what was listed for them; the caller commits."""
    row = session.execute(select(GeneratedReport).where(
        GeneratedReport.kind == kind, GeneratedReport.organization_id == org_id,
        GeneratedReport.period == period)).scalar_one_or_none()
    if row is None:
        row = GeneratedReport(kind=kind, organization_id=org_id, period=period)
        session.add(row)
    row.xlsx_path, row.pdf_path = f"{stem}.xlsx", f"{stem}.pdf"
    row.xlsx_size, row.pdf_size = xlsx_size, pdf_size
    row.created_at, row.created_by_id = utcnow(), created_by_id
    session.flush()
    return row


def scheduled_organizations(session, month: date) -> list[int]:
    """The organizations whose files the monthly job writes: those of the kinds in MONTHLY_REPORT_KINDS,
    in ``month``'s tree order."""
    kinds = [kind.strip() for kind in current_app.config["MONTHLY_REPORT_KINDS"] if kind.strip()]
    return list(session.execute(select(MonthlyStatistics.organization_id).where(
        MonthlyStatistics.month == month, MonthlyStatistics.kind.in_(kinds)).order_by(MonthlyStatistics.id)).scalars())


def write_reports(session, month: date, org_ids: list[int], created_by_id: int | None = None,
                  progress: Callable[[int], None] | None = None) -> int:
    """Write the files of ``month`` for each of ``org_ids``, committing after each so that a failure
    keeps what was written; how many were written."""
    written = 0
    for org_id in org_ids:
        if write_monthly_report(session, month, org_id, created_by_id) is not None:
            written += 1
        session.commit()
        if progress:
            progress(1)
    return written


def run_month(session, month: date, now: datetime | None = None) -> dict:
    """Compute ``month`` for the whole tree, then write the scheduled organizations' files."""
    organizations = compute_month(session, month, now)
    session.commit()
    written = write_reports(session, month, scheduled_organizations(session, month))
    return {"month": f"{month:%Y-%m}", "organizations": organizations, "reports": written}


def organization_by_code(session, code: str) -> Organization | None:
    """The organization with ``code`` (codes are stored upper-case)."""
    return session.execute(select(Organization).where(Organization.code == code.strip().upper())).scalar_one_or_none()


def root_id(session) -> int | None:
    """The top of the tree (the first root, if a test tree made several)."""
    return session.execute(select(Organization.id).where(Organization.parent_id.is_(None))
                           .order_by(Organization.path).limit(1)).scalar()
