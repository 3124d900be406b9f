"""The audit trail: an append-only record of logins, refusals, changes, exports and views."""


def init_app(app):
    """Record every 403 the app answers, and add the ``flask audit`` commands."""
    from flask import request
    from flask_login import current_user

    from handbook.audit.cli import audit_cli
    from handbook.audit.operations import record

    @app.after_request
    def _record_forbidden(response):
        """A refusal for lack of rights is audited wherever it came from (admin, pages, errors)."""
        if response.status_code == 403 and current_user.is_authenticated:
            record("refused_403", None, None, detail={"path": request.path, "method": request.method}, separate=True)
        return response

    app.cli.add_command(audit_cli)
