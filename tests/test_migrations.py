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
