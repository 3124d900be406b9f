"""row versions for optimistic concurrency

Revision ID: d1a0e17e0102
Revises: d1a0e17e0101
Create Date: 2026-11-30 06:10:00

"""
from alembic import op
import sqlalchemy as sa

from handbook.migration_helpers import drop_column


# revision identifiers, used by Alembic.
revision = 'd1a0e17e0102'
down_revision = 'd1a0e17e0101'
branch_labels = None
depends_on = None


# Every table whose rows a screen edits (see handbook.versioning.Versioned).
TABLES = ("organization", "member", "user_account", "article", "document", "correction_request", "point_rule")


def upgrade():
    for table in TABLES:
        # In place, not batch mode: a SQLite rebuild would fire ON DELETE actions (handbook.migration_helpers).
        # The server default gives every existing row version 1.
        op.add_column(table, sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False))


def downgrade():
    for table in reversed(TABLES):
        drop_column(table, 'version')
