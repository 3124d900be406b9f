"""Study (Nghiên cứu, học tập): the monthly topic, quizzes from a question bank, and the points ledger
(điểm tích lũy) with its daily caps, manual awards, corrections and leaderboards.

The question bank's model is ``QuizQuestion``: the members' questions to their committee (notices and
questions) keep the plain name ``Question``.
"""


def init_app(app):
    """Register the member pages, the back-office screens, the job closing attempts at their deadline,
    the member home's items, the monthly figures, the rating evidence and the seeders."""
    from handbook.registry import (add_admin_views, add_jobs, add_member_nav, add_member_today, add_monthly_figures,
                                   add_rating_evidence, add_seeders, add_usage)
    from handbook.study import admin, jobs, ledger_admin, quiz_views  # noqa: F401  (quiz_views: routes on bp)
    from handbook.study.evidence import evidence, points_evidence
    from handbook.study.figures import figures, monthly_figures, quiz_takers, topic_readers
    from handbook.study.seed import seed_point_rules, seed_study_activity, seed_study_demo, seed_topic_documents
    from handbook.study.today import points_today, quizzes_today
    from handbook.study.views import bp

    app.register_blueprint(bp)
    add_admin_views(app, *admin.views(), *ledger_admin.views())
    add_jobs(app, *jobs.JOBS)
    add_member_nav(app, 15, "Học tập", "/study/", "study")
    add_member_today(app, quizzes_today)
    add_member_today(app, points_today)
    add_monthly_figures(app, figures(app.config["POINTS_YEARLY_TARGET"]), monthly_figures)
    add_usage(app, quiz_takers)
    add_usage(app, topic_readers)
    add_rating_evidence(app, evidence(app.config["POINTS_YEARLY_TARGET"]), points_evidence)
    add_seeders(app, demo=seed_point_rules, province=seed_point_rules)
    add_seeders(app, demo=seed_study_demo, province=seed_study_activity)
    # The topics' documents are content's, seeded after study: linked once every domain has seeded.
    add_seeders(app, demo=seed_topic_documents, province=seed_topic_documents, last=True)
