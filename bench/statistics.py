"""The monthly statistics: the month computed for the whole province with the root's Excel and PDF,
against the bare SQL aggregates of the same figures; and the dashboard of the province (as the admin)
and of a branch (as its secretary), in-process, against the one-lookup floor.

The month measured is the last finished one, as the job on the 1st computes it; the bench database
keeps the rows it stores (they are the same figures) and the files go to a scratch folder.
"""
from __future__ import annotations

import statistics
import tempfile
import time
from datetime import date, datetime

# The counted members as they were at the month's end (:end), undoing the moves and changes of status
# recorded since: each member's first change after the end holds where and as what they were then.
MEMBERS_THEN = """
WITH moved AS (
    SELECT member_id, org FROM (
        SELECT member_id, from_organization_id AS org,
               row_number() OVER (PARTITION BY member_id ORDER BY changed_at, id) AS n
        FROM member_change WHERE changed_at >= '{end}' AND from_organization_id IS NOT NULL) AS c
    WHERE n = 1),
restated AS (
    SELECT member_id, status FROM (
        SELECT member_id, from_status AS status,
               row_number() OVER (PARTITION BY member_id ORDER BY changed_at, id) AS n
        FROM member_change WHERE changed_at >= '{end}' AND from_status IS NOT NULL) AS c
    WHERE n = 1),
members_then AS (
    SELECT m.id AS member_id, coalesce(moved.org, m.organization_id) AS organization_id,
           coalesce(restated.status, m.status) AS status
    FROM member m LEFT JOIN moved ON moved.member_id = m.id LEFT JOIN restated ON restated.member_id = m.id
    WHERE m.created_at < '{end}' AND coalesce(restated.status, m.status) IN ('official', 'probationary', 'exempt'))
"""
# Each figure as one aggregate per organization of its own members: (SQL, the keys of its columns).
FLOOR_QUERIES = (
    ("SELECT organization_id, status, count(*) FROM members_then GROUP BY organization_id, status", None),
    ("SELECT t.organization_id, count(*) FROM members_then t JOIN user_account u ON u.member_id = t.member_id"
     " WHERE u.active = TRUE AND u.created_at < '{end}' GROUP BY t.organization_id", ("accounts",)),
    ("SELECT t.organization_id, count(DISTINCT t.member_id) FROM members_then t JOIN ("
     " SELECT u.member_id FROM audit_entry a JOIN user_account u ON u.id = a.user_id"
     "  WHERE a.action = 'login' AND a.at >= '{start}' AND a.at < '{end}' AND u.member_id IS NOT NULL"
     " UNION ALL SELECT member_id FROM read_mark WHERE read_at >= '{start}' AND read_at < '{end}'"
     ") used ON used.member_id = t.member_id GROUP BY t.organization_id", ("active_members",)),
    ("SELECT t.organization_id, count(r.document_id), count(r.article_id) FROM members_then t"
     " JOIN read_mark r ON r.member_id = t.member_id WHERE r.read_at >= '{start}' AND r.read_at < '{end}'"
     " GROUP BY t.organization_id", ("documents_read", "articles_read")),
    ("SELECT organization_id, sum(month), sum(year), sum(CASE WHEN year >= {target} THEN 1 ELSE 0 END) FROM ("
     " SELECT t.member_id, t.organization_id, sum(p.points) AS year,"
     "  sum(CASE WHEN p.created_at >= '{start}' THEN p.points END) AS month"
     " FROM members_then t JOIN point_entry p ON p.member_id = t.member_id"
     " WHERE p.created_at >= '{year_start}' AND p.created_at < '{end}' GROUP BY t.member_id, t.organization_id"
     ") per_member GROUP BY organization_id", ("points_month", "points_year", "members_on_target")),
)


def _literal(moment: datetime) -> str:
    """A UTC moment as a literal both engines compare with the stored column."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def floor_counts(url: str, month: date, now: datetime, target: int) -> dict[int, dict[str, int]]:
    """The floor: every figure of every organization's own members, as bare SQL on a DB-API cursor."""
    from bench.spreadsheets import _connect
    from handbook.clock import month_bounds, year_bounds

    start, end = month_bounds(month.year, month.month)
    end = min(end, now)
    values = {"start": _literal(start), "end": _literal(end), "year_start": _literal(year_bounds(month.year)[0]),
              "target": int(target)}
    counts: dict[int, dict[str, int]] = {}
    raw = _connect(url)
    try:
        cursor = raw.cursor()
        for sql, keys in FLOOR_QUERIES:
            cursor.execute((MEMBERS_THEN + sql).format(**values))
            for org_id, *row in cursor.fetchall():
                own = counts.setdefault(org_id, {})
                if keys is None:  # members by status
                    status, count = row
                    own["members"] = own.get("members", 0) + count
                    own[f"status_{status}"] = count
                    continue
                for key, value in zip(keys, row):
                    if value:
                        own[key] = int(value)
    finally:
        raw.close()
    return counts


