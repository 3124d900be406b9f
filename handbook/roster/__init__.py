"""Bringing members in from the branch register (sổ danh sách đảng viên, form 7-HSĐV): a dry run
with every error by row and column, an import of all rows or none, and an account with a one-time
activation code for every member brought in."""


def init_app(app):
    """Register the imports' screen, the ``members`` commands and the province's year of imports and activation codes."""
    from handbook.admin.menu import MEMBERS
    from handbook.extensions import db
    from handbook.registry import add_admin_views, add_seeders
    from handbook.roster.admin import MemberImportView
    from handbook.roster.cli import members_cli
    from handbook.roster.models import MemberImport
    from handbook.roster.seed import seed_imports

    add_admin_views(app, MemberImportView(MemberImport, db, name="Nhập danh sách đảng viên", endpoint="member_import",
                                          category=MEMBERS))
    app.cli.add_command(members_cli)
    add_seeders(app, province=seed_imports)
