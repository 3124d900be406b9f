"""login throttle and shared limits

Revision ID: d1a0e17e0101
Revises: 862c6c050de0
Create Date: 2026-11-30 06:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1a0e17e0101'
down_revision = '862c6c050de0'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
