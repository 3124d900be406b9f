"""Study at province scale (~500,000 quiz attempts, ~1.5 million ledger rows):

- the member pages under gunicorn, each against the one-lookup floor of the same server: the study home,
  a quiz open now, my points and my branch's leaderboard, as the member with the most ledger rows among
  those with an open quiz and a shown leaderboard; then again with every cache off, as on a first visit;
- the back office's ledger (``pointentry``) and attempts (``quizattempt``) lists, page 1 and a search by
  a member's name, in-process median of the repeats, against stock Flask-Admin: a plain ``ModelView`` of
  the same model with the same columns, sort and searched name column, on a second ``Admin`` of the same
  app, read by the same logged-in client (goal ≤ 0.5× the stock view).

``python -m bench --reuse --only study``; ``python -m bench.study [URL]`` runs the admin lists alone.
"""
from __future__ import annotations

import os
import re
import statistics
import sys
import urllib.parse

from bench.member_pages import measure_pages
from bench.run import Figure, _logged_in_client, _median_ms, _sql_clock

ADMIN_LOGIN = "admin@thaibinh.vn"  # the whole province: the stock view, unscoped, reads the same rows
LISTS = (("pointentry", "PointEntry", "the ledger"), ("quizattempt", "QuizAttempt", "quiz attempts"))
_ROW_ID = re.compile(r'name="rowid"[^>]*value="(\d+)"')
_LINK_ID = re.compile(r'(?:[?&](?:amp;)?id=|name="id" value=")(\d+)')


def _row_ids(html: str) -> list[int]:
    """The ids of the rows a list page shows: its row checkboxes, else its rows' links and forms, in order."""
    found = _ROW_ID.findall(html) or _LINK_ID.findall(html)
    return [int(i) for i in dict.fromkeys(found)]


def _taker(url: str) -> tuple[str, dict[str, str]]:
    """The member account with the most ledger rows among those with a quiz open now in their audience and
    their branch's leaderboard shown; and its pages: label -> path."""
    from sqlalchemy import func, select

    from handbook import create_app
    from handbook.auth.models import User
    from handbook.clock import utcnow
    from handbook.config import Config
    from handbook.extensions import db
    from handbook.organizations.models import Member, Organization
    from handbook.study.models import PointEntry, Quiz
    from handbook.study.operations import board_setting

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        session = db.session
        now = utcnow()
        open_quizzes = session.execute(select(Quiz.id, Organization.path).join(Organization, Organization.id == Quiz.organization_id)
                                       .where(Quiz.open_now(now)).order_by(func.length(Organization.path), Quiz.id)).all()
        if not open_quizzes:
            raise SystemExit("No quiz is open now: seed the data set again (its last monthly quiz is open for two weeks).")
        rows = session.execute(
            select(User.login, Organization.path, func.count(PointEntry.id).label("entries"))
            .join(Member, Member.id == User.member_id).join(Organization, Organization.id == Member.organization_id)
            .join(PointEntry, PointEntry.member_id == Member.id)
            .where(User.role == "member", User.active.is_(True))
            .group_by(User.login, Organization.path).order_by(func.count(PointEntry.id).desc(), User.login).limit(200)
        ).all()
        for login, path, entries in rows:
            quiz = next((quiz_id for quiz_id, quiz_path in open_quizzes if path.startswith(quiz_path)), None)
            if quiz is not None and board_setting(session, path).mode == "shown":
                break
        else:
            raise SystemExit("No member among the 200 with the most ledger rows has an open quiz and a shown leaderboard.")
        db.session.remove()
    return login, {
        "Study home": "/study/",
        "Quiz page (open now)": f"/study/quizzes/{quiz}",
        "My points": "/study/points",
        "My branch's leaderboard": "/study/leaderboard",
    }


def measure_study_pages(url: str, password: str, duration: int, connections: int) -> list[Figure]:
    """Each study member page: req/s ≥ 30 % of one indexed lookup on the same server, p99 ≤ 50 ms."""
    return measure_pages(url, password, duration, connections, *_taker(url))


def _ours(app, endpoint: str):
    """Our back-office view at ``endpoint``, or a clear stop when the screen is not there yet."""
    admin = app.extensions["handbook_admin"]
    view = next((v for v in admin._views if v.endpoint == endpoint), None)
    if view is None:
        raise SystemExit(f"The back office has no '{endpoint}' screen: the study screens are not merged in.")
    return view


