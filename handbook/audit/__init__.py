"""The audit trail: an append-only record of logins, refusals, changes, exports and views."""


def init_app(app):
    """Record every 403 the app answers; register the trail's screens, the ``flask audit`` commands
    and the year of audited activity."""
    from flask import request
    from flask_login import current_user

    from handbook.audit.admin import AuditEntryView, BreachView
    from handbook.audit.cli import audit_cli
    from handbook.audit.models import AuditEntry
    from handbook.audit.operations import record
    from handbook.admin.menu import SYSTEM
    from handbook.audit.seed import seed_audit_activity
    from handbook.extensions import db
    from handbook.registry import add_admin_views, add_seeders

    @app.after_request
    def _record_forbidden(response):
        """A refusal for lack of rights is audited wherever it came from (admin, pages, errors)."""
        if response.status_code == 403 and current_user.is_authenticated:
            record("refused_403", None, None, detail={"path": request.path, "method": request.method}, separate=True)
        return response

    add_admin_views(app, AuditEntryView(AuditEntry, db, name="Nhật ký", endpoint="audit", category=SYSTEM),
                    BreachView(name="Tra cứu truy cập", endpoint="breach", category=SYSTEM))
    add_seeders(app, province=seed_audit_activity)
    app.cli.add_command(audit_cli)
