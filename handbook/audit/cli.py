"""``flask audit who-saw --member CARD`` and ``flask audit seen-by --user LOGIN``: breach response."""
import click
from flask.cli import AppGroup
from sqlalchemy import select

from handbook.extensions import db

audit_cli = AppGroup("audit", help="Answer breach questions from the audit trail.")


@audit_cli.command("who-saw")
@click.option("--member", "card", required=True, help="Party card number of the member.")
def who_saw(card):
    """Print who opened or exported a member: time (Asia/Ho_Chi_Minh), login, action, IP."""
    from handbook.audit.queries import who_saw_member
    from handbook.organizations.models import Member
    from handbook.clock import local_time

    member = db.session.execute(select(Member).where(Member.card_number == card.strip())).scalar_one_or_none()
    if member is None:
        raise click.ClickException(f"No member has card number {card}.")
    for e in who_saw_member(db.session, member.id, limit=1_000_000):
        click.echo("\t".join([local_time(e.at), e.login or "-", e.action, e.ip or "-"]))


@audit_cli.command("seen-by")
@click.option("--user", "login", required=True, help="Login of the account.")
def seen_by(login):
    """Print the members an account opened or exported: card, name, times, first, last."""
    from handbook.audit.queries import members_seen_by
    from handbook.auth.models import User, normalize_login
    from handbook.clock import local_time

    user = db.session.execute(select(User).where(User.login == normalize_login(login))).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"No account has login {login}.")
    for r in members_seen_by(db.session, user.id):
        click.echo("\t".join([r.card_number or str(r.member_id), r.full_name or "-", str(r.times), local_time(r.first_at), local_time(r.last_at)]))
