"""News (Tin tức) and party documents (Tài liệu công tác đảng): publishing, reading, points."""


def init_app(app):
    """Register the member pages of news and documents and their commands."""
    from handbook.content.cli import content_cli
    from handbook.content.today import reading_today
    from handbook.content.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(content_cli)
    app.extensions.setdefault("member_today", []).append(reading_today)
