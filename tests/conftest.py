"""Shared fixtures: one migrated database per run, a small tree, factories and login helpers."""
import itertools
import os
import re
import tempfile

import pytest
from sqlalchemy import text

from handbook import create_app
from handbook.auth.models import User
from handbook.config import TestConfig
from handbook.extensions import db
from handbook.organizations.models import Member, Organization
from handbook.organizations.operations import assign_path

PASSWORD = "matkhau-123"
_counter = itertools.count(1)


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
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=_database_url(tmpdir))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            _reset_postgres(db.engine)
        upgrade()
    yield app


@pytest.fixture
def client(app):
    """A test client; CSRF is on, as in production."""
    return app.test_client()


def csrf_token(client, url="/login") -> str:
    """Fetch ``url`` and return the CSRF token its form carries."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


class Factory:
    """Makes organizations, members and accounts with unique codes, each in its own app context.

    Requests reuse an app context that is already pushed (and its ``g`` and session), so tests
    never keep one open; the rows come back detached, their columns loaded.
    """

    def __init__(self, app):
        self.app = app

    def _save(self, obj, after_add=None):
        with self.app.app_context():
            db.session.add(obj)
            if after_add:
                after_add(obj)
            db.session.commit()
            db.session.refresh(obj)
            db.session.expunge(obj)
        return obj

    def org(self, parent=None, kind="branch", name=None) -> Organization:
        n = next(_counter)
        org = Organization(code=f"T{n:05d}", name=name or f"Tổ chức thử {n}", kind=kind,
                           parent_id=parent.id if parent else None)
        return self._save(org, lambda o: assign_path(db.session, o))

    def member(self, org, name=None, **fields) -> Member:
        n = next(_counter)
        member = Member(full_name=name or f"Đảng viên Thử {n}", card_number=f"9{n:07d}", organization_id=org.id, **fields)
        return self._save(member)

    def user(self, role, org=None, member=None, login=None) -> User:
        n = next(_counter)
        user = User(login=login or f"user{n}@test.vn", role=role,
                    organization_id=org.id if org else None, member_id=member.id if member else None)
        with self.app.app_context():
            user.set_password(PASSWORD)
        return self._save(user)


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


class AuthActions:
    """Log a test client in and out through the real pages (CSRF included)."""

    def __init__(self, client):
        self.client = client

    def login(self, user_or_login, password=PASSWORD, remember=False, next_url=None):
        login = getattr(user_or_login, "login", user_or_login)
        token = csrf_token(self.client)
        url = "/login" + (f"?next={next_url}" if next_url else "")
        data = {"login": login, "password": password, "csrf_token": token}
        if remember:
            data["remember"] = "y"
        return self.client.post(url, data=data)

    def logout(self):
        token = csrf_token(self.client, "/")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    """Login helper bound to ``client``."""
    return AuthActions(client)
