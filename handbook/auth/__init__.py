"""Accounts, login and sessions: who someone is and which role and organization they act with."""


def init_app(app):
    """Register the login pages and the login manager's settings, the rule that accounts follow
    membership, the accounts screen, its monthly figures (signing in counts as using the handbook), the ``users`` commands, the session purge
    and the last month's sessions."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from handbook.admin.menu import SYSTEM
    from handbook.auth.admin import UserView
    from handbook.auth.cli import users_cli
    from handbook.auth.jobs import purge_sessions
    from handbook.auth.membership import end_accounts_with_membership
    from handbook.auth.models import User
    from handbook.auth.figures import FIGURES, monthly_figures, signed_in
    from handbook.auth.seed import seed_sessions
    from handbook.auth.views import bp
    from handbook.extensions import db, login_manager
    from handbook.registry import add_admin_views, add_jobs, add_monthly_figures, add_seeders, add_usage

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.register_blueprint(bp)
    # Every session, whatever changes a member (screens, CLI, imports): accounts follow membership.
    if not event.contains(Session, "before_flush", end_accounts_with_membership):
        event.listen(Session, "before_flush", end_accounts_with_membership)
    add_admin_views(app, UserView(User, db, name="Tài khoản", category=SYSTEM))
    add_monthly_figures(app, FIGURES, monthly_figures)
    add_usage(app, signed_in)
    add_jobs(app, purge_sessions)
    add_seeders(app, province=seed_sessions)
    app.cli.add_command(users_cli)
