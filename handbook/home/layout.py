"""What every member page shares: the navigation, the text size and what the domains registered for it."""
from flask import current_app, request
from markupsafe import Markup

from handbook.registry import registry

# Root font size per step of the A−/A+ setting; step 0 keeps the browser's own size.
TEXT_SIZES = (100, 112.5, 125, 150, 175, 200)
TEXT_SIZE_COOKIE = "text_size"


def nav_entries() -> list[dict]:
    """The bottom-navigation entries the domains registered, the current one marked."""
    entries = []
    for _position, label, path, icon in registry().member_nav:
        current = request.path == "/" if path == "/" else request.path.startswith(path)
        entries.append({"label": label, "url": path, "icon": icon, "current": current})
    return entries


def icon(name: str) -> Markup:
    """The inline SVG icon ``name`` of home/icons.html, drawn once per process: every member page shows
    the same few, and a macro call per icon was a tenth of a page with no query of its own."""
    icons = current_app.extensions.setdefault("member_icons", {})
    if name not in icons or current_app.jinja_env.auto_reload:
        icons[name] = Markup(current_app.jinja_env.get_template("home/icons.html").module.icon(name))
    return icons[name]


def text_size() -> int:
    """The remembered text-size step (0 = normal) from its cookie."""
    value = request.cookies.get(TEXT_SIZE_COOKIE, "")
    return int(value) if value.isdigit() and int(value) < len(TEXT_SIZES) else 0


def unread_notices(user) -> int | None:
    """Unread notices for the header, once the notices domain counts them (``registry.set_unread_notices``)."""
    counter = registry().unread_notices
    if counter is None or not getattr(user, "is_authenticated", False):
        return None
    return counter(user)


def today_items(user) -> list[dict]:
    """What needs the member today: each domain registers a provider (``registry.add_member_today``)
    returning ``[{"text": ..., "url": ...}]`` (a meeting, a quiz, unread notices, points to the target)."""
    items = []
    for provider in registry().member_today:
        items.extend(provider(user))
    return items


def layout_context() -> dict:
    """Template values every page built on base.html reads."""
    return {"nav_entries": nav_entries, "text_size": text_size(), "text_size_max": len(TEXT_SIZES) - 1,
            "unread_notices": unread_notices}
