"""News (Tin tức) and party documents (Tài liệu công tác đảng): publishing, reading, points."""


def init_app(app):
    """Register the member pages of news and documents, their screens, commands, jobs and seeders."""
    from handbook.content.admin import views
    from handbook.content.cli import content_cli
    from handbook.content.jobs import extract_pending_text, sweep_orphan_uploads
    from handbook.content.seed import seed_bookmarks, seed_content_activity, seed_demo_content
    from handbook.content.today import reading_today
    from handbook.content.views import bp
    from handbook.content.figures import FIGURES, monthly_figures, readers
    from handbook.registry import (
        add_admin_views, add_jobs, add_member_nav, add_member_today, add_monthly_figures, add_seeders, add_usage,
    )

    app.register_blueprint(bp)
    app.cli.add_command(content_cli)
    add_admin_views(app, *views())
    add_jobs(app, sweep_orphan_uploads, extract_pending_text)
    add_seeders(app, demo=seed_demo_content, province=seed_content_activity)
    add_seeders(app, province=seed_bookmarks)
    add_member_today(app, reading_today)
    add_monthly_figures(app, FIGURES, monthly_figures)
    add_usage(app, readers)
    add_member_nav(app, 5, "Tin tức", "/news/", "news")
    add_member_nav(app, 10, "Tài liệu", "/documents/", "book")
