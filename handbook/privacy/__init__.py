"""A member's rights over their personal data, and every user's sessions and password."""


def init_app(app):
    """Register the pages under /me, the correction requests' screen, the sessions link and the year of requests."""
    from handbook.admin.menu import MEMBERS, SYSTEM
    from handbook.extensions import db
    from handbook.privacy.admin import CorrectionRequestView, MySessionsView
    from handbook.privacy.models import CorrectionRequest
    from handbook.privacy.seed import seed_corrections
    from handbook.privacy.views import bp
    from handbook.registry import add_admin_views, add_seeders

    app.register_blueprint(bp)
    add_admin_views(app, CorrectionRequestView(CorrectionRequest, db, name="Yêu cầu sửa thông tin", endpoint="correction",
                                                    category=MEMBERS))
    # Staff open their sessions inside the back office, its menu and way back around them.
    add_admin_views(app, MySessionsView(name="Phiên đăng nhập của tôi", endpoint="my_sessions", url="/admin/sessions",
                                        category=SYSTEM))
    add_seeders(app, province=seed_corrections)