def month_with_files(app, month: date, now: datetime) -> dict:
    """What the job does for the month, for the root only: compute the whole tree, commit, then write
    the province's Excel and PDF; the seconds of each step."""
    from handbook.extensions import db
    from handbook.reports.operations import root_id, write_monthly_report
    from handbook.reports.statistics import compute_month

    with app.app_context():
        session = db.session
        started = time.perf_counter()
        organizations = compute_month(session, month, now)
        session.commit()
        computed = time.perf_counter()
        report = write_monthly_report(session, month, root_id(session))
        session.commit()
        written = time.perf_counter()
        sizes = {"xlsx_bytes": report.xlsx_size, "pdf_bytes": report.pdf_size}
        session.remove()
    return {"seconds": written - started, "compute_s": computed - started, "files_s": written - computed,
            "organizations": organizations, **sizes}


def _stored_own(app, month: date) -> dict[int, dict[str, int]]:
    """The counts ``compute_month`` stored for each organization's own members."""
    from sqlalchemy import select

    from handbook.extensions import db
    from handbook.reports.models import MonthlyStatistics

    with app.app_context():
        rows = db.session.execute(select(MonthlyStatistics.organization_id, MonthlyStatistics.own)
                                  .where(MonthlyStatistics.month == month)).all()
        db.session.remove()
    return {org_id: {k: v for k, v in (own or {}).items() if v} for org_id, own in rows if own}


def measure_month(url: str, rounds: int = 3) -> list:
    """The month for the whole province with the root's files, against the bare SQL of the same figures."""
    from bench.run import Figure
    from handbook import create_app
    from handbook.clock import utcnow
    from handbook.config import Config
    from handbook.reports.statistics import current_month, previous_month

    month = previous_month(current_month())
    now = utcnow()
    with tempfile.TemporaryDirectory() as scratch:
        app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, REPORTS_FOLDER=scratch)
        target = app.config["POINTS_YEARLY_TARGET"]
        ours, theirs, bare = [], [], {}
        for _ in range(rounds):  # alternate, so that other work on the machine weighs on both alike
            started = time.perf_counter()
            bare = floor_counts(url, month, now, target)
            theirs.append(time.perf_counter() - started)
            ours.append(month_with_files(app, month, now))
        stored = _stored_own(app, month)
    same = stored == bare
    seconds, floor = statistics.median(r["seconds"] for r in ours), statistics.median(theirs)
    compute = statistics.median(r["compute_s"] for r in ours)
    detail = {"same_counts": same, "month": f"{month:%Y-%m}", "organizations": ours[-1]["organizations"],
              "compute_s": compute, "files_s": statistics.median(r["files_s"] for r in ours),
              "xlsx_bytes": ours[-1]["xlsx_bytes"], "pdf_bytes": ours[-1]["pdf_bytes"],
              "rounds": {"month": ours, "floor": theirs},
              "differing_organizations": sorted(set(stored) ^ set(bare)
                                                | {o for o in set(stored) & set(bare) if stored[o] != bare[o]})[:5]}
    floor_label = "bare SQL aggregates of the same figures per organization"
    return [
        Figure(name="Monthly statistics, whole province (compute + Excel + PDF of the root)", value=seconds,
               unit="s", floor=floor, floor_label=floor_label, goal="≤ 2× the floor",
               met=same and seconds <= 2 * floor, detail=detail),
        Figure(name="… of which computing the month (figures, tree roll-up, rows stored)", value=compute, unit="s",
               floor=floor, floor_label=floor_label, goal="—", met=None, detail={}),
    ]


def measure_dashboard(url: str, password: str, repeats: int = 20) -> list:
    """The dashboard of the province as the admin and of a branch as its secretary, in-process (median of
    ``repeats``), against the one indexed lookup every in-process page is compared with."""
    from sqlalchemy import func, select

    from bench.run import Figure, _logged_in_client, _measure_page, _sql_clock
    from bench.wsgi import add_floor_route
    from handbook import create_app
    from handbook.auth.models import User
    from handbook.config import Config
    from handbook.extensions import db
    from handbook.organizations.models import Member

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url)
    add_floor_route(app)
    with app.app_context():
        admin = db.session.execute(select(User.login).where(User.role == "admin").order_by(User.id)).scalars().first()
        # The secretary of the biggest branch.
        biggest = (select(Member.organization_id).group_by(Member.organization_id)
                   .order_by(func.count().desc(), Member.organization_id).limit(1)).scalar_subquery()
        secretary = db.session.execute(select(User.login).where(User.role == "secretary",
                                                                User.organization_id == biggest)).scalar_one()
        db.session.remove()
    clock = _sql_clock(app)
    floor_client = app.test_client()
    floor, _html, _sql, _n = _measure_page(floor_client, clock, "/_bench/lookup", repeats)
    figures = []
    for label, login in (("province root as the admin", admin), ("a branch as its secretary", secretary)):
        client = _logged_in_client(app, login, password)
        value, html, sql_ms, statements = _measure_page(client, clock, "/admin/", repeats)
        figures.append(Figure(
            name=f"Dashboard /admin/, {label}", value=value, unit="ms", floor=floor,
            floor_label="one indexed lookup, in-process", goal="—", met=None,
            detail={"login": login, "sql_ms": sql_ms, "statements": statements, "bytes": len(html)},
        ))
        figures.append(Figure(
            name=f"… of which SQL issued by the view ({label})", value=sql_ms, unit="ms", floor=floor,
            floor_label="one indexed lookup, in-process", goal="—", met=None, detail={"statements": statements},
        ))
    return figures
