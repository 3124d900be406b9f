"""Bad input is a 4xx with a Vietnamese message, never a 500 or stored garbage (issue 9, item 7)."""
from flask_admin.model import BaseModelView

from support import AuthActions

HUGE = "99999999999999999999"


def _list_views(app):
    """Every registered admin screen that has a list page."""
    admin = app.extensions["handbook_admin"]
    return [v for v in admin._views if isinstance(v, BaseModelView)]


def _bad_list_urls(view):
    """The list URLs seen to give 500: a 20-digit page, page size, sort index or filter value."""
    base = f"/admin/{view.endpoint}/"
    urls = [f"{base}?page={HUGE}", f"{base}?page=-{HUGE}", f"{base}?page_size={HUGE}", f"{base}?sort={HUGE}",
            f"{base}?sort=999", f"{base}?sort=-{HUGE}&desc={HUGE}", f"{base}?search=%00", f"{base}?search=a%00b"]
    for key in (view._filter_args or {}):
        for value in (HUGE, f"-{HUGE}", "1e999", "%00", "9999-12-31", "0001-01-01 to 9999-12-31", f"{HUGE},{HUGE}"):
            urls.append(f"{base}?flt0_{key}={value}")
    return urls


def test_every_admin_list_survives_huge_numbers(app, client, tree):
    """Does any admin list URL with a 20-digit page, page size, sort index or filter value give a 500?"""
    AuthActions(client).login(tree["admin"])
    failures = []
    for view in _list_views(app):
        for url in _bad_list_urls(view):
            try:
                code = client.get(url).status_code
            except Exception as exc:  # noqa: BLE001 - the test client re-raises what would be a 500
                code = type(exc).__name__
            if not isinstance(code, int) or code >= 500:
                failures.append((url, code))
    assert failures == [], "\n".join(map(str, failures))
