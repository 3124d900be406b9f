"""Operator command of the rating: ``flask --app wsgi reports ratings --year YYYY [--org CODE] --out DIR``."""
import pathlib

import click
from flask.cli import with_appcontext

from handbook.extensions import db


@click.command("ratings")
@click.option("--year", type=int, required=True, help="The rating's year, e.g. 2025.")
@click.option("--org", "code", help="The organization's code; default: the top of the tree.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=pathlib.Path),
              help="Also copy the files into this folder.")
@with_appcontext
def ratings_command(year, code, out_dir):
    """Write the rating sheet of YEAR (Excel and PDF) for an organization's subtree."""
    from handbook.ratings.reports import write_rating_report
    from handbook.ratings.sheet import rating_sheet
    from handbook.reports.operations import delivered_paths, organization_by_code, root_id

    session = db.session
    if code:
        org = organization_by_code(session, code)
        if org is None:
            raise click.BadParameter(f"no organization has the code {code!r}", param_hint="--org")
        org_id = org.id
    else:
        org_id = root_id(session)
        if org_id is None:
            raise click.ClickException("the tree is empty: there is no organization to rate")
    sheet = rating_sheet(session, org_id, year)
    if sheet is None:
        raise click.ClickException(f"no member of {code or 'the tree'} has a rating for {year}")
    # Each row is written twice, once into each file.
    with click.progressbar(length=2 * sheet.rows, label=f"writing {sheet.rows} ratings of {sheet.root.code}") as bar:
        report = write_rating_report(session, year, org_id, progress=bar.update, sheet=sheet)
    session.commit()
    for path in delivered_paths(report, out_dir):
        click.echo(str(path))


def register_cli(app) -> None:
    """Add ``ratings`` to the app's ``reports`` command group, found on the app rather than imported:
    the house keeps a sibling's commands its own (tests/test_house.py). The reports domain comes first."""
    group = app.cli.commands.get("reports")
    if group is None:
        raise RuntimeError("the reports domain registers the 'reports' commands before the ratings domain")
    if "ratings" not in group.commands:
        group.add_command(ratings_command)
