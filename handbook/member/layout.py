"""What every member page shares: the navigation, the text size and the hooks later features fill."""
from flask import current_app, request

# (label, candidate paths, icon): an entry shows only once a feature serves one of its paths,
# so this branch works alone and the entries light up as the features land.
NAV = (
    ("Trang chủ", ("/",), "home"),
    ("Tài liệu", ("/documents/",), "book"),
    ("Học tập", ("/study/", "/topics/"), "study"),
    ("Lịch", ("/calendar/",), "calendar"),
    ("Thông báo", ("/notices/",), "bell"),
)

# Root font size per step of the A−/A+ setting; step 0 keeps the browser's own size.
TEXT_SIZES = (100, 112.5, 125, 150, 175, 200)
TEXT_SIZE_COOKIE = "text_size"


def _rules() -> frozenset[str]:
    """The URL rules the app serves, collected once (they are fixed after create_app)."""
    rules = current_app.extensions.get("member_rules")
    if rules is None:
        rules = frozenset(rule.rule for rule in current_app.url_map.iter_rules())
        current_app.extensions["member_rules"] = rules
    return rules


def nav_entries() -> list[dict]:
    """The bottom-navigation entries whose feature exists, the current one marked."""
    rules = _rules()
    entries = []
    for label, paths, icon in NAV:
        path = next((p for p in paths if p in rules), None)
        if path is None:
            continue
        current = request.path == "/" if path == "/" else request.path.startswith(path)
        entries.append({"label": label, "url": path, "icon": icon, "current": current})
    return entries


def text_size() -> int:
    """The remembered text-size step (0 = normal) from its cookie."""
    value = request.cookies.get(TEXT_SIZE_COOKIE, "")
    return int(value) if value.isdigit() and int(value) < len(TEXT_SIZES) else 0


def unread_notices(user) -> int | None:
    """Unread notices for the header, once the notices feature sets ``app.extensions['unread_notices']``."""
    counter = current_app.extensions.get("unread_notices")
    if counter is None or not getattr(user, "is_authenticated", False):
        return None
    return counter(user)


def today_items(user) -> list[dict]:
    """What needs the member today: each feature appends a provider to ``app.extensions['member_today']``
    returning ``[{"text": ..., "url": ...}]`` (a meeting, a quiz, unread notices, points to the target)."""
    items = []
    for provider in current_app.extensions.get("member_today", ()):
        items.extend(provider(user))
    return items


def layout_context() -> dict:
    """Template values every page built on base.html reads."""
    return {"nav_entries": nav_entries, "text_size": text_size(), "text_size_max": len(TEXT_SIZES) - 1,
            "unread_notices": unread_notices}
