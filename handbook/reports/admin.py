"""The back-office screen of the monthly report files: list, download, and write one on demand."""
from __future__ import annotations

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup

from handbook.admin.base import ScopedModelView
from handbook.audit.operations import record
from handbook.clock import local_time
from handbook.extensions import db
from handbook.organizations.models import Organization
from handbook.reports.models import GeneratedReport
from handbook.reports.operations import ensure_month, report_path, root_id, write_monthly_report
from handbook.reports.statistics import compute_month, current_month, parse_month, stored_row
from handbook.scope import get_scoped_or_404, parse_id
from handbook.spreadsheets import XLSX_MIMETYPE, ascii_filename

MIMETYPES = {"xlsx": XLSX_MIMETYPE, "pdf": "application/pdf"}


def _period(view, context, model, name):
    """"2026-11" as "11/2026"."""
    year, _, month = model.period.partition("-")
    return f"{month}/{year}"


def _files(view, context, model, name):
    """The two download links."""
    links = [f'<a class="btn btn-sm btn-outline-primary mr-1" href="{url_for(".download", id=model.id, fmt=fmt)}" '
             f'data-download="{fmt}">{label}</a>' for fmt, label in (("xlsx", "Excel"), ("pdf", "PDF"))]
    return Markup("".join(links))


def _size(view, context, model, name):
    return f"{(model.xlsx_size + model.pdf_size) / 1024:.0f} KB"


class GeneratedReportView(ScopedModelView):
    """The report files of the organizations in the user's scope, newest period first."""

    edit_roles = ()  # written by the job or the button below, never typed in
    can_export = False
    can_view_details = False
    column_display_actions = False
    list_template = "reports/list.html"
    column_list = ["period", "organization", "kind", "files", "size", "created_at", "created_by"]
    column_labels = {"period": "Kỳ", "organization": "Tổ chức", "kind": "Loại", "files": "Tệp", "size": "Dung lượng",
                     "created_at": "Lập lúc", "created_by": "Người lập"}
    column_formatters = {"period": _period, "files": _files, "size": _size,
                         "kind": lambda v, c, m, n: m.kind_label,
                         "created_at": lambda v, c, m, n: local_time(m.created_at),
                         "created_by": lambda v, c, m, n: m.created_by.login if m.created_by else "Tự động"}
    column_sortable_list = ["period", "created_at"]
    column_default_sort = [("period", True), ("id", False)]
    column_filters = ["period"]
    own_organization_columns = ("organization",)

    def render(self, template, **kwargs):
        """The list, with the month to choose for a report written on demand."""
        kwargs.setdefault("this_month", f"{current_month():%Y-%m}")
        kwargs.setdefault("report_org_id", current_user.organization_id or root_id(db.session))
        return super().render(template, **kwargs)

    @expose("/download/<int:id>/<fmt>")
    def download(self, id, fmt):
        """Send one file of a report in scope (404 outside it); the download is audited."""
        if fmt not in MIMETYPES:
            abort(404)
        report = get_scoped_or_404(GeneratedReport, id)
        path = report_path(report, fmt)
        if not path.is_file():
            abort(404)
        record("export", "generated_report", report.id, detail={"format": fmt, "period": report.period}, separate=True)
        name = ascii_filename(f"{report.kind_label} {report.period} {report.organization.code}", fmt)
        return send_file(path, mimetype=MIMETYPES[fmt], as_attachment=True, download_name=name)

    @expose("/generate", methods=["POST"])
    def generate(self):
        """Write (or rewrite) the report of one organization in scope for one month, from its stored
        figures; a past month not stored yet is computed first."""
        org = get_scoped_or_404(Organization, parse_id(request.form.get("organization_id")))
        try:
            month = parse_month(request.form.get("month", ""))
        except ValueError:
            flash("Tháng không hợp lệ: chọn tháng theo dạng MM/YYYY.", "error")
            return redirect(url_for(".index_view"))
        if month > current_month():
            flash("Chưa thể lập báo cáo cho tháng chưa đến.", "error")
            return redirect(url_for(".index_view"))
        session = db.session
        if month == current_month():
            compute_month(session, month)  # the month under way: its figures as of now
            session.commit()
        elif stored_row(session, month, org.id) is None:
            ensure_month(session, month)
        report = write_monthly_report(session, month, org.id, created_by_id=current_user.id)
        if report is None:
            flash(f"Tổ chức chưa có trong cây tháng {month:%m/%Y}: không có số liệu để lập báo cáo.", "error")
            return redirect(url_for(".index_view"))
        record("report_generate", "generated_report", report.id, detail={"period": report.period, "organization": org.code})
        session.commit()
        flash(f"Đã lập báo cáo thống kê tháng {month:%m/%Y} của {org.name}.", "success")
        return redirect(url_for(".index_view"))
