"""Shared fixtures: one migrated database per run, a small tree, factories and login helpers."""
import os
import tempfile
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text
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
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=_database_url(tmpdir), UPLOAD_FOLDER=os.path.join(tmpdir, "uploads"),
                     REPORTS_FOLDER=os.path.join(tmpdir, "reports"))
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


def _emit_begin(connection) -> None:
    """pysqlite with ``isolation_level=None`` starts no transaction itself: begin one where SQLAlchemy does."""
    connection.exec_driver_sql("BEGIN")


@contextmanager
def _savepoint_of(connection):
    """What ``engine.begin()`` gives the code under test: a savepoint of the test's transaction."""
    with connection.begin_nested():
        yield connection


@pytest.fixture
def rollback_db(app):
    """This test's writes, its requests' commits included, are rolled back at its end; yields the one connection they go through.

    SQLAlchemy's "join an external transaction" recipe: while the test runs, the app's engine is this
    one connection, so every ``db.session`` (one per app context, hence one per request and per
    Factory call) joins the outer transaction in a savepoint of its own (``commit()`` and
    ``rollback()`` under test still work), and the code that writes apart from the request's
    transaction (``db.engine.begin()``, ``Session(db.engine)``: login limits, the audit trail) writes
    in a savepoint too instead of on a connection of its own, which SQLite would lock out. Session-
    scoped fixtures (``tree``) are made before it, outside the transaction; not for ``live_server``,
    whose threads would share the connection.
    """
    with app.app_context():
        engine, engines = db.engine, db.engines
    connection = engine.connect()
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        # pysqlite's own transaction handling breaks SAVEPOINT: turn it off and emit BEGIN ourselves
        # (SQLAlchemy's "Serializable isolation / Savepoints / Transactional DDL" for pysqlite).
        driver = connection.connection.dbapi_connection
        isolation_level, driver.isolation_level = driver.isolation_level, None
        event.listen(connection, "begin", _emit_begin)
    outer = connection.begin()
    connection.begin = lambda: _savepoint_of(connection)  # for the app's `with db.engine.begin()`
    session_options = dict(db.session.session_factory.kw)
    db.session.session_factory.configure(join_transaction_mode="create_savepoint")
    engines[None] = connection
    try:
        yield connection
    finally:
        engines[None] = engine
        db.session.session_factory.kw = session_options
        outer.rollback()
        if sqlite:
            driver.isolation_level = isolation_level
        connection.close()


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
