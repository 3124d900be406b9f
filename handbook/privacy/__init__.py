"""A member's rights over their personal data, and every user's sessions and password."""


def init_app(app):
    """Register the pages under /me."""
    from handbook.privacy.views import bp

    app.register_blueprint(bp)
