"""The organization tree and the party members: the ground the other domains stand on."""


def init_app(app):
    """Register the tree's, the members' and their discipline's screens, their monthly figures, the discipline evidence of the rating, the ``orgs`` commands and the year of moves."""
    from handbook.admin.menu import MEMBERS
    from handbook.extensions import db
    from handbook.organizations.admin import DisciplineView, MemberView, OrganizationView
    from handbook.organizations.cli import orgs_cli
    from handbook.organizations.models import Discipline, Member, Organization
    from handbook.organizations.seed import seed_disciplines, seed_member_changes, seed_organization_moves
    from handbook.organizations.figures import FIGURES, monthly_figures
    from handbook.organizations.evidence import EVIDENCE, discipline_evidence
    from handbook.registry import add_admin_views, add_monthly_figures, add_rating_evidence, add_seeders

    add_admin_views(app, OrganizationView(Organization, db, name="Tổ chức đảng", category=MEMBERS),
                    MemberView(Member, db, name="Đảng viên", category=MEMBERS),
                    DisciplineView(Discipline, db, name="Kỷ luật đảng viên", endpoint="discipline", category=MEMBERS))
    add_monthly_figures(app, FIGURES, monthly_figures)
    add_rating_evidence(app, EVIDENCE, discipline_evidence)
    add_seeders(app, province=seed_organization_moves)
    add_seeders(app, province=seed_member_changes)
    add_seeders(app, province=seed_disciplines)
    app.cli.add_command(orgs_cli)