def _stock_columns(model, columns) -> list[str]:
    """The listed columns a plain ModelView can list too: the model's columns and relations' columns."""
    from sqlalchemy import inspect

    mapper = inspect(model)
    kept = []
    for name in columns:
        name = name if isinstance(name, str) else getattr(name, "key", str(name))
        head, _, rest = name.partition(".")
        if head in mapper.columns and not rest:
            kept.append(name)
        elif head in mapper.relationships and rest in inspect(mapper.relationships[head].mapper.class_).columns:
            kept.append(name)
    return kept


def _stock_view(model, ours, endpoint: str):
    """A plain Flask-Admin ModelView of ``model`` with our view's columns, default sort and page size,
    its search on the member's name."""
    from flask_admin.contrib.sqla import ModelView

    from handbook.extensions import db

    class Stock(ModelView):
        column_list = _stock_columns(model, ours.column_list or [c.key for c in model.__table__.columns])
        column_default_sort = ours.column_default_sort
        column_searchable_list = ["member.full_name"]
        page_size = ours.page_size
        can_set_page_size = False

    return Stock(model, db, endpoint=f"stock_{endpoint}", name=f"stock {endpoint}")


def measure_study_admin(url: str, password: str, repeats: int) -> list[Figure]:
    """The ledger and the attempts lists, page 1 and a member's name searched, against stock Flask-Admin."""
    from flask_admin import Admin
    from sqlalchemy import func, select

    from handbook import create_app
    from handbook.config import Config
    from handbook.extensions import db
    from handbook.organizations.models import Member
    from handbook.study import models

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url)
    stock = Admin(app, name="stock", url="/stock", endpoint="stock")
    views = {}
    for endpoint, model_name, _label in LISTS:
        model = getattr(models, model_name)
        ours = _ours(app, endpoint)
        views[endpoint] = (ours, _stock_view(model, ours, endpoint))
        stock.add_view(views[endpoint][1])
    with app.app_context():
        # The name searched: the most common full name of the members with the most attempts.
        name = db.session.execute(
            select(Member.full_name).join(models.QuizAttempt, models.QuizAttempt.member_id == Member.id)
            .group_by(Member.id, Member.full_name).order_by(func.count().desc(), Member.id).limit(1)).scalar_one()
    client = _logged_in_client(app, ADMIN_LOGIN, password)
    clock = _sql_clock(app)
    figures = []
    for endpoint, _model, label in LISTS:
        for case, query in (("page 1", ""), (f'search "{name}"', "?search=" + urllib.parse.quote_plus(name))):
            measured = {}
            for side, path in (("ours", f"/admin/{endpoint}/{query}"), ("stock", f"/stock/stock_{endpoint}/{query}")):
                pages, sql = [], []

                def view(path=path, pages=pages, sql=sql):
                    clock.clear()
                    page = client.get(path)
                    assert page.status_code == 200, (path, page.status_code)
                    pages.append(page.get_data(as_text=True))
                    sql.append(sum(clock) * 1000)

                ms = _median_ms(view, repeats)
                measured[side] = {"ms": ms, "sql_ms": statistics.median(sql[3:]), "statements": len(clock),
                                  "ids": _row_ids(pages[-1])}
            ours, theirs = measured["ours"], measured["stock"]
            same = ours["ids"] == theirs["ids"]
            figures.append(Figure(
                name=f"Admin list of {label} ({endpoint}), whole province, {case}", value=ours["ms"], unit="ms",
                floor=theirs["ms"], floor_label="stock Flask-Admin ModelView, same columns and rows",
                goal="≤ 0.5× the stock view", met=ours["ms"] <= 0.5 * theirs["ms"],
                detail={"same_rows": same, "first_ids": ours["ids"][:3], "stock_first_ids": theirs["ids"][:3],
                        "sql_ms": ours["sql_ms"], "stock_sql_ms": theirs["sql_ms"], "statements": ours["statements"],
                        "stock_statements": theirs["statements"], "columns": views[endpoint][1].column_list,
                        "login": ADMIN_LOGIN,
                        "note": "the whole request, in process; the stock view has no scope, so the admin's rows "
                                "(the whole province) are the same rows"},
            ))
    return figures


if __name__ == "__main__":  # python -m bench.study [URL]
    from bench.run import DEFAULT_URL
    from handbook.seed.thaibinh import DEFAULT_PASSWORD

    for figure in measure_study_admin(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_URL,
                                      os.environ.get("HANDBOOK_SEED_PASSWORD", DEFAULT_PASSWORD), 30):
        print(figure)
