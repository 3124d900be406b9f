"""``flask --app wsgi seed demo|thaibinh``: the demo and the province-scale data sets."""
import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from handbook.extensions import db

seed_cli = AppGroup("seed", help="Fill the database with demo or province-scale data.")


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
