"""The yearly rating of members and organizations (Quy định 366-QĐ/TW): rules as data, evidence the
domains register, the three steps with the quota, and the sheets secretaries sign."""


def init_app(app):
    """Register the rating's models and seeders (screens and commands follow)."""
    from handbook.ratings import models  # noqa: F401
    from handbook.ratings.seed import seed_demo_ratings, seed_province_ratings
    from handbook.registry import add_seeders

    add_seeders(app, demo=seed_demo_ratings, province=seed_province_ratings)
