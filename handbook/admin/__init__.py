"""The back office: the Admin object, its dashboard and its Vietnamese catalogue."""
from flask_admin import Admin, AdminIndexView, expose
from flask_admin import babel as admin_babel
from flask_admin.menu import MenuLink
from flask_admin.theme import Bootstrap4Theme
from flask_login import current_user
from sqlalchemy import func, select

from handbook.admin.base import StaffOnly
from handbook.scope import current_scope, scoped
from handbook.extensions import db
from handbook.forms import TRANSLATIONS



class _OverridingDomain(type(admin_babel.domain)):
    """Flask-Admin's domain with our catalogue merged last: Babel lets the later catalogue win,
    and Flask-Admin would otherwise put its own weak strings ("Kỷ lục" for "Record") after ours."""

    @property
    def translation_directories(self):
        return [admin_babel.translations.__path__[0], TRANSLATIONS]


class DashboardView(StaffOnly, AdminIndexView):
    """The back-office home: counts for the user's scope."""

    @expose("/")
    def index(self):
        """Show how many organizations, members and accounts the user's scope holds."""
        from handbook.auth.models import User
        from handbook.organizations.models import MEMBER_STATUSES, ORG_KINDS, Member, Organization

        scope = current_scope()
        orgs = dict(db.session.execute(
            scoped(select(Organization.kind, func.count()).group_by(Organization.kind), Organization, scope)
        ).all())
        members = dict(db.session.execute(
            scoped(select(Member.status, func.count()).group_by(Member.status), Member, scope)
        ).all())
        accounts = db.session.execute(scoped(select(func.count()).select_from(User), User, scope)).scalar()
        return self.render(
            "admin/dashboard.html",
            org_counts=[(label, orgs.get(kind, 0)) for kind, label in ORG_KINDS.items()],
            member_counts=[(label, members.get(status, 0)) for status, label in MEMBER_STATUSES.items()],
            member_total=sum(members.values()),
            account_total=accounts,
            scope_org=current_user.organization,
        )


def init_app(app):
    """Create the back office with its screens at the default endpoints."""
    from handbook.admin.jobs import JobRunView
    from handbook.audit.admin import AuditEntryView, BreachView
    from handbook.jobs import JobRun
    from handbook.audit.models import AuditEntry
    from handbook.auth.admin import UserView
    from handbook.content.admin import add_views as add_content_views
    from handbook.privacy.admin import CorrectionRequestView
    from handbook.privacy.models import CorrectionRequest
    from handbook.auth.models import User
    from handbook.organizations.admin import MemberView, OrganizationView
    from handbook.organizations.models import Member, Organization
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
    admin.add_view(OrganizationView(Organization, db, name="Tổ chức đảng"))
    admin.add_view(MemberView(Member, db, name="Đảng viên"))
    admin.add_view(UserView(User, db, name="Tài khoản"))
    add_content_views(admin)
    admin.add_view(CorrectionRequestView(CorrectionRequest, db, name="Yêu cầu sửa thông tin", endpoint="correction"))
    admin.add_view(AuditEntryView(AuditEntry, db, name="Nhật ký", endpoint="audit"))
    admin.add_view(BreachView(name="Tra cứu truy cập", endpoint="breach"))
    admin.add_view(JobRunView(JobRun, db, name="Tác vụ định kỳ", endpoint="jobrun"))
    admin.add_link(MenuLink(name="Phiên đăng nhập", endpoint="privacy.sessions"))

    app.extensions["handbook_admin"] = admin
    return admin
