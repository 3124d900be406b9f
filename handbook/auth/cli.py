"""``flask --app wsgi users ...``: accounts from the command line."""
import click
from flask.cli import AppGroup
from sqlalchemy import select

from handbook.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.option("--login", required=True, help="Phone number or email.")
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "committee", "secretary", "member"]))
@click.option("--org", "org_code", help="Code of the organization the account manages or belongs to.")
@click.option("--member", "card_number", help="Party card number of the linked member.")
def users_create(login, password, role, org_code, card_number):
    """Create an account."""
    from handbook.auth.models import User, is_valid_login, normalize_login
    from handbook.organizations.models import Member, Organization

    login = normalize_login(login)
    if not is_valid_login(login):
        raise click.ClickException("LOGIN must be an email address or a phone number.")
    if db.session.execute(select(User.id).where(User.login == login)).first():
        raise click.ClickException(f"An account with login {login} already exists.")
    if len(password) < 8:
        raise click.ClickException("PASSWORD must have at least 8 characters.")
    org = member = None
    if org_code:
        org = db.session.execute(select(Organization).where(Organization.code == org_code.strip().upper())).scalar()
        if org is None:
            raise click.ClickException(f"No organization has code {org_code}.")
    if card_number:
        member = db.session.execute(select(Member).where(Member.card_number == card_number.strip())).scalar()
        if member is None:
            raise click.ClickException(f"No member has card number {card_number}.")
        org = org or member.organization
    if role in ("committee", "secretary") and org is None:
        raise click.ClickException(f"A {role} account needs --org.")
    if role == "member" and member is None:
        raise click.ClickException("A member account needs --member.")
    user = User(login=login, role=role, organization=org, member=member)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {role} account {login} (id {user.id}).")
