"""Accounts, login and the organization scope of the current user."""


def init_app(app):
    """Register the login pages and the login manager's settings."""
    from handbook.auth.views import bp
    from handbook.extensions import login_manager

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.register_blueprint(bp)
