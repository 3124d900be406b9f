"""scheduler heartbeat: each scheduler process keeps a row saying it is alive

The jobs screen runs in the web workers, the scheduler in a process of its own (possibly on another
machine): the only thing both see is the database, so the scheduler writes the time of its latest
beat there every 30 s and the screen reads it.

Revision ID: d1a0e17e0107
Revises: d1a0e17e0106
Create Date: 2026-11-30 09:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1a0e17e0107'
down_revision = 'd1a0e17e0106'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduler_heartbeat',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('beat_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_heartbeat'))
    )


def downgrade():
    op.drop_table('scheduler_heartbeat')
