"""the public catalogue of proactively disclosed information (GIDR Art. 12); the applicant's
type of each request (the annual report's columns)

Revision ID: 0011
Revises: 0010

One row per published version of a proactive item (主动公开): index (case number and version),
title, document number, summary, the day it was formed, where and when it was published, and,
once withdrawn, when and why (the row stays).
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    with op.batch_alter_table('case') as batch:
        batch.add_column(
            sa.Column('applicant_type', text(length=16), nullable=False, server_default='')
        )
    when = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        'catalogue_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_no', text(length=64), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('agency', text(length=32), nullable=False),
        sa.Column('category', text(length=32), nullable=False),
        sa.Column('title', text(length=200), nullable=False),
        sa.Column('document_no', text(length=100), nullable=False),
        sa.Column('content', text(length=500), nullable=False),
        sa.Column('formed_on', sa.Date(), nullable=False),
        sa.Column('interpretation', text(length=500), nullable=False),
        sa.Column('published_at', when(), nullable=False),
        sa.Column('channels', text(length=2000), nullable=False),
        sa.Column('url', text(length=200), nullable=False),
        sa.Column('published_by', text(length=100), nullable=False),
        sa.Column('withdrawn_at', when(), nullable=True),
        sa.Column('withdrawn_reason', text(length=2000), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_no', 'version'),
    )
    for column in ('case_no', 'agency', 'category', 'published_at'):
        op.create_index(
            op.f(f'ix_catalogue_entry_{column}'), 'catalogue_entry', [column], unique=False
        )


def downgrade() -> None:
    for column in ('case_no', 'agency', 'category', 'published_at'):
        op.drop_index(op.f(f'ix_catalogue_entry_{column}'), table_name='catalogue_entry')
    op.drop_table('catalogue_entry')
    with op.batch_alter_table('case') as batch:
        batch.drop_column('applicant_type')
