"""case numbers reserved in blocks per agency and year (issue 25): one row per agency and year
holds the next serial not yet reserved; a process reserves a block of serials in one statement
and hands them out itself (a gap in case numbers is harmless; a 发文字号 series is not one)

Revision ID: 0017
Revises: 0016
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'case_number_block',
        sa.Column('agency', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('next_serial', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('agency', 'year'),
    )
    # The numbers already given: each agency and year goes on after its last one.
    op.execute(
        "INSERT INTO case_number_block (agency, year, next_serial) "
        "SELECT agency, year, MAX(serial) + 1 FROM case_number GROUP BY agency, year"
    )


def downgrade() -> None:
    op.drop_table('case_number_block')
