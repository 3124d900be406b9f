"""The member pages of news and documents under gunicorn, each against the one-lookup floor of the same
server: the library (as opened and searched), the news feed, a document and an article, read by the member
with the most read marks; then again with every cache off, as on a first visit."""
from __future__ import annotations

import os
import urllib.parse
import urllib.request

from bench.run import (
    LIBRARY_SEARCH, ROUNDS, USER_AGENT, Figure, _combine, _free_port, _login_cookie, _serve, _wait_until_up,
    ensure_wrk, member_page_figures, run_wrk,
)

FLOOR = "/_bench/lookup"
CACHES_OFF = {"TODAY_CACHE_SECONDS": "0"}


def _reader(url: str) -> tuple[str, dict[str, str]]:
    """The member account with the most read marks (ties: the first), and the pages it reads: label → path."""
    from sqlalchemy import create_engine, text

    from handbook.clock import utcnow

    engine = create_engine(url)
    with engine.connect() as conn:
        login, path = conn.execute(text(
            "SELECT u.login, o.path FROM user_account u JOIN member m ON m.id = u.member_id"
            " JOIN organization o ON o.id = m.organization_id"
            " JOIN (SELECT member_id, count(*) AS marks FROM read_mark GROUP BY member_id) r ON r.member_id = m.id"
            " WHERE u.role = 'member' ORDER BY r.marks DESC, u.id LIMIT 1"
        )).one()
        # What the member reads: the organizations on the path from their branch up to the root published.
        audience = ", ".join(str(int(part)) for part in path.strip("/").split("/"))
        visible = f"organization_id IN ({audience}) AND status = 'published' AND published_at <= :now"
        now = utcnow()
        document = conn.execute(text(
            f"SELECT id FROM document d WHERE {visible}"
            " AND EXISTS (SELECT 1 FROM document_attachment a WHERE a.document_id = d.id)"
            " ORDER BY published_at DESC, id DESC LIMIT 1"), {"now": now}).scalar_one()
        article = conn.execute(text(
            f"SELECT id FROM article WHERE {visible} ORDER BY published_at DESC, id DESC LIMIT 1"), {"now": now}
        ).scalar_one()
    engine.dispose()
    return login, {
        "Library": "/documents/",
        f'Library, search "{LIBRARY_SEARCH}"': "/documents/?q=" + urllib.parse.quote_plus(LIBRARY_SEARCH),
        "News feed": "/news/",
        "Document page (with a file)": f"/documents/{document}",
        "Article page": f"/news/{article}",
    }


def _check(base: str, path: str, cookie: str) -> None:
    """Fail unless the member gets ``path`` as a page (not a redirect to the login or the data notice)."""
    request = urllib.request.Request(base + path, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
    with urllib.request.urlopen(request) as page:
        if page.status != 200 or page.geturl() != base + path:
            raise SystemExit(f"{path} answered {page.status} at {page.geturl()}")


def _load(wrk: str, url: str, password: str, login: str, pages: dict[str, str], duration: int,
          connections: int, **env_extra: str) -> tuple[dict, dict[str, dict]]:
    """Serve the app, log ``login`` in, then run the floor and every page in turn, ROUNDS times."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(url, port, **env_extra)
    try:
        _wait_until_up(base)
        cookie = _login_cookie(base, login, password)
        for path in pages.values():
            _check(base, path, cookie)
        run_wrk(wrk, base + FLOOR, 2, connections)  # warm every worker
        for path in pages.values():
            run_wrk(wrk, base + path, 1, connections, cookie)
        # Alternate short runs, so that other work on the machine weighs on every side alike.
        seconds = max(2, duration // ROUNDS)
        floors, runs = [], {label: [] for label in pages}
        for _ in range(ROUNDS):
            floors.append(run_wrk(wrk, base + FLOOR, seconds, connections))
            for label, path in pages.items():
                runs[label].append(run_wrk(wrk, base + path, seconds, connections, cookie))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return _combine(floors), {label: _combine(r) for label, r in runs.items()}


def measure_member_pages(url: str, password: str, duration: int, connections: int) -> list[Figure]:
    """Each news and documents page: req/s ≥ 30 % of one indexed lookup on the same server, p99 ≤ 50 ms."""
    return measure_pages(url, password, duration, connections, *_reader(url))


def measure_pages(url: str, password: str, duration: int, connections: int, login: str,
                  pages: dict[str, str]) -> list[Figure]:
    """Each of ``pages`` (label -> path) as ``login``, with its caches on and then off, against the
    one-lookup floor of the same server."""
    wrk = ensure_wrk()
    workers = os.environ.get("WEB_CONCURRENCY") or str(2 * (os.cpu_count() or 1))
    figures = []
    for label, env_extra in (("", {}), (", caches off", CACHES_OFF)):
        floor, loads = _load(wrk, url, password, login, pages, duration, connections, **env_extra)
        for name, load in loads.items():
            clean = load["non_2xx"] == 0 and floor["non_2xx"] == 0
            detail = {"page": load, "floor": floor, "path": pages[name], "login": login,
                      "connections": connections, "duration_s": duration, "workers": workers, "env": env_extra}
            figures += member_page_figures(f"{name}{label}", load, floor, clean, connections, detail)
    return figures

