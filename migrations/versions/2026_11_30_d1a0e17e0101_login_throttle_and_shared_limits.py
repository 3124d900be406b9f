"""login throttle and shared limits

Revision ID: d1a0e17e0101
Revises: 862c6c050de0
Create Date: 2026-11-30 06:10:00

"""
from alembic import op
import sqlalchemy as sa

from handbook.migration_helpers import drop_column


# revision identifiers, used by Alembic.
revision = 'd1a0e17e0101'
down_revision = '862c6c050de0'
branch_labels = None
depends_on = None


def upgrade():
    # Counters of the security limits, shared by every worker when there is no Redis.
    op.create_table('throttle',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('window_end', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_throttle'))
    )
    with op.batch_alter_table('throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttle_window_end'), ['window_end'], unique=False)
    # Accounts are no longer locked (anyone could lock the owner out): guessing is throttled instead.
    drop_column('user_account', 'locked_until')


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
    with op.batch_alter_table('throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttle_window_end'))
    op.drop_table('throttle')
