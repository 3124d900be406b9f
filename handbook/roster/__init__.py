"""Bringing members in from the branch register (sổ danh sách đảng viên, form 7-HSĐV): a dry run
with every error by row and column, an import of all rows or none, and an account with a one-time
activation code for every member brought in."""


def init_app(app):
    """Register the imports' screen and the ``members`` commands."""
