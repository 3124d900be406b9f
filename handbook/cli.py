"""Operator commands: ``flask --app wsgi seed|users|orgs ...``."""
import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from handbook.extensions import db

seed_cli = AppGroup("seed", help="Fill the database with demo or province-scale data.")
users_cli = AppGroup("users", help="Manage user accounts.")
orgs_cli = AppGroup("orgs", help="Look at and change the organization tree.")


@seed_cli.command("demo")
@click.option("--seed", "seed_value", default=1, show_default=True, help="Random seed.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has data.")
def seed_demo_command(seed_value, if_empty):
    """Create the demo tree (~25 organizations, ~300 members) and one account per role."""
    from handbook.organizations.models import Organization
    from handbook.seed.demo import seed_demo

    if db.session.execute(select(func.count()).select_from(Organization)).scalar():
        if not if_empty:
            raise click.ClickException("The database already has organizations; seed an empty database.")
        click.echo("Database already has data; demo seed skipped.")
        rows = existing_demo_accounts()
    else:
        rows = seed_demo(db.session, seed=seed_value)
    click.echo("Demo accounts (role, login, password, scope):")
    for row in rows:
        click.echo("  " + "\t".join(row))


def existing_demo_accounts() -> list[tuple[str, str, str, str]]:
    """The first account of each role, to remind the operator how to log in to a seeded database."""
    from handbook.auth.models import User
    from handbook.seed.demo import DEMO_PASSWORD

    rows = []
    for role in ("admin", "committee", "secretary", "member"):
        user = db.session.execute(select(User).where(User.role == role).order_by(User.id).limit(1)).scalar()
        if user is not None:
            scope = user.organization.name if user.organization else "toàn tỉnh"
            rows.append((role, user.login, f"{DEMO_PASSWORD} (nếu chưa đổi)", scope))
    return rows


@seed_cli.command("thaibinh")
@click.option("--seed", "seed_value", default=2022, show_default=True, help="Random seed: the same seed gives the same data.")
@click.option("--members", default=108_600, show_default=True, type=click.IntRange(min=13),
              help="Number of members; the tree is scaled in proportion.")
@click.option("--password", envvar="HANDBOOK_SEED_PASSWORD", default="thaibinh2022", show_default=True,
              help="The one password of every seeded account (or HANDBOOK_SEED_PASSWORD).")
def seed_thaibinh_command(seed_value, members, password):
    """Create the Thái Bình data set (1 + 13 + 700 + 4,300 organizations, 108,600 members) in an empty database."""
    from handbook.seed.thaibinh import plan_for, seed_thaibinh

    plan = plan_for(members)
    click.echo(f"Seeding {plan.organizations:,} organizations and {plan.members:,} members (seed {seed_value}).")
    with click.progressbar(length=plan.members, label="Đảng viên") as bar:
        def progress(_step, done, _total):
            bar.update(done - bar.pos)

        try:
            result = seed_thaibinh(db.session, seed=seed_value, members=members, password=password, progress=progress)
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from exc
    for table, count in result.counts.items():
        click.echo(f"  {table}: {count:,}")
    click.echo(f"Done in {result.seconds:.1f} s. Sample accounts (role, login, scope); every account has the "
               "seed password (--password or HANDBOOK_SEED_PASSWORD):")
    for row in result.sample_logins:
        click.echo("  " + "\t".join(row))


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


def init_app(app):
    """Register the command groups."""
    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(orgs_cli)
