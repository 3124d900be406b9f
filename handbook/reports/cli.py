"""Operator commands of the reports: ``flask --app wsgi reports ...``."""
import pathlib

import click
from flask.cli import AppGroup

from handbook.extensions import db

reports_cli = AppGroup("reports", help="Compute the statistics and write their Excel and PDF files.")


@reports_cli.command("monthly")
@click.option("--month", "month_text", required=True, help="The month, YYYY-MM (Vietnam time).")
@click.option("--org", "code", help="Only this organization's report (its code); default: the scheduled levels.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=pathlib.Path),
              help="Also copy the files into this folder.")
def monthly_command(month_text, code, out_dir):
    """Compute MONTH for the whole tree (replacing what was stored) and write the report files."""
    from handbook.reports.operations import delivered_paths, organization_by_code, scheduled_organizations, write_reports
    from sqlalchemy import select

    from handbook.reports.models import GeneratedReport
    from handbook.reports.statistics import compute_month, parse_month

    try:
        month = parse_month(month_text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    session = db.session
    org_ids = None
    if code:
        org = organization_by_code(session, code)
        if org is None:
            raise click.BadParameter(f"no organization has the code {code!r}", param_hint="--org")
        org_ids = [org.id]
    click.echo(f"computing {month:%Y-%m} for the whole tree…")
    organizations = compute_month(session, month)
    session.commit()
    targets = org_ids if org_ids is not None else scheduled_organizations(session, month)
    with click.progressbar(length=len(targets), label="writing reports") as bar:
        written = write_reports(session, month, targets, progress=bar.update)
    click.echo(f"{month:%Y-%m}: {organizations} organizations, {written} reports")
    reports = session.execute(select(GeneratedReport).where(
        GeneratedReport.kind == "monthly", GeneratedReport.period == f"{month:%Y-%m}",
        GeneratedReport.organization_id.in_(targets))).scalars().all()
    for report in reports:
        for path in delivered_paths(report, out_dir):
            click.echo(str(path))
