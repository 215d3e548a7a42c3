"""press-conference plans are their own kind

Revision ID: 0008
Revises: 0007

A yearly press-conference plan was projected as kind ``emergency`` (it shares that family's rule
pack section); it is now the registry's kind ``press_plan``. Its statuses (running, completed)
are not an emergency's (drafting, awaiting_approval, released, closed), which tells the rows
apart.
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    case = sa.table('case', sa.column('kind', sa.String()), sa.column('status', sa.String()))
    op.get_bind().execute(
        case.update()
        .where(case.c.kind == 'emergency', case.c.status.in_(('running', 'completed')))
        .values(kind='press_plan')
    )


def downgrade() -> None:
    case = sa.table('case', sa.column('kind', sa.String()))
    op.get_bind().execute(
        case.update().where(case.c.kind == 'press_plan').values(kind='emergency')
    )
