"""The member-facing pages."""


def init_app(app):
    """Register the member pages and the values their shared layout reads."""
    from handbook.member.layout import layout_context
    from handbook.member.views import bp

    app.register_blueprint(bp)
    app.context_processor(layout_context)
