"""document text extraction off the request

Revision ID: d1a0e17e0103
Revises: d1a0e17e0102
Create Date: 2026-11-30 06:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1a0e17e0103'
down_revision = 'd1a0e17e0102'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
