"""correction requests keep the value they replaced

Revision ID: d1a0e17e0105
Revises: d1a0e17e0104
Create Date: 2026-11-30 09:30:00

"""
from alembic import op
import sqlalchemy as sa

from handbook.migration_helpers import drop_column


# revision identifiers, used by Alembic.
revision = 'd1a0e17e0105'
down_revision = 'd1a0e17e0104'
branch_labels = None
depends_on = None


def upgrade():
    # In place, not batch mode: a SQLite rebuild would fire ON DELETE actions (handbook.migration_helpers).
    op.add_column('correction_request', sa.Column('previous_value', sa.String(length=300), nullable=True))


def downgrade():
    drop_column('correction_request', 'previous_value')
