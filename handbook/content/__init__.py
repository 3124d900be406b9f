"""News (Tin tức) and party documents (Tài liệu công tác đảng): publishing, reading, points."""


def init_app(app):
    """Register the member pages of news and documents."""
    from handbook.content.today import reading_today
    from handbook.content.views import bp

    app.register_blueprint(bp)
    app.extensions.setdefault("member_today", []).append(reading_today)
