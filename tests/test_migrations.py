"""The schema comes from the migrations, and the models agree with them."""
import os
import tempfile

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from handbook import MIGRATIONS, create_app
from handbook.config import TestConfig
from handbook.extensions import db


def test_test_database_is_at_head(app):
    """Was the test database (SQLite or PostgreSQL) built by the migrations up to the single head?"""
    heads = ScriptDirectory(MIGRATIONS).get_heads()
    assert len(heads) == 1, f"migrations must form one line, found heads {heads}"
    with app.app_context(), db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads() == tuple(heads)


def test_models_match_migrations(app):
    """Do the models and the migrations agree on this database (PostgreSQL-only objects included)?"""
    from flask_migrate import check

    with app.app_context():
        check()  # exits with an error when autogenerate would find a difference


def test_empty_sqlite_upgrades_downgrades_and_upgrades_again():
    """Can an empty SQLite database go to head, back to nothing, and to head again?"""
    path = os.path.join(tempfile.mkdtemp(), "fresh.sqlite")
    fresh = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with fresh.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"organization", "member", "user_account", "organization_move"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert {"organization", "member", "user_account"} <= set(inspect(db.engine).get_table_names())
    create_engine(f"sqlite:///{path}").dispose()


# The head of the last release: databases in use are at this revision.
LAST_RELEASE = "862c6c050de0"
_RELEASED_ROWS = [
    "INSERT INTO organization (id, code, name, kind, path, depth, search_key, created_at) VALUES "
    "(1, 'P', 'Tỉnh', 'province', '/00000001/', 0, 'tinh', '2026-01-01'), "
    "(2, 'C', 'Huyện', 'committee', '/00000001/00000002/', 1, 'huyen', '2026-01-01')",
    "INSERT INTO member (id, full_name, search_key, sort_key, card_number, status, organization_id, position, "
    "created_at, updated_at) VALUES (1, 'Nguyễn Văn An', 'nguyen van an', 'an', '90000001', 'official', 2, "
    "'member', '2026-01-01', '2026-01-01')",
    "INSERT INTO user_account (id, login, password_hash, role, organization_id, member_id, active, failed_logins, "
    "locked_until, session_token, created_at) VALUES (1, 'a@b.vn', 'x', 'member', 2, 1, 1, 0, NULL, 't', '2026-01-01')",
    "INSERT INTO user_session (user_id, key, created_at, authenticated_at, last_seen_at) VALUES "
    "(1, 'k', '2026-01-01', '2026-01-01', '2026-01-01')",
    "INSERT INTO organization_move (organization_id, from_parent_id, to_parent_id, from_path, to_path, moved_at, "
    "moved_by_id) VALUES (2, NULL, 1, '/00000002/', '/00000001/00000002/', '2026-01-01', 1)",
]
_LINKS = "SELECT (SELECT count(*) FROM user_session), (SELECT member_id FROM user_account), " \
         "(SELECT moved_by_id FROM organization_move), (SELECT count(*) FROM member)"


def test_upgrading_a_released_sqlite_database_keeps_rows_that_refer_to_rebuilt_tables():
    """Does a SQLite database of the last release keep its login sessions and links through upgrade and downgrade
    (no column change may rebuild a table with foreign keys on, which fires ON DELETE on its children)?"""
    import sqlite3

    path = os.path.join(tempfile.mkdtemp(), "released.sqlite")
    old = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with old.app_context():
        upgrade(revision=LAST_RELEASE)
        db.session.remove()
    conn = sqlite3.connect(path)
    for statement in _RELEASED_ROWS:
        conn.execute(statement)
    conn.commit()
    assert conn.execute(_LINKS).fetchone() == (1, 1, 1, 1)
    conn.close()
    for step in (upgrade, lambda: downgrade(revision=LAST_RELEASE)):
        with old.app_context():
            step()
            db.session.remove()
        conn = sqlite3.connect(path)
        try:
            assert conn.execute(_LINKS).fetchone() == (1, 1, 1, 1)
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            conn.close()
    create_engine(f"sqlite:///{path}").dispose()
