"""sessions, idempotent requests, user audit, four eyes

Revision ID: 0007
Revises: 0006

Dashboard sessions held server-side (revocable, expiring); actions retried with the same
Idempotency-Key get the same answer; who created, disabled or re-keyed a user; an agency's
four-eyes rule (review and sign-off by two people, on by default); case-number keys remember the
request they were issued for.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'idempotent_request',
        sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('request_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=False),
        sa.Column('response', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key_hash'),
    )
    op.create_table(
        'web_session',
        sa.Column('id_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('csrf', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id_hash'),
    )
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_session_username'), ['username'], unique=False)
    op.create_table(
        'user_audit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('user_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_audit_username'), ['username'], unique=False)
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('four_eyes', sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table('case_number', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'request_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('case_number', schema=None) as batch_op:
        batch_op.drop_column('request_hash')
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('four_eyes')
    with op.batch_alter_table('user_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_audit_username'))
    op.drop_table('user_audit')
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_session_username'))
    op.drop_table('web_session')
    op.drop_table('idempotent_request')
