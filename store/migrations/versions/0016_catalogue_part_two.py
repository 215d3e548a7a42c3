"""the catalogue as the annual report's part 二 counts it (国办公开办函〔2021〕30号): what an entry
is (规章, 行政规范性文件, 行政处罚 or 行政强制 decisions), the decisions it publishes, the
administrative fees it reports, whether it was published late (GIDR Art. 26), and its repeal
(废止) by another document, distinct from the withdrawal of the entry (issue 24)

Revision ID: 0016
Revises: 0015
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    with op.batch_alter_table('catalogue_entry', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('doc_kind', text(length=16), nullable=False, server_default='')
        )
        batch_op.add_column(
            sa.Column('decisions', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.add_column(
            sa.Column('fee_amount_yuan', sa.BigInteger(), nullable=False, server_default='0')
        )
        batch_op.add_column(
            sa.Column('late', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column('repealed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.add_column(
            sa.Column('repealed_by', text(length=200), nullable=False, server_default='')
        )


def downgrade() -> None:
    with op.batch_alter_table('catalogue_entry', schema=None) as batch_op:
        for name in ('repealed_by', 'repealed_at', 'late', 'fee_amount_yuan', 'decisions', 'doc_kind'):
            batch_op.drop_column(name)
