"""Study and the points ledger (điểm tích lũy): topics and quizzes will join the ledger here.

The question bank's model will be ``QuizQuestion``: the members' questions to their committee
(notices and questions) keep the plain name ``Question``.
"""


def init_app(app):
    """Register the point rules' screen, the points item of the member home, the monthly figures and rating evidence of points, and the rules in force."""
    from handbook.admin.menu import STUDY
    from handbook.extensions import db
    from handbook.registry import (add_admin_views, add_member_today, add_monthly_figures, add_rating_evidence,
                                   add_seeders)
    from handbook.study.evidence import evidence, points_evidence
    from handbook.study.figures import figures, monthly_figures
    from handbook.study.admin import PointRuleView
    from handbook.study.models import PointRule
    from handbook.study.seed import seed_point_rules
    from handbook.study.today import points_today

    add_admin_views(app, PointRuleView(PointRule, db, name="Quy tắc điểm", category=STUDY))
    add_member_today(app, points_today)
    add_monthly_figures(app, figures(app.config["POINTS_YEARLY_TARGET"]), monthly_figures)
    add_rating_evidence(app, evidence(app.config["POINTS_YEARLY_TARGET"]), points_evidence)
    add_seeders(app, demo=seed_point_rules, province=seed_point_rules)
