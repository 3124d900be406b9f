"""Extensions, created unbound and bound to the app in create_app()."""
from flask_babel import Babel
from flask_compress import Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base whose constraint names are stable, so Alembic can alter them later."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


# Table options of every table whose rows the audit trail names by id: on SQLite AUTOINCREMENT,
# so an id freed by deleting the newest row is never given to the next one (an old entry about a
# deleted member must not come to point at someone else). PostgreSQL's sequences never reuse ids.
NEVER_REUSE_IDS = {"sqlite_autoincrement": True}

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
babel = Babel()
csrf = CSRFProtect()
compress = Compress()


def dialect_insert(session):
    """The INSERT of ``session``'s database, which knows ON CONFLICT DO NOTHING (PostgreSQL, SQLite)."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
