"""row versions for optimistic concurrency

Revision ID: d1a0e17e0102
Revises: d1a0e17e0101
Create Date: 2026-11-30 06:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1a0e17e0102'
down_revision = 'd1a0e17e0101'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
