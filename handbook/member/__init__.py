"""The member-facing pages."""


def init_app(app):
    """Register the member pages."""
    from handbook.member.views import bp

    app.register_blueprint(bp)
