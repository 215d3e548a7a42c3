"""an agency's GI office and its contacts for the guide and the letters (GIDR Art. 12: name,
office hours, fax, e-mail, website beside the address and phone), its units (承办单位) and the
moment it was disabled (no new cases; issue 23)

Revision ID: 0014
Revises: 0013
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TEXTS = (('office_name', 200), ('hours', 200), ('fax', 50), ('email', 200), ('website', 300))


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    with op.batch_alter_table('agency', schema=None) as batch_op:
        for name, length in TEXTS:
            batch_op.add_column(
                sa.Column(name, text(length=length), nullable=False, server_default='')
            )
        batch_op.add_column(sa.Column('units', sa.Text(), nullable=False, server_default='[]'))
        batch_op.add_column(
            sa.Column('disabled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('disabled_at')
        batch_op.drop_column('units')
        for name, _length in reversed(TEXTS):
            batch_op.drop_column(name)
