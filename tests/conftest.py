"""Shared fixtures: one migrated database per run, a small tree, factories and login helpers."""
import os
import tempfile
import threading

import pytest
from sqlalchemy import text
from werkzeug.serving import make_server

from handbook import create_app
from handbook.config import TestConfig
from handbook.extensions import db
from support import AuthActions, Factory


def _database_url(tmpdir: str) -> str:
    """PostgreSQL when TEST_DATABASE_URL says so, else a SQLite file (threads of the live server share it)."""
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{os.path.join(tmpdir, 'test.sqlite')}"


def _reset_postgres(engine) -> None:
    """Start from an empty schema so that the migrations, not leftovers, build every table."""
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def app():
    """The app on a database built by the migrations."""
    from flask_migrate import upgrade

    tmpdir = tempfile.mkdtemp(prefix="handbook-test-")
    # Files the tests upload or seed go to the run's own folder, never the checkout's instance/.
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=_database_url(tmpdir), UPLOAD_FOLDER=os.path.join(tmpdir, "uploads"))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            _reset_postgres(db.engine)
        upgrade()
    yield app


@pytest.fixture
def client(app):
    """A test client; CSRF is on, as in production."""
    return app.test_client()


@pytest.fixture(scope="session")
def make(app):
    """The factory."""
    return Factory(app)


@pytest.fixture
def dbq(app):
    """Run ``fn(session)`` in a fresh app context and return its result: a look at what is saved."""

    def run(fn):
        with app.app_context():
            return fn(db.session)

    return run


@pytest.fixture(scope="session")
def tree(make):
    """Province P; committees C1, C2; grassroots G1 under C1, G2 under C2; branches B1, B2 under G1,
    B3 under G2; two members per branch; an account per role scoped to C1 / B1."""
    t = {}
    t["P"] = make.org(kind="province", name="Đảng bộ tỉnh Thử")
    t["C1"] = make.org(t["P"], "committee", "Đảng bộ huyện Một")
    t["C2"] = make.org(t["P"], "committee", "Đảng bộ huyện Hai")
    t["G1"] = make.org(t["C1"], "grassroots", "Đảng bộ xã Một")
    t["G2"] = make.org(t["C2"], "grassroots", "Đảng bộ xã Hai")
    for branch, parent in (("B1", "G1"), ("B2", "G1"), ("B3", "G2")):
        t[branch] = make.org(t[parent], "branch", f"Chi bộ {branch}")
        t[f"{branch}.m1"] = make.member(t[branch], f"Nguyễn Văn {branch} Một")
        t[f"{branch}.m2"] = make.member(t[branch], f"Trần Thị {branch} Hai")
    t["admin"] = make.user("admin", t["P"])
    t["committee"] = make.user("committee", t["C1"])
    t["secretary"] = make.user("secretary", t["B1"], t["B1.m1"])
    t["member"] = make.user("member", t["B1"], t["B1.m2"])
    t["committee2"] = make.user("committee", t["C2"])
    return t


@pytest.fixture
def upload_folder(app, tmp_path, monkeypatch):
    """This test stores its uploads in a folder of its own; the folder's path."""
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


@pytest.fixture
def auth(client):
    """Login helper bound to ``client``."""
    return AuthActions(client)


@pytest.fixture(scope="session")
def live_server(app):
    """The app served by a real HTTP server on a free port of 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
