"""The yearly rating of members and organizations (Quy định 366-QĐ/TW): rules as data, evidence the
domains register, the three steps with the quota, and the sheets secretaries sign."""


def init_app(app):
    """Register the rating's screens under their menu group, its nightly evidence job, the member's own
    rating page and its item on the member home, its seeders, the sheet's report kind and `reports ratings`."""
    from handbook.admin.menu import RATINGS
    from handbook.extensions import db
    from handbook.ratings.admin import MemberRatingView, OrganizationRatingView, RatingRuleSetView, RatingStepView
    from handbook.ratings.cli import register_cli
    from handbook.ratings.jobs import rating_evidence
    from handbook.ratings.member import register
    from handbook.ratings.models import MemberRating, OrganizationRating, RatingRuleSet, RatingStep
    from handbook.ratings.reports import register_report_kind
    from handbook.ratings.seed import seed_demo_ratings, seed_province_ratings
    from handbook.registry import add_admin_views, add_jobs, add_seeders

    add_admin_views(
        app,
        MemberRatingView(MemberRating, db, name="Xếp loại đảng viên", category=RATINGS, endpoint="ratings"),
        OrganizationRatingView(OrganizationRating, db, name="Xếp loại tổ chức đảng", category=RATINGS,
                               endpoint="organization_ratings"),
        RatingStepView(RatingStep, db, name="Lịch sử các bước", category=RATINGS, endpoint="rating_steps"),
        RatingRuleSetView(RatingRuleSet, db, name="Bộ tiêu chí hằng năm", category=RATINGS, endpoint="rating_rules"),
    )
    add_jobs(app, rating_evidence)
    register(app)
    add_seeders(app, demo=seed_demo_ratings, province=seed_province_ratings)
    register_report_kind()
    register_cli(app)
