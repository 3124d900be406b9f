"""Set-based inserts for seeding and imports: many rows in few statements."""
from __future__ import annotations

from sqlalchemy import JSON, insert

CHUNK = 5000


def _copyable(table) -> bool:
    """Can ``table``'s rows go through PostgreSQL's COPY as plain values (no JSON to adapt)?"""
    return not any(isinstance(column.type, JSON) for column in table.columns)


def insert_rows(session, table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table``: COPY on PostgreSQL, executemany in
    chunks of CHUNK elsewhere. The caller commits."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql" and _copyable(table):
        # Row-by-row executemany to PostgreSQL is ~10× slower than COPY at a million rows.
        columns = list(rows[0])
        raw = session.connection().connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    for i in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[i:i + CHUNK])
