"""case concluded_on (annual report, GIDR Art. 50)

Revision ID: 0005
Revises: 0004

Adds the day a case was concluded and fills it for existing cases from their projected events:
the Asia/Shanghai date of the first reply, deemed abandonment, stop of processing or withdrawal.
"""

from datetime import date
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# The event kinds that conclude a case (activities/cases.py CONCLUDING_EVENTS; frozen here).
CONCLUDING = ('replied', 'deemed_abandoned', 'processing_stopped', 'withdrawn')


def upgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('concluded_on', sa.Date(), nullable=True))

    case = sa.table('case', sa.column('case_no', sa.String()), sa.column('concluded_on', sa.Date()))
    event = sa.table(
        'case_event',
        sa.column('case_no', sa.String()),
        sa.column('kind', sa.String()),
        sa.column('at', sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    bind = op.get_bind()
    shanghai = ZoneInfo('Asia/Shanghai')
    first: dict[str, date] = {}
    for case_no, at in bind.execute(
        sa.select(event.c.case_no, event.c.at)
        .where(event.c.kind.in_(CONCLUDING))
        .order_by(event.c.at)
    ):
        first.setdefault(case_no, at.astimezone(shanghai).date())
    for case_no, day in first.items():
        bind.execute(case.update().where(case.c.case_no == case_no).values(concluded_on=day))


def downgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_column('concluded_on')
