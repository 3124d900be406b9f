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
    with op.batch_alter_table('document_attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_state', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('text_state_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_document_attachment_text_state'), ['text_state'], unique=False)
    # PDFs stored before had their text read during the upload: they are done.
    op.execute("UPDATE document_attachment SET text_state = 'done', text_state_at = created_at WHERE kind = 'pdf'")


def downgrade():
    with op.batch_alter_table('document_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_attachment_text_state'))
        batch_op.drop_column('text_state_at')
        batch_op.drop_column('text_state')
