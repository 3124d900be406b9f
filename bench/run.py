"""The figures, each measured against a floor in the same run, and the table they make."""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_URL = "sqlite:///" + str(ROOT / "instance" / "bench-thaibinh.sqlite")
COMMITTEE_CODE = "TB-02"  # Đảng bộ huyện Đông Hưng, one of the big district committees
SEARCH = "nguyen van"
LIBRARY_SEARCH = "nghi quyet"
USER_AGENT = "handbook-bench"


@dataclass
class Figure:
    """One line of the table: a measurement, its floor, their ratio and the goal."""

    name: str
    value: float
    unit: str
    floor: float
    floor_label: str
    goal: str
    met: bool | None  # None: a reference line with no goal of its own
    ratio: float = 0.0
    detail: dict = field(default_factory=dict)

    def __post_init__(self):
        self.ratio = self.value / self.floor if self.floor else float("inf")


def _flask(args: list[str], url: str) -> subprocess.CompletedProcess:
    """Run ``flask --app wsgi ARGS`` on ``url`` and fail loudly if it fails."""
    env = {**os.environ, "DATABASE_URL": url}
    proc = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def fresh_database(url: str) -> None:
    """Empty the bench database and build it with the migrations."""
    from sqlalchemy import create_engine, text

    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    elif url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        raise SystemExit(f"Unsupported database URL: {url}")
    _flask(["db", "upgrade"], url)


