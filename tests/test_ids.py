"""The audit trail names the right row forever: no id of a table it names is ever given twice.

On SQLite a plain rowid table gives a new row max(id) + 1, so deleting the newest member handed its
id to the next one, and the old entries about the deleted member then named someone else.
"""
import os
import sqlite3
import tempfile
from types import SimpleNamespace

import pytest
from flask_migrate import upgrade
from sqlalchemy import inspect, select, text

from audit_support import entries_since, last_id
from handbook import create_app
from handbook.admin.base import ScopedModelView
from handbook.auth.models import User
from handbook.config import TestConfig
from handbook.extensions import db
from handbook.organizations.models import Member
from support import Factory, csrf_token

BEFORE = "d1a0e17e0103"  # the revision before ids were made never to come back
REBUILT = "d1a0e17e0104"  # the revision that rebuilds the tables (later ones may add columns to the rows compared)


def _named_tables(app) -> set[str]:
    """The tables whose rows the audit trail names by id: every admin screen's, and the sessions."""
    admin = app.extensions["handbook_admin"]
    screens = {v.model.__tablename__ for v in admin._views if isinstance(v, ScopedModelView)}
    return screens | {"user_session"}


def _new_member(client, tree, name, card):
    """Create a member through the admin as the logged-in committee user."""
    token = csrf_token(client, "/admin/member/new/")
    r = client.post("/admin/member/new/", data={
        "csrf_token": token, "full_name": name, "card_number": card,
        "organization": str(tree["B2"].id), "status": "official", "position": "member", "gender": "male",
    })
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]


def test_a_deleted_members_id_is_never_given_to_the_next(app, client, auth, dbq, tree):
    """After the newest member is deleted in the admin, does the next member get a new, larger id, so the deletion's audit entry still names only the deleted one?"""
    auth.login(tree["committee"])
    _new_member(client, tree, "Đặng Văn Sẽ Bị Xóa", "55000001")
    gone = dbq(lambda s: s.execute(select(Member).where(Member.full_name == "Đặng Văn Sẽ Bị Xóa")).scalar_one().id)
    assert gone == dbq(lambda s: s.execute(select(Member.id).order_by(Member.id.desc())).scalars().first())
    since = last_id(dbq)
    token = csrf_token(client, "/admin/member/")
    assert client.post("/admin/member/delete/", data={"id": gone, "csrf_token": token}).status_code == 302
    assert dbq(lambda s: s.get(Member, gone)) is None
    [deletion] = entries_since(dbq, since, "delete")
    assert deletion.entity_id == gone

    _new_member(client, tree, "Đặng Thị Đến Sau", "55000002")
    after = dbq(lambda s: s.execute(select(Member).where(Member.full_name == "Đặng Thị Đến Sau")).scalar_one().id)
    assert after > gone
    assert dbq(lambda s: s.get(Member, deletion.entity_id)) is None  # the deletion's entry names no one alive


def test_every_table_the_audit_names_never_reuses_ids(app, dbq):
    """Is every table named by the audit (each admin screen's, the sessions) built so that ids never come back on this engine?"""
    tables = _named_tables(app)
    assert {"member", "organization", "user_account", "audit_entry", "correction_request"} <= tables
    for name in tables:
        model_table = db.metadata.tables[name]
        assert model_table.dialect_options["sqlite"]["autoincrement"], f"{name}: add NEVER_REUSE_IDS to __table_args__"

    def built(s):
        if s.get_bind().dialect.name == "sqlite":
            return {n: sql for n, sql in s.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))}
        columns = {n: inspect(s.get_bind()).get_columns(n) for n in tables}
        return {n: str([c for c in cols if c["name"] == "id"][0]) for n, cols in columns.items()}

    schema = dbq(built)
    for name in tables:
        assert "AUTOINCREMENT" in schema[name] or "nextval" in schema[name] or "identity" in schema[name], (name, schema[name])


