"""ids never reused on SQLite: the tables whose rows the audit trail names get AUTOINCREMENT

A plain SQLite rowid table gives a new row max(id) + 1, so the id of a deleted newest row comes
back, and an audit entry about a deleted member would come to name the next member created.
AUTOINCREMENT keeps the highest id ever used (sqlite_sequence). PostgreSQL's sequences never reuse
an id: nothing to do there.

SQLite cannot change a primary key in place, so each table is rebuilt (batch, recreate="always").
Two dangers of a rebuild are handled here:

- With foreign keys on, DROP TABLE of a parent runs an implicit DELETE that fires the children's
  ON DELETE CASCADE / SET NULL: accounts would lose their member, points and read marks would
  vanish. Foreign keys are turned off for the rebuild (the pragma is ignored inside a transaction,
  so it is set between transactions) and PRAGMA foreign_key_check must be clean before the commit.
- A dropped table takes its triggers with it (the audit trail's append-only triggers), and batch
  mode recreates only the indexes it can reflect. Every trigger and index of the rebuilt tables is
  noted before and made again after when it is missing.

Revision ID: d1a0e17e0104
Revises: d1a0e17e0103
Create Date: 2026-11-30 06:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd1a0e17e0104'
down_revision = 'd1a0e17e0103'
branch_labels = None
depends_on = None

# Every table the audit trail names by id (admin screens, accounts, sessions, its own entries).
TABLES = (
    "organization", "member", "user_account", "user_session", "article", "document", "document_attachment",
    "read_mark", "point_rule", "correction_request", "audit_entry", "job_run",
)


def upgrade():
    _rebuild(autoincrement=True)


def downgrade():
    _rebuild(autoincrement=False)


def _schema_objects(bind) -> list[tuple[str, str]]:
    """(name, sql) of the triggers and explicit indexes on the tables about to be rebuilt."""
    marks = ", ".join("?" for _ in TABLES)
    return bind.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type IN ('trigger', 'index') AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) ORDER BY type DESC, name", TABLES).all()


def _rebuild(autoincrement: bool) -> None:
    """Rebuild TABLES on SQLite with or without AUTOINCREMENT, keeping every row, link, index and trigger."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    context = op.get_context()
    with context.autocommit_block():
        op.execute("PRAGMA foreign_keys=OFF")
    raw = bind.connection.dbapi_connection
    try:
        # One transaction for every table: the driver would commit each CREATE TABLE on its own.
        op.execute("BEGIN")
        kept = _schema_objects(bind)
        for table in TABLES:
            with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
                pass
        present = {name for name, _sql in _schema_objects(bind)}
        for name, sql in kept:
            if name not in present:
                op.execute(sql)
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"rebuilding the tables would break foreign keys: {broken[:10]}")
    except BaseException:
        raw.rollback()
        raw.execute("PRAGMA foreign_keys=ON")
        raise
    with context.autocommit_block():  # commits the rebuild first
        op.execute("PRAGMA foreign_keys=ON")
