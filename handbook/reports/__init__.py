"""Reports: the monthly statistics every domain registers its figures into, their files and the dashboard."""


def init_app(app):
    """Register the use of the handbook as a figure and as rating evidence, the silent flag, the statistics' jobs, the
    ``reports`` commands, the screen of report files and the dashboard."""
    from handbook.admin.menu import REPORTS
    from handbook.extensions import db
    from handbook.registry import (add_admin_views, add_dashboard, add_flag, add_jobs, add_monthly_figures,
                                   add_rating_evidence, add_seeders)
    from handbook.reports.admin import GeneratedReportView
    from handbook.reports.cli import reports_cli
    from handbook.reports.dashboard import dashboard_figures
    from handbook.reports.evidence import EVIDENCE, months_used
    from handbook.reports.figures import FIGURES, SILENT
    from handbook.reports.jobs import monthly_statistics, statistics_this_month
    from handbook.reports.models import GeneratedReport
    from handbook.reports.seed import seed_monthly_statistics
    from handbook.reports.statistics import usage_figures

    add_monthly_figures(app, FIGURES, usage_figures)
    add_flag(app, SILENT)
    add_rating_evidence(app, EVIDENCE, months_used)
    add_jobs(app, monthly_statistics, statistics_this_month)
    add_admin_views(app, GeneratedReportView(GeneratedReport, db, name="Thống kê tháng", category=REPORTS,
                                             endpoint="reports"))
    add_dashboard(app, "reports/_dashboard.html", dashboard_figures)
    add_seeders(app, province=seed_monthly_statistics)
    app.cli.add_command(reports_cli)
