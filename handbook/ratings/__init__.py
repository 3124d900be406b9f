"""The yearly rating of members and organizations (Quy định 366-QĐ/TW): rules as data, evidence the
domains register, the three steps with the quota, and the sheets secretaries sign."""


def init_app(app):
    """Register the rating's models, the member's own rating page and its item on the member home."""
    from handbook.ratings import models  # noqa: F401
    from handbook.ratings.member import register

    register(app)