def _contents(path) -> dict[str, list]:
    """Every row of every table of the SQLite file at ``path``, in rowid order."""
    conn = sqlite3.connect(path)
    try:
        names = [n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        return {n: conn.execute(f'SELECT * FROM "{n}" ORDER BY rowid').fetchall() for n in names if n != "alembic_version"}
    finally:
        conn.close()


def _fill(app):
    """Organizations, members with accounts, sessions, news read with points, a correction request, audit entries."""
    from datetime import datetime

    from handbook.audit.operations import record
    from handbook.auth.sessions import UserSession
    from handbook.content.models import Article
    from handbook.content.operations import mark_read
    from handbook.privacy.models import CorrectionRequest

    make = Factory(app)
    province = make.org(kind="province", name="Tỉnh Cũ")
    branch = make.org(make.org(province, "grassroots"), "branch")
    members = [make.member(branch, f"Đảng viên Cũ {i}") for i in range(5)]
    users = [make.user("member", branch, m) for m in members[:3]] + [make.user("secretary", branch)]
    with app.app_context():
        article = Article(title="Tin cũ", body_html="<p>Nội dung</p>", organization_id=province.id, status="published",
                          published_at=datetime(2026, 1, 1), points=2)
        db.session.add(article)
        db.session.add_all([UserSession(user_id=u.id) for u in users])
        # Core, with the columns the old schema has: the model's newer columns (previous_value) are not there yet.
        db.session.execute(CorrectionRequest.__table__.insert().values(member_id=members[0].id, field="phone",
                                                                        requested_value="0912345678"))
        db.session.flush()
        for m in members:
            mark_read(db.session, m.id, article)
        for m in members:
            record("view", "member", m.id, user=db.session.get(User, users[-1].id), subjects=[m.id])
        db.session.commit()
    return members


# Tables the audit came to name after d1a0e17e0104, rebuilt with AUTOINCREMENT by a later migration:
# point_entry by d1a0e17e0111 (manual awards and corrections); test_every_table_the_audit_names_never_reuses_ids
# checks them at the head.
REBUILT_LATER = {"point_entry"}


def test_upgrading_an_old_sqlite_database_keeps_every_row_and_link():
    """Does the rebuild of a SQLite database holding data keep every row and every child link (no cascade fired), the indexes and the audit's triggers?"""
    path = os.path.join(tempfile.mkdtemp(), "old.sqlite")
    old = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with old.app_context():
        upgrade(revision=BEFORE)
    members = _fill(old)
    before = _contents(path)
    conn = sqlite3.connect(path)
    objects_before = set(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')"))
    conn.close()
    assert before["user_account"] and before["point_entry"] and before["read_mark"] and before["audit_subject"]

    with old.app_context():
        upgrade(revision=REBUILT)
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        # The pooled connections are handed back with foreign keys on again.
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.session.remove()
    after = _contents(path)
    assert {name: after[name] for name in before} == before  # later migrations may add tables
    conn = sqlite3.connect(path)
    try:
        assert set(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')")) == objects_before
        for name in _named_tables(old):
            row = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()
            if row is None or name in REBUILT_LATER:
                continue  # a later migration's table, or one a later migration rebuilds with AUTOINCREMENT
            assert "AUTOINCREMENT" in row[0], name
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM audit_entry")
    finally:
        conn.close()

    # And now the newest member's id stays retired.
    newest = members[-1]
    with old.app_context():
        db.session.execute(text("DELETE FROM member WHERE id = :i"), {"i": newest.id})
        db.session.commit()
    later = Factory(old).member(SimpleNamespace(id=newest.organization_id))
    assert later.id > newest.id
    # The migrations after the rebuild take the filled database to head too.
    with old.app_context():
        upgrade()
        assert db.session.execute(text("SELECT requested_value, previous_value FROM correction_request")).all() == [
            ("0912345678", None)]
        db.session.remove()
