"""document text extraction off the request

Revision ID: d1a0e17e0103
Revises: d1a0e17e0102
Create Date: 2026-11-30 06:10:00

"""
from alembic import op
import sqlalchemy as sa

from handbook.migration_helpers import drop_column


# revision identifiers, used by Alembic.
revision = 'd1a0e17e0103'
down_revision = 'd1a0e17e0102'
branch_labels = None
depends_on = None


def upgrade():
    # In place, not batch mode: a SQLite rebuild would fire ON DELETE actions (handbook.migration_helpers).
    op.add_column('document_attachment', sa.Column('text_state', sa.String(length=10), nullable=True))
    op.add_column('document_attachment', sa.Column('text_state_at', sa.DateTime(), nullable=True))
    op.create_index(op.f('ix_document_attachment_text_state'), 'document_attachment', ['text_state'], unique=False)
    # PDFs stored before had their text read during the upload: they are done.
    op.execute("UPDATE document_attachment SET text_state = 'done', text_state_at = created_at WHERE kind = 'pdf'")


def downgrade():
    op.drop_index(op.f('ix_document_attachment_text_state'), table_name='document_attachment')
    drop_column('document_attachment', 'text_state_at')
    drop_column('document_attachment', 'text_state')
