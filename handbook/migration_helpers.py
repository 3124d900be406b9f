"""Schema steps the migrations share where Alembic's own would lose data on SQLite."""
from alembic import op


def drop_column(table: str, column: str) -> None:
    """Drop ``column`` in place (SQLite ≥ 3.35 ``DROP COLUMN``, or the engine's own).

    Alembic's batch mode rebuilds a SQLite table to drop a column, and dropping the old table with
    foreign keys on runs an implicit DELETE that fires ON DELETE CASCADE / SET NULL on every row
    that refers to it: dropping ``user_account.locked_until`` that way deleted every login session
    and read-later list. The column must carry no index, constraint or trigger (drop those first).
    """
    op.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
