"""Member home and the health check."""
from flask import Blueprint, jsonify, render_template
from flask_login import current_user, login_required
from sqlalchemy import select, text

from handbook.extensions import db
from handbook.organizations.models import Organization

bp = Blueprint("portal", __name__)


@bp.route("/")
@login_required
def home():
    """The member's own record and branch."""
    member = current_user.member
    path = []
    if member is not None:
        ids = [int(i) for i in member.organization.path.strip("/").split("/") if i]
        by_id = {o.id: o for o in db.session.execute(select(Organization).where(Organization.id.in_(ids))).scalars()}
        path = [by_id[i] for i in ids if i in by_id]
    return render_template("member/home.html", member=member, path=path)


@bp.route("/healthz")
def healthz():
    """Report whether the app can reach its database."""
    try:
        db.session.execute(text("SELECT 1"))
        return jsonify(status="ok", database="ok")
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
