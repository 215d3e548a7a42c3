"""the running clocks of each case in the read model (JSON), so that a calendar change can
recompute every open deadline in bulk, preview it and guard notified dates (issue 17)

Revision ID: 0013
Revises: 0012
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case') as batch:
        batch.add_column(sa.Column('clocks', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('case') as batch:
        batch.drop_column('clocks')
