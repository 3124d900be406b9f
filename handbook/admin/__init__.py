"""The back office's toolkit: the Admin object, its dashboard and its Vietnamese catalogue.

The screens belong to the domains, which add them with ``registry.add_admin_views``; ``base.py``
is the scoped view every screen derives from.
"""
from flask_admin import Admin, AdminIndexView, expose
from flask_admin import babel as admin_babel
from flask_admin.theme import Bootstrap4Theme
from flask_login import current_user

from handbook.admin.base import StaffOnly
from handbook.admin.menu import GROUPS
from handbook.forms import TRANSLATIONS
from handbook.registry import registry
from handbook.scope import current_scope


class _OverridingDomain(type(admin_babel.domain)):
    """Flask-Admin's domain with our catalogue merged last: Babel lets the later catalogue win,
    and Flask-Admin would otherwise put its own weak strings ("Kỷ lục" for "Record") after ours."""

    @property
    def translation_directories(self):
        return [admin_babel.translations.__path__[0], TRANSLATIONS]


class DashboardView(StaffOnly, AdminIndexView):
    """The back-office home: the figures each domain registered, for the user's scope."""

    @expose("/")
    def index(self):
        """One card per registered figure set, computed for the user's scope."""
        scope = current_scope()
        cards = [(template, figures(scope)) for template, figures in registry().dashboard]
        return self.render("admin/dashboard.html", cards=cards, scope_org=current_user.organization)


def init_app(app):
    """Create the back office with its dashboard; the domains add their screens to it afterwards."""
    from handbook.security import csp_nonce

    admin_babel.domain.__class__ = _OverridingDomain
    admin = Admin(
        app,
        name="Sổ tay đảng viên",
        theme=Bootstrap4Theme(swatch="default", fluid=True, base_template="admin/handbook_master.html"),
        index_view=DashboardView(name="Tổng quan", url="/admin"),
        translations_path=TRANSLATIONS,
        csp_nonce_generator=csp_nonce,
    )
    for group in GROUPS:  # placed now, so that the menu keeps this order; a group nobody may open is not shown
        admin.add_category(group)
    app.extensions["handbook_admin"] = admin
    return admin
