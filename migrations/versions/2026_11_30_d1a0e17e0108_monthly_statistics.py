"""monthly statistics: members' moves and status changes, the computed figures, the report files

A past month's figures count each member in the branch and with the status they had then, so a
move or a change of status is recorded as it happens (member_change). The figures of every
organization for a month are kept with the tree as it was (monthly_statistics); the Excel and PDF
files written from them are listed in generated_report.

Revision ID: d1a0e17e0108
Revises: d1a0e17e0107
Create Date: 2026-11-30 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd1a0e17e0108'
down_revision = 'd1a0e17e0107'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('member_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('from_organization_id', sa.Integer(), nullable=True),
    sa.Column('to_organization_id', sa.Integer(), nullable=True),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_change_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_change'))
    )
    with op.batch_alter_table('member_change', schema=None) as batch_op:
        batch_op.create_index('ix_member_change_member_at', ['member_id', 'changed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_change_changed_at'), ['changed_at'], unique=False)

    op.create_table('monthly_statistics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('totals', sa.JSON(), nullable=False),
    sa.Column('own', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(), nullable=False),
    sa.Column('final', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_monthly_statistics_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_statistics')),
    sa.UniqueConstraint('month', 'organization_id', name='uq_monthly_statistics_month_organization')
    )
    with op.batch_alter_table('monthly_statistics', schema=None) as batch_op:
        batch_op.create_index('ix_monthly_statistics_month_parent', ['month', 'parent_id'], unique=False)
        batch_op.create_index('ix_monthly_statistics_organization_month', ['organization_id', 'month'], unique=False)

    op.create_table('generated_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('xlsx_path', sa.String(length=255), nullable=False),
    sa.Column('pdf_path', sa.String(length=255), nullable=False),
    sa.Column('xlsx_size', sa.Integer(), nullable=False),
    sa.Column('pdf_size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_generated_report_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_generated_report_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_generated_report')),
    sa.UniqueConstraint('kind', 'organization_id', 'period', name='uq_generated_report_kind_organization_period'),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('generated_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_generated_report_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_generated_report_created_at'), ['created_at'], unique=False)


def downgrade():
    op.drop_table('generated_report')
    op.drop_table('monthly_statistics')
    op.drop_table('member_change')
