"""``flask --app wsgi orgs ...``: look at and change the organization tree."""
import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from handbook.extensions import db

orgs_cli = AppGroup("orgs", help="Look at and change the organization tree.")


@orgs_cli.command("list")
def orgs_list():
    """Print code, kind, parent code, name and direct member count, tab-separated, in tree order."""
    from sqlalchemy.orm import aliased

    from handbook.organizations.models import Organization, direct_member_counts

    parent = aliased(Organization)
    counts = direct_member_counts().subquery()
    rows = db.session.execute(
        select(Organization.code, Organization.kind, parent.code, Organization.name, func.coalesce(counts.c[1], 0))
        .outerjoin(parent, Organization.parent_id == parent.id)
        .outerjoin(counts, counts.c.organization_id == Organization.id)
        .order_by(Organization.path)
    )
    for code, kind, parent_code, name, count in rows:
        click.echo(f"{code}\t{kind}\t{parent_code or ''}\t{name}\t{count}")


@orgs_cli.command("move")
@click.argument("code")
@click.argument("new_parent_code")
def orgs_move(code, new_parent_code):
    """Move organization CODE (with its subtree) under NEW_PARENT_CODE, and record the move."""
    from handbook.organizations.models import Organization
    from handbook.organizations.operations import TreeError, move_organization

    def find(c):
        org = db.session.execute(select(Organization).where(Organization.code == c.strip().upper())).scalar()
        if org is None:
            raise click.ClickException(f"No organization has code {c}.")
        return org

    org, parent = find(code), find(new_parent_code)
    try:
        move_organization(db.session, org, parent)
    except TreeError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Moved {org.code} under {parent.code}.")