def bare_insert_seconds(url: str) -> float:
    """The seeding floor: DB-API executemany of the very rows seeded, into empty temporary copies."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    raw = engine.raw_connection()
    mark = "?" if url.startswith("sqlite") else "%s"
    total = 0.0
    try:
        cursor = raw.cursor()
        for table in ("organization", "member", "user_account", "organization_move"):
            cursor.execute(f"SELECT * FROM {table}")
            rows = cursor.fetchall()
            width = len(cursor.description)
            cursor.execute(f"CREATE TEMPORARY TABLE bench_{table} AS SELECT * FROM {table} WHERE 1 = 0")
            started = time.perf_counter()
            cursor.executemany(f"INSERT INTO bench_{table} VALUES ({', '.join([mark] * width)})", rows)
            raw.commit()
            total += time.perf_counter() - started
    finally:
        raw.close()
        engine.dispose()
    return total


def measure_seeding(url: str, members: int, seed: int) -> Figure:
    """Seed through the real command; compare with a bare executemany of the same rows."""
    fresh_database(url)
    started = time.perf_counter()
    proc = _flask(["seed", "thaibinh", "--members", str(members), "--seed", str(seed)], url)
    seconds = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    floor = bare_insert_seconds(url)
    return Figure(
        name="Seeding `seed thaibinh`", value=seconds, unit="s", floor=floor,
        floor_label="DB-API executemany of the same rows",
        goal="< 300 s and < 2 GB RSS", met=seconds < 300 and rss_mb < 2048,
        detail={"members_per_second": members / seconds, "max_rss_mb": rss_mb,
                "output": proc.stdout.strip().splitlines()[-8:]},
    )


def _median_ms(fn, repeats: int) -> float:
    """Median wall time of ``fn()`` in milliseconds, after three warm-up calls."""
    for _ in range(3):
        fn()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


_NAME_CELL = re.compile(r'<td class="col-full_name">\s*(.*?)\s*</td>', re.S)


def _logged_in_client(app, login: str, password: str):
    """A test client logged in through the real form."""
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"login": login, "password": password, "csrf_token": token})
    if response.status_code != 302:
        raise SystemExit(f"Could not log in as {login}: HTTP {response.status_code}")
    # A member first acknowledges the personal-data notice (every page leads there until then).
    landing = client.get("/")
    if landing.status_code == 302 and "/me/notice" in landing.headers.get("Location", ""):
        html = client.get("/me/notice").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        client.post("/me/notice", data={"csrf_token": token})
        if client.get("/").status_code != 200:
            raise SystemExit(f"{login} still cannot reach the home page after acknowledging the data notice")
    return client


def _sql_clock(app) -> list[float]:
    """A list that collects the seconds of every statement the app's engine runs (clear it per request)."""
    from sqlalchemy import event

    from handbook.extensions import db

    clock: list[float] = []
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, *_args):
        conn.info["bench_started"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _stop(conn, *_args):
        clock.append(time.perf_counter() - conn.info.pop("bench_started", time.perf_counter()))

    return clock


def _measure_page(client, clock: list[float], path: str, repeats: int) -> tuple[float, str, float, int]:
    """GET ``path`` through ``client``: median ms, the last page's HTML, the median ms of the SQL the view
    ran (``clock``) and its statements per request."""
    pages, sql_ms, statements = [], [], [0]

    def view():
        clock.clear()
        page = client.get(path)
        assert page.status_code == 200, (path, page.status_code)
        pages.append(page.get_data(as_text=True))
        sql_ms.append(sum(clock) * 1000)
        statements[:] = [len(clock)]

    value = _median_ms(view, repeats)
    return value, pages[-1], statistics.median(sql_ms[3:]), statements[0]


def _measure_bare(app, count_sql: str, page_sql: str, repeats: int) -> tuple[float, int, list]:
    """The floor: median ms of the count and page SQL on a bare DB-API cursor; the count and the rows."""
    from handbook.extensions import db

    total, rows = [0], []
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()

            def bare():
                cursor.execute(count_sql)
                total[:] = [cursor.fetchone()[0]]
                cursor.execute(page_sql)
                rows[:] = cursor.fetchall()

            floor = _median_ms(bare, repeats)
        finally:
            raw.close()
    return floor, total[0], rows


def measure_admin_list(url: str, password: str, repeats: int) -> list[Figure]:
    """The admin member list of a committee, page 1 and an accent-free search, against bare SQL."""
    from html import unescape

    from sqlalchemy import select

    from handbook import create_app
    from handbook.auth.models import User
    from handbook.config import Config
    from handbook.extensions import db
    from handbook.organizations.models import Organization
    from handbook.scope import subtree_bounds

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        committee = db.session.execute(select(Organization).where(Organization.code == COMMITTEE_CODE)).scalar_one()
        login = db.session.execute(
            select(User.login).where(User.role == "committee", User.organization_id == committee.id)
        ).scalar_one()
        low, high = subtree_bounds(committee.path)
    client = _logged_in_client(app, login, password)
    clock = _sql_clock(app)

    scope = f"m.organization_id IN (SELECT id FROM organization WHERE path >= '{low}' AND path < '{high}')"
    words = " ".join(f"AND m.search_key LIKE '%{w}%'" for w in SEARCH.split())
    figures = []
    for label, query, extra in (("page 1", "", ""), (f'search "{SEARCH}"', "?search=" + urllib.parse.quote_plus(SEARCH), words)):
        count_sql = f"SELECT count(*) FROM member m WHERE {scope} {extra}"
        page_sql = (
            "SELECT m.id, m.full_name, m.card_number, m.date_of_birth, m.gender, m.position, m.status, m.phone,"
            f" o.id, o.code, o.name FROM member m JOIN organization o ON o.id = m.organization_id"
            f" WHERE {scope} {extra} ORDER BY m.sort_key LIMIT 25"
        )
        floor, _total, bare_rows = _measure_bare(app, count_sql, page_sql, repeats)
        value, html, view_sql, statements = _measure_page(client, clock, "/admin/member/" + query, repeats)
        shown = [unescape(n) for n in _NAME_CELL.findall(html)]
        expected = [row[1] for row in bare_rows]
        same = shown == expected
        figures.append(Figure(
            name=f"Admin member list, committee {COMMITTEE_CODE}, {label}", value=value, unit="ms", floor=floor,
            floor_label="bare SQL: count + page of the same rows", goal="≤ 3× the floor",
            met=same and value <= 3 * floor,
            detail={"same_rows": same, "first_names": shown[:3], "login": login,
                    "accent_free_match": all(n.startswith("Nguyễn") and "Văn" in n for n in shown) if extra else None,
                    "note": "the whole request: SQL, Flask-Admin's template (25 rows with their action forms), session"},
        ))
        figures.append(Figure(
            name=f"… of which SQL issued by the view ({label})", value=view_sql, unit="ms",
            floor=floor, floor_label="the same bare SQL", goal="≤ 3× the floor",
            met=view_sql <= 3 * floor, detail={"statements_per_request": statements},
        ))
    return figures


_DOCUMENT_LINK = re.compile(r'<h2><a href="/documents/(\d+)">')
_RESULT_COUNT = re.compile(r'data-testid="result-count">(\d+) ')


def measure_library(url: str, password: str, repeats: int) -> list[Figure]:
    """A member's document library with an accent-free search, against bare SQL of the same rows and total."""
    from sqlalchemy import select

    from handbook import create_app
    from handbook.auth.models import User
    from handbook.config import Config
    from handbook.content.views import PER_PAGE
    from handbook.extensions import db
    from handbook.organizations.models import Member, Organization
    from handbook.scope import subtree_bounds
    from handbook.clock import utcnow

    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        # A member with an account in a branch of the committee the admin figures use.
        committee_path = db.session.execute(
            select(Organization.path).where(Organization.code == COMMITTEE_CODE)).scalar_one()
        low, high = subtree_bounds(committee_path)
        login, branch_path = db.session.execute(
            select(User.login, Organization.path).join(Member, Member.id == User.member_id)
            .join(Organization, Organization.id == Member.organization_id)
            .where(User.role == "member", Organization.path >= low, Organization.path < high)
            .order_by(User.id).limit(1)
        ).one()
    client = _logged_in_client(app, login, password)
    clock = _sql_clock(app)

    # By hand: the member reads what the organizations on the path from their branch to the root published.
    audience = ", ".join(str(int(part)) for part in branch_path.strip("/").split("/"))
    now = utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")  # a literal both engines compare with the column
    words = " ".join(f"AND search_key LIKE '%{w}%'" for w in LIBRARY_SEARCH.split())
    where = f"organization_id IN ({audience}) AND status = 'published' AND published_at <= '{now}' {words}"
    count_sql = f"SELECT count(*) FROM document WHERE {where}"
    page_sql = (
        "SELECT id, doc_type, number, title, level, issued_on FROM document"
        f" WHERE {where} ORDER BY issued_on DESC NULLS LAST, id DESC LIMIT {PER_PAGE}"
    )
    query = "/documents/?q=" + urllib.parse.quote_plus(LIBRARY_SEARCH)
    floor, bare_total, bare_rows = _measure_bare(app, count_sql, page_sql, repeats)
    value, html, view_sql, statements = _measure_page(client, clock, query, repeats)
    shown = [int(i) for i in _DOCUMENT_LINK.findall(html)]
    shown_total = int(_RESULT_COUNT.search(html).group(1))
    expected = [row[0] for row in bare_rows]
    same = shown == expected and shown_total == bare_total
    assert same, f"the page shows {shown_total} documents {shown}, the bare SQL {bare_total} {expected}"
    assert bare_total > PER_PAGE, f"only {bare_total} documents match {LIBRARY_SEARCH!r}: seed more"
    label = f'search "{LIBRARY_SEARCH}"'
    floor_label = f"bare SQL: count + page of the same {PER_PAGE} rows"
    fixed, _html, _sql, _statements = _measure_page(client, clock, "/help", repeats)
    return [
        Figure(
            name=f"Member document library, {label}", value=value, unit="ms", floor=floor, floor_label=floor_label,
            goal="≤ 3× the floor", met=same and value <= 3 * floor,
            detail={"same_rows": same, "total": shown_total, "first_ids": shown[:3], "login": login,
                    "audience_ids": audience, "first_title": bare_rows[0][3] if bare_rows else None,
                    "note": "the whole request: session and user load, the page with its window count, "
                            "the year filter's MIN, read marks, the template"},
        ),
        Figure(
            name=f"… of which SQL issued by the view ({label})", value=view_sql, unit="ms", floor=floor,
            floor_label="the same bare SQL", goal="≤ 3× the floor", met=view_sql <= 3 * floor,
            detail={"statements_per_request": statements},
        ),
        Figure(
            name="… for reference: a member page with no query of its own (/help)", value=fixed, unit="ms",
            floor=floor, floor_label=floor_label, goal="— (the fixed cost of any member page)", met=None,
            detail={"note": "session, user load, layout template, headers: what every member page costs"},
        ),
    ]


def ensure_wrk() -> str:
    """The path of wrk, installing Debian's package when we are root and it is missing."""
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
        path = shutil.which("wrk")
    if not path:
        raise SystemExit("wrk is missing: run 'sudo apt-get install -y wrk'")
    return path


def _free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _login_cookie(base: str, login: str, password: str) -> str:
    """Log in through the real form and return the Cookie header value of the session."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    # Flask-Login ties the session to the browser's User-Agent: log in as the load tool presents itself.
    opener.addheaders = [("User-Agent", USER_AGENT)]
    html = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"login": login, "password": password, "csrf_token": token}).encode()
    page = opener.open(f"{base}/login", data=body)
    text = page.read().decode()
    if "/me/notice" in page.geturl():
        # A member first acknowledges the personal-data notice, once, through its form.
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text).group(1)
        page = opener.open(page.geturl(), data=urllib.parse.urlencode({"csrf_token": token}).encode())
        text = page.read().decode()
    if page.geturl().rstrip("/") != base or "Xin chào" not in text:
        raise SystemExit(f"Member {login} did not reach the home page (landed on {page.geturl()})")
    return "; ".join(f"{c.name}={c.value}" for c in jar if c.name == "session")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(wrk: str, url: str, duration: int, connections: int, cookie: str | None = None) -> dict:
    """Load ``url`` for ``duration`` seconds; return requests/s, p99 in ms and the error count."""
    args = [wrk, "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99, unit = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {"rps": rps, "p99_ms": float(p99) * _UNITS[unit], "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
            "socket_errors": errors.group(0) if errors else "", "requests": int(re.search(r"(\d+) requests in", out).group(1))}


ROUNDS = 3


def _combine(runs: list[dict]) -> dict:
    """Requests/s over all rounds and the median of their p99s."""
    return {"rps": statistics.mean(r["rps"] for r in runs), "p99_ms": statistics.median(r["p99_ms"] for r in runs),
            "non_2xx": sum(r["non_2xx"] for r in runs), "requests": sum(r["requests"] for r in runs)}


def _serve(url: str, port: int, **env_extra: str) -> subprocess.Popen:
    """gunicorn with the production settings (gunicorn.conf.py) serving bench.wsgi on ``port``."""
    # Plain HTTP on 127.0.0.1: cookies may not be Secure-only, or the load tool could not log in.
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": os.urandom(16).hex(), "SECURE_COOKIES": "0", **env_extra}
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
         "bench.wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def _wait_until_up(base: str) -> None:
    """Wait for the server at ``base`` to answer its health check."""
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def _load_home(wrk: str, url: str, password: str, login: str, duration: int, connections: int,
               **env_extra: str) -> tuple[dict, dict, list, list]:
    """Serve the app, log ``login`` in, then alternate short wrk runs on the floor route and the home."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(url, port, **env_extra)
    try:
        _wait_until_up(base)
        cookie = _login_cookie(base, login, password)
        run_wrk(wrk, f"{base}/_bench/lookup", 2, connections)  # warm every worker
        run_wrk(wrk, f"{base}/", 2, connections, cookie)
        # Alternate short runs, so that other work on the machine weighs on both sides alike.
        floors, homes = [], []
        for _ in range(ROUNDS):
            floors.append(run_wrk(wrk, f"{base}/_bench/lookup", max(2, duration // ROUNDS), connections))
            homes.append(run_wrk(wrk, f"{base}/", max(2, duration // ROUNDS), connections, cookie))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return _combine(floors), _combine(homes), floors, homes


def measure_member_home(url: str, password: str, duration: int, connections: int) -> list[Figure]:
    """The member home under gunicorn (gunicorn.conf.py, as in production) against one indexed lookup on
    the same server; then again with the "Hôm nay" cache off, as every member's first visit is."""
    from sqlalchemy import create_engine, text

    wrk = ensure_wrk()
    engine = create_engine(url)
    with engine.connect() as conn:
        login = conn.execute(text(
            "SELECT login FROM user_account WHERE role = 'member' ORDER BY id LIMIT 1 OFFSET 40000"
        )).scalar() or conn.execute(text("SELECT login FROM user_account WHERE role = 'member' ORDER BY id")).scalar()
    engine.dispose()
    workers = os.environ.get("WEB_CONCURRENCY") or str(2 * (os.cpu_count() or 1))
    figures = []
    for label, env_extra in (("", {}), (", cache off", {"TODAY_CACHE_SECONDS": "0"})):
        floor, home, floors, homes = _load_home(wrk, url, password, login, duration, connections, **env_extra)
        clean = home["non_2xx"] == 0 and floor["non_2xx"] == 0
        detail = {"home": home, "floor": floor, "rounds": {"home": homes, "floor": floors}, "login": login,
                  "connections": connections, "duration_s": duration, "workers": workers, "env": env_extra}
        figures += member_page_figures(f"Member home{label}", home, floor, clean, connections, detail)
    return figures


def member_page_figures(name: str, load: dict, floor: dict, clean: bool, connections: int, detail: dict) -> list[Figure]:
    """The standing member-page goal for one page under load: req/s against the one-lookup floor, and p99."""
    return [
        Figure(name=f"{name}, req/s ({connections} connections)", value=load["rps"], unit="req/s",
               floor=floor["rps"], floor_label="one indexed lookup, same server", goal="≥ 30% of the floor",
               met=clean and load["rps"] >= 0.3 * floor["rps"], detail=detail),
        Figure(name=f"{name}, p99 ({connections} connections)", value=load["p99_ms"], unit="ms",
               floor=floor["p99_ms"], floor_label="one indexed lookup, same server", goal="≤ 50 ms",
               met=clean and load["p99_ms"] <= 50, detail=detail),
    ]


def _fmt(value: float, unit: str) -> str:
    """A number with its unit, as the table shows it."""
    if unit == "req/s":
        return f"{value:,.0f} req/s"
    if unit == "s":
        return f"{value:.1f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:.1f} ms"


def table(figures: list[Figure], meta: dict) -> str:
    """The markdown table of the run."""
    lines = [
        f"# Benchmark {meta['started']} — {meta['engine']}, {meta['members']:,} members",
        "",
        f"Machine: {meta['cpus']} CPUs, Python {meta['python']}; commit {meta['commit']}; load average "
        f"{meta['load_before']:.1f} before, {meta['load_after']:.1f} after (other work on the machine skews tails).",
        "",
        "| Figure | Measured | Floor (same run) | Ratio | Goal | Met |",
        "|---|---|---|---|---|---|",
    ]
    for f in figures:
        lines.append(f"| {f.name} | {_fmt(f.value, f.unit)} | {_fmt(f.floor, f.unit)} ({f.floor_label}) | "
                     f"{f.ratio:.2f}× | {f.goal} | {'—' if f.met is None else 'yes' if f.met else 'NO'} |")
    seeding = next((f for f in figures if f.name.startswith("Seeding")), None)
    if seeding:
        lines += ["", f"Seeding: {seeding.detail['members_per_second']:,.0f} members/s, "
                      f"max RSS {seeding.detail['max_rss_mb']:.0f} MB."]
    return "\n".join(lines) + "\n"


def _commit() -> str:
    """The checked-out commit, for the record."""
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


GROUPS = ("admin", "library", "spreadsheets", "statistics", "ratings", "imports", "study", "http")


def main(argv: list[str] | None = None) -> int:
    """Run every figure, print the table and write it under bench/results/."""
    from bench.ratings import measure_evidence, measure_ratings
    from bench.spreadsheets import measure_spreadsheets
    from bench.statistics import measure_dashboard, measure_month
    from handbook.seed.thaibinh import DEFAULT_PASSWORD, FULL

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
                        help="bench database; it is EMPTIED and re-seeded unless --reuse (default: %(default)s)")
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database; skip the seeding figure")
    parser.add_argument("--members", type=int, default=FULL.members)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--repeats", type=int, default=30, help="requests per admin and library figure")
    parser.add_argument("--duration", type=int, default=15, help="seconds of load on each route, in 3 alternating runs")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--skip-http", action="store_true", help="skip the gunicorn + wrk figures")
    parser.add_argument("--only", choices=GROUPS, action="append",
                        help="measure only these groups of figures (repeatable; default: all)")
    args = parser.parse_args(argv)
    password = os.environ.get("HANDBOOK_SEED_PASSWORD", DEFAULT_PASSWORD)
    url = args.database_url
    meta = {"started": datetime.now().strftime("%Y-%m-%d %H:%M:%S"), "engine": url.split(":", 1)[0].split("+")[0],
            "members": args.members, "cpus": os.cpu_count(), "python": platform.python_version(), "commit": _commit(),
            "load_before": os.getloadavg()[0]}

    groups = set(args.only or GROUPS) - ({"http"} if args.skip_http else set())
    figures = []
    if not args.reuse:
        print(f"Seeding {args.members:,} members into {url} …", flush=True)
        figures.append(measure_seeding(url, args.members, args.seed))
    if "admin" in groups:
        print("Admin member list …", flush=True)
        figures += measure_admin_list(url, password, args.repeats)
    if "library" in groups:
        print(f"Member document library, search {LIBRARY_SEARCH!r} …", flush=True)
        figures += measure_library(url, password, args.repeats)
    if "spreadsheets" in groups:
        print("Member export of the province, CSV and xlsx …", flush=True)
        figures += measure_spreadsheets(url, password)
    if "statistics" in groups:
        print("Monthly statistics of the province, with the root's Excel and PDF …", flush=True)
        figures += measure_month(url)
        print("The dashboard, province and branch …", flush=True)
        figures += measure_dashboard(url, password, repeats=20)
    if "ratings" in groups:
        print("The province's rating sheet of 2025, xlsx and PDF …", flush=True)
        figures += measure_ratings(url)
        print("The nightly rating evidence job over the province …", flush=True)
        figures += measure_evidence(url)
    if "imports" in groups:
        from bench.imports import measure_import

        print("Importing the province's register, with a dry run and a re-import …", flush=True)
        figures += measure_import(url)
    if "study" in groups:
        from bench.study import measure_study_admin, measure_study_pages

        print("Study: the ledger and attempts admin lists against stock Flask-Admin …", flush=True)
        figures += measure_study_admin(url, password, args.repeats)
        if not args.skip_http:
            print(f"Study member pages under gunicorn, {args.duration} s per run …", flush=True)
            figures += measure_study_pages(url, password, args.duration, args.connections)
    if "http" in groups:
        print(f"Member home under gunicorn, {args.duration} s per run …", flush=True)
        figures += measure_member_home(url, password, args.duration, args.connections)
        from bench.member_pages import measure_member_pages  # it builds on this module

        print(f"News and documents member pages under gunicorn, {args.duration} s per run …", flush=True)
        figures += measure_member_pages(url, password, args.duration, args.connections)

    meta["load_after"] = os.getloadavg()[0]
    report = table(figures, meta)
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"{stamp}.md").write_text(report, encoding="utf-8")
    (RESULTS / f"{stamp}.json").write_text(
        json.dumps({"meta": meta, "figures": [asdict(f) for f in figures]}, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    print()
    print(report)
    print(f"Written to bench/results/{stamp}.md and .json")
    return 0
