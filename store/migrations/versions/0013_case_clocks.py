"""the running clocks of each case in the read model (JSON), in a table of their own beside the
case rows (the board scans those: they stay narrow), so that a calendar change can recompute
every open deadline in bulk, preview it and guard notified dates (issue 17)

Revision ID: 0013
Revises: 0012
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'case_clocks',
        sa.Column('case_no', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('clocks', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('case_no'),
    )


def downgrade() -> None:
    op.drop_table('case_clocks')
