"""The member-facing pages: the home, the shared layout, help and the offline page."""


def init_app(app):
    """Register the member pages, the values their shared layout reads and the home's navigation entry."""
    from handbook.home.layout import icon, layout_context
    from handbook.home.views import bp
    from handbook.registry import add_member_nav

    app.register_blueprint(bp)
    app.context_processor(layout_context)
    app.jinja_env.globals["icon"] = icon
    add_member_nav(app, 0, "Trang chủ", "/", "home")
