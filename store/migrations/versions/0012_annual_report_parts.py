"""the annual report's other parts: reconsideration and litigation over cases (part 四), the
texts the supervisor writes (parts 一, 五, 六) and the signed report as published

Revision ID: 0012
Revises: 0011
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    when = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        'remedy_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_no', text(length=64), nullable=False),
        sa.Column('agency', text(length=32), nullable=False),
        sa.Column('proceeding', text(length=40), nullable=False),
        sa.Column('result', text(length=16), nullable=False),
        sa.Column('filed_on', sa.Date(), nullable=False),
        sa.Column('decided_on', sa.Date(), nullable=True),
        sa.Column('recorded_by', text(length=100), nullable=False),
        sa.Column('recorded_at', when(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_remedy_record_case_no'), 'remedy_record', ['case_no'], unique=False)
    op.create_index(op.f('ix_remedy_record_agency'), 'remedy_record', ['agency'], unique=False)
    op.create_table(
        'annual_report_text',
        sa.Column('agency', text(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('overview', text(length=5000), nullable=False),
        sa.Column('problems', text(length=5000), nullable=False),
        sa.Column('other', text(length=5000), nullable=False),
        sa.Column('admin_fees_wan', text(length=20), nullable=False),
        sa.Column('updated_by', text(length=100), nullable=False),
        sa.Column('updated_at', when(), nullable=True),
        sa.Column('signed_by', text(length=100), nullable=True),
        sa.Column('signed_at', when(), nullable=True),
        sa.Column('published_html', text(), nullable=False),
        sa.PrimaryKeyConstraint('agency', 'year'),
    )


def downgrade() -> None:
    op.drop_table('annual_report_text')
    op.drop_index(op.f('ix_remedy_record_agency'), table_name='remedy_record')
    op.drop_index(op.f('ix_remedy_record_case_no'), table_name='remedy_record')
    op.drop_table('remedy_record')
