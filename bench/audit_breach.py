"""Measure the breach-response queries at thaibinh scale (108,600 members).

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/DB .venv/bin/python bench/audit_breach.py

WARNING: it empties the database it is given (drops and rebuilds the schema by the migrations).
Without DATABASE_URL it uses a throwaway SQLite file.
"""
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from handbook import create_app  # noqa: E402
from handbook.audit.models import AuditEntry, AuditSubject  # noqa: E402
from handbook.audit.operations import record  # noqa: E402
from handbook.audit.queries import members_seen_by, who_saw_member  # noqa: E402
from handbook.extensions import db  # noqa: E402
from handbook.organizations.models import Member, Organization  # noqa: E402

MEMBERS, ACCOUNTS, EXPORTS, VIEWS, NOISE = 108_600, 200, 10, 300_000, 300_000


def timed(label, fn, repeat=1):
    """Run ``fn`` ``repeat`` times; print and return the median seconds."""
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    print(f"{label}: median {statistics.median(times):.3f} s (max {max(times):.3f} s, n={repeat})", flush=True)
    return result


def main():
    url = os.environ.get("DATABASE_URL") or "sqlite:///" + os.path.join(tempfile.mkdtemp(), "bench.sqlite")
    app = create_app(SQLALCHEMY_DATABASE_URI=url)
    rng = random.Random(6)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        print(f"database: {db.engine.dialect.name}", flush=True)

        def fill():
            with db.engine.begin() as conn:
                conn.execute(insert(Organization), [{"id": 1, "code": "TB", "name": "Tỉnh", "kind": "province",
                                                     "path": "/00000001/", "depth": 0, "search_key": "tinh", "created_at": datetime(2026, 1, 1)}])
                conn.execute(insert(Member), [{"id": i, "full_name": f"Đảng viên {i}", "search_key": f"dang vien {i}", "sort_key": f"{i:08d}",
                                               "card_number": f"{i:08d}", "status": "official", "organization_id": 1, "position": "member",
                                               "created_at": datetime(2026, 1, 1), "updated_at": datetime(2026, 1, 1)} for i in range(1, MEMBERS + 1)])
                start = datetime(2026, 1, 1)
                base = {"entity_id": None, "detail": None}
                entry_id = 0
                entries, subjects = [], []
                for e in range(EXPORTS):  # full-province exports
                    entry_id += 1
                    entries.append({**base, "id": entry_id, "at": start + timedelta(days=e), "user_id": e + 1, "login": f"u{e + 1}",
                                    "action": "export", "entity": "member", "detail": {"rows": MEMBERS}})
                    subjects += [{"entry_id": entry_id, "member_id": m} for m in range(1, MEMBERS + 1)]
                for v in range(VIEWS):  # single-record opens
                    entry_id += 1
                    m = rng.randint(1, MEMBERS)
                    entries.append({**base, "id": entry_id, "at": start + timedelta(seconds=v * 60), "user_id": rng.randint(1, ACCOUNTS),
                                    "login": "u", "action": "view", "entity": "member", "entity_id": m})
                    subjects.append({"entry_id": entry_id, "member_id": m})
                for n in range(NOISE):  # logins and other noise
                    entry_id += 1
                    entries.append({**base, "id": entry_id, "at": start + timedelta(seconds=n * 60), "user_id": rng.randint(1, ACCOUNTS),
                                    "login": "u", "action": "login", "entity": "user_account"})
                for chunk in range(0, len(entries), 50_000):
                    conn.execute(insert(AuditEntry), entries[chunk:chunk + 50_000])
                for chunk in range(0, len(subjects), 100_000):
                    conn.execute(insert(AuditSubject), subjects[chunk:chunk + 100_000])
                if db.engine.dialect.name == "postgresql":
                    conn.execute(text("SELECT setval('audit_entry_id_seq', (SELECT max(id) FROM audit_entry))"))
                    conn.execute(text("ANALYZE"))
            return entry_id

        n = timed(f"fill: {MEMBERS} members, {EXPORTS} full exports + {VIEWS} views + {NOISE} other entries", fill)
        print(f"audit entries: {n}, subject rows: {EXPORTS * MEMBERS + VIEWS}", flush=True)
        members = [rng.randint(1, MEMBERS) for _ in range(20)]
        it = iter(members * 2)
        rows = timed("who opened or exported member X", lambda: len(who_saw_member(db.session, next(it))), repeat=20)
        print(f"  (last answer: {rows} entries)")
        rows = timed("which members did account Y (a full exporter) see", lambda: len(members_seen_by(db.session, 3)), repeat=5)
        print(f"  (answer: {rows} members)")
        viewer = ACCOUNTS
        rows = timed("which members did account Y (a viewer only) see", lambda: len(members_seen_by(db.session, viewer)), repeat=5)
        print(f"  (answer: {rows} members)")
        ids = list(range(1, MEMBERS + 1))
        with app.test_request_context("/"):
            timed("recording one export of 108,600 members (entry + subject rows)",
                  lambda: record("export", "member", None, detail={"rows": MEMBERS}, subjects=ids, separate=True), repeat=3)


if __name__ == "__main__":
    main()
