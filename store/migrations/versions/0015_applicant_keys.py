"""who applied, as keyed digests (GIDR Art. 36(6): a repeat request is refused only to the same
applicant): one row per HMAC digest of a disclosure case's identity document, or of the
applicant's name with a telephone or e-mail, under each key derived from the codec keys;
never the number or the name in clear (issue 24)

Revision ID: 0015
Revises: 0014
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        'applicant_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_no', text(length=64), nullable=False),
        sa.Column('agency', text(length=32), nullable=False),
        sa.Column('kind', text(length=16), nullable=False),
        sa.Column('digest', text(length=100), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_no', 'digest'),
    )
    for column in ('case_no', 'agency', 'digest'):
        op.create_index(op.f(f'ix_applicant_key_{column}'), 'applicant_key', [column], unique=False)


def downgrade() -> None:
    for column in ('case_no', 'agency', 'digest'):
        op.drop_index(op.f(f'ix_applicant_key_{column}'), table_name='applicant_key')
    op.drop_table('applicant_key')
