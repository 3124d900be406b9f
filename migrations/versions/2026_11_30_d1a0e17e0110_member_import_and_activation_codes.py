"""member import and activation codes: the register files brought in, and the one-time codes new accounts start with

Revision ID: d1a0e17e0110
Revises: d1a0e17e0109
Create Date: 2026-11-30 16:49:36.108822

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1a0e17e0110'
down_revision = 'd1a0e17e0109'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('activation_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['issued_by_id'], ['user_account.id'], name=op.f('fk_activation_code_issued_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_activation_code_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activation_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_activation_code_code_hash')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('activation_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activation_code_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index('ix_activation_code_user_open', ['user_id', 'used_at'], unique=False)

    op.create_table('member_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=True),
    sa.Column('applied_at', sa.DateTime(), nullable=True),
    sa.Column('sheet_name', sa.String(length=80), nullable=True),
    sa.Column('messages_name', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_member_import_organization_id_organization'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_member_import_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_import')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('member_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_import_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_import_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_import_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_import_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('member_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_import_user_id'))
        batch_op.drop_index(batch_op.f('ix_member_import_status'))
        batch_op.drop_index(batch_op.f('ix_member_import_organization_id'))
        batch_op.drop_index(batch_op.f('ix_member_import_created_at'))

    op.drop_table('member_import')
    with op.batch_alter_table('activation_code', schema=None) as batch_op:
        batch_op.drop_index('ix_activation_code_user_open')
        batch_op.drop_index(batch_op.f('ix_activation_code_expires_at'))

    op.drop_table('activation_code')
