"""Member pages: home, help, the offline page, the text-size setting; the PWA's manifest and
service worker; the health check."""
import json
import os
from collections import namedtuple


from flask import Blueprint, current_app, jsonify, make_response, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select, text
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf

from handbook.assets import static_url, static_version
from handbook.cache import kept
from handbook.extensions import db
from handbook.forms import Form
from handbook.home.layout import TEXT_SIZE_COOKIE, TEXT_SIZES, text_size, today_items
from handbook.organizations.models import Organization
from handbook.scope import path_ids

bp = Blueprint("home", __name__)

THEME_COLOR = "#b71c1c"
# What the service worker keeps from its install on: enough to draw any saved page and the offline notice.
SHELL_FILES = ("css/app.css", "css/content.css", "js/app.js", "icons/icon.svg")


@bp.route("/")
@login_required
def home():
    """The member's own page: name, branch, what needs them today, their record."""
    member = current_user.member
    path = _path_names(member.organization.path) if member is not None else []
    return render_template("home/home.html", member=member, path=path, today=today_items(current_user))


PathEntry = namedtuple("PathEntry", "id name")
PATH_CACHE_SECONDS = 300  # a renamed organization shows in members' breadcrumbs within five minutes


def _path_names(path: str) -> list[PathEntry]:
    """The organizations on ``path``, root first, as (id, name): the same for every member of a branch,
    so kept per process for a few minutes rather than read on every home page."""

    def read() -> list[PathEntry]:
        ids = path_ids(path)
        names = dict(db.session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all())
        return [PathEntry(i, names[i]) for i in ids if i in names]

    return kept("member_path", path, read, PATH_CACHE_SECONDS)


@bp.route("/help")
def help_page():
    """How to use the handbook on a phone: install, read offline, text size, logging out."""
    return render_template("home/help.html")


@bp.route("/offline")
def offline():
    """The page the service worker shows when there is no network and nothing saved for the address."""
    # No personal data and no form token: this page is cached for anyone using the device.
    return render_template("home/offline.html", shell=True)


class TextSizeForm(Form):
    """A− / A+: one step smaller or larger, remembered in a cookie."""

    change = StringField(validators=[AnyOf(["up", "down", "reset"])])
    next = HiddenField()


@bp.route("/settings/text-size", methods=["POST"])
def text_size_setting():
    """Remember a larger or smaller text size and go back to the page the person was reading."""
    from handbook.security import safe_next

    form = TextSizeForm()
    step = text_size()
    if form.validate_on_submit():
        step = {"up": min(step + 1, len(TEXT_SIZES) - 1), "down": max(step - 1, 0), "reset": 0}[form.change.data]
    response = redirect(safe_next(form.next.data, url_for("home.home")))
    response.set_cookie(
        TEXT_SIZE_COOKIE, str(step), max_age=365 * 24 * 3600, samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=False,  # app.js reads it to restyle pages the service worker serves from its cache
    )
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    """The web app manifest: name, colours and icons, so the handbook installs like an app."""
    icons = [{"src": static_url("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml"}]
    for size in (192, 512):
        icons.append({"src": static_url(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"})
    icons.append({"src": static_url("icons/icon-maskable-512.png"), "sizes": "512x512", "type": "image/png",
                  "purpose": "maskable"})
    body = {
        "name": "Sổ tay đảng viên điện tử", "short_name": "Sổ tay ĐV", "lang": "vi", "dir": "ltr",
        "start_url": "/", "scope": "/", "display": "standalone",
        "background_color": "#ffffff", "theme_color": THEME_COLOR, "icons": icons,
    }
    response = make_response(json.dumps(body, ensure_ascii=False))
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/sw.js")
def service_worker():
    """The service worker, served from the root so that its scope is the whole site."""
    shell = [static_url(name) for name in SHELL_FILES] + [url_for("home.offline")]
    with open(os.path.join(current_app.static_folder, "js", "sw.js"), encoding="utf-8") as f:
        source = f.read()
    # A new static version changes these bytes, so browsers install the new worker and drop old caches.
    header = f"const VERSION = {json.dumps(static_version())};\nconst SHELL = {json.dumps(shell)};\n"
    response = make_response(header + source)
    response.mimetype = "text/javascript"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/healthz")
def healthz():
    """Report whether the app can reach its database."""
    try:
        db.session.execute(text("SELECT 1"))
        return jsonify(status="ok", database="ok")
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
