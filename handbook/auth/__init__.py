"""Accounts, login and the organization scope of the current user."""


def init_app(app):
    """Register the login pages, the login manager's settings and the rule that accounts follow membership."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from handbook.auth.membership import end_accounts_with_membership
    from handbook.auth.views import bp
    from handbook.extensions import login_manager

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.register_blueprint(bp)
    # Every session, whatever changes a member (screens, CLI, imports): accounts follow membership.
    if not event.contains(Session, "before_flush", end_accounts_with_membership):
        event.listen(Session, "before_flush", end_accounts_with_membership)
