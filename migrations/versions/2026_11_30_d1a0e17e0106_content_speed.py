"""content speed: audience indexes that cover the member pages' counts and page ids

Revision ID: d1a0e17e0106
Revises: d1a0e17e0105
Create Date: 2026-11-30 09:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd1a0e17e0106'
down_revision = 'd1a0e17e0105'
branch_labels = None
depends_on = None


def upgrade():
    # (organization, published_at) becomes (organization, status, published_at, ...): the library and the
    # feed count their rows and pick a page's ids on the index alone; the home's recent items still use it.
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_index('ix_article_organization_published')
        batch_op.create_index('ix_article_audience', ['organization_id', 'status', 'published_at', 'pinned'], unique=False)

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index('ix_document_organization_published')
        batch_op.create_index('ix_document_audience', ['organization_id', 'status', 'published_at', 'issued_on'], unique=False)


def downgrade():
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index('ix_document_audience')
        batch_op.create_index('ix_document_organization_published', ['organization_id', 'published_at'], unique=False)

    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_index('ix_article_audience')
        batch_op.create_index('ix_article_organization_published', ['organization_id', 'published_at'], unique=False)
