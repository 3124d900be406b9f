"""The yearly rating of members and organizations (Quy định 366-QĐ/TW): rules as data, evidence the
domains register, the three steps with the quota, and the sheets secretaries sign."""


def init_app(app):
    """Register the rating's models (screens, commands and seeders follow)."""
    from handbook.ratings import models  # noqa: F401
