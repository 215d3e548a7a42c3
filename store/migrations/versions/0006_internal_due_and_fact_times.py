"""case internal_due_at; case_event occurred_at

Revision ID: 0006
Revises: 0005

The board and alerts count from the internal due date (LAW.md §6.4(3): a provisional year's
safety margin) rather than the legal one; existing rows start with their legal date. Events
that record an external fact keep when it happened beside when it was recorded.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('internal_due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.create_index(
            batch_op.f('ix_case_internal_due_at'), ['internal_due_at'], unique=False
        )
    case = sa.table(
        'case',
        sa.column('due_at', sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column('internal_due_at', sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    op.get_bind().execute(case.update().values(internal_due_at=case.c.due_at))
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('occurred_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_column('occurred_at')
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_internal_due_at'))
        batch_op.drop_column('internal_due_at')
