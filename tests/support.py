"""Test helpers shared by the fixtures and the tests: factories, login actions, CSRF tokens, exported files."""
import csv
import io
import itertools
import re
from contextlib import contextmanager

import openpyxl
from sqlalchemy import event

from handbook.auth.models import User
from handbook.extensions import db
from handbook.organizations.models import Member, Organization
from handbook.organizations.operations import assign_path

PASSWORD = "matkhau-123"
_counter = itertools.count(1)


def csrf_token(client, url="/login") -> str:
    """Fetch ``url`` and return the CSRF token its form carries."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def export_rows(response, fmt: str) -> list[list[str]]:
    """The table of an exported CSV or xlsx file, its titles first, as lists of text (an empty cell is "");
    the CSV read past its byte-order mark, the xlsx opened with openpyxl from its header row on
    (the frozen row), below the lines that name the organization, the filter and the time."""
    if fmt == "csv":
        return list(csv.reader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    header = sheet[sheet.freeze_panes].row - 1
    return [["" if c is None else str(c) for c in row] for row in sheet.iter_rows(min_row=header, values_only=True)]


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
        # Not "Đảng viên …": its accent-free key "dang" would make every made member match a search for "Đặng".
        member = Member(full_name=name or f"Hội viên Thử {n}", card_number=f"9{n:07d}", organization_id=org.id, **fields)
        return self._save(member)

    def user(self, role, org=None, member=None, login=None) -> User:
        n = next(_counter)
        user = User(login=login or f"user{n}@test.vn", role=role,
                    organization_id=org.id if org else None, member_id=member.id if member else None,
                    # Accounts made for tests have acknowledged the data notice; its own tests reset this.
                    notice_version=self.app.config.get("DATA_NOTICE_VERSION"))
        with self.app.app_context():
            user.set_password(PASSWORD)
        return self._save(user)


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


def logged_in_client(app, user):
    """A test client of its own (a separate browser) logged in as ``user`` through the real form."""
    client = app.test_client()
    assert AuthActions(client).login(user).status_code == 302
    return client


# Transaction control, not work: the rolled-back test's savepoints would otherwise count.
_NOT_WORK = re.compile(r"\s*(SAVEPOINT|RELEASE|ROLLBACK TO|BEGIN|COMMIT|ROLLBACK)\b", re.IGNORECASE)


class QueryCount:
    """The statements run while ``count_queries`` was open: ``count`` and ``statements``."""

    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        return f"{self.count} queries:\n" + "\n".join(f"{n}. {s}" for n, s in enumerate(self.statements, 1))


@contextmanager
def count_queries(engine):
    """Count the statements ``engine`` (an Engine or a Connection) runs inside the block, transaction control left out."""
    seen = QueryCount()

    def note(_conn, _cursor, statement, _parameters, _context, _executemany):
        if not _NOT_WORK.match(statement):
            seen.statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)
