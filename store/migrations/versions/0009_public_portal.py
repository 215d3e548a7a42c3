"""the public portal: access codes, lockouts, applicants' sessions, attachments

Revision ID: 0009
Revises: 0008

Applicants follow their case with its 查询号 and a 查询码 (only the code's hash is kept); five
wrong codes lock a number for a while; an applicant's session after giving the code; files
attached to a case (stored encrypted under var/files, referenced here by digest).
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    when = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        'public_access',
        sa.Column('case_no', text(length=64), nullable=False),
        sa.Column('code_hash', text(length=64), nullable=False),
        sa.Column('created_at', when(), nullable=False),
        sa.PrimaryKeyConstraint('case_no'),
    )
    op.create_table(
        'access_lock',
        sa.Column('number', text(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('locked_until', when(), nullable=True),
        sa.Column('updated_at', when(), nullable=False),
        sa.PrimaryKeyConstraint('number'),
    )
    op.create_table(
        'public_session',
        sa.Column('id_hash', text(length=64), nullable=False),
        sa.Column('case_no', text(length=64), nullable=False),
        sa.Column('csrf', text(length=64), nullable=False),
        sa.Column('created_at', when(), nullable=False),
        sa.Column('expires_at', when(), nullable=False),
        sa.PrimaryKeyConstraint('id_hash'),
    )
    op.create_index('ix_public_session_case_no', 'public_session', ['case_no'])
    op.create_table(
        'attachment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_no', text(length=64), nullable=False),
        sa.Column('digest', text(length=64), nullable=False),
        sa.Column('name', text(length=200), nullable=False),
        sa.Column('media_type', text(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('purpose', text(length=32), nullable=False),
        sa.Column('uploaded_by', text(length=100), nullable=False),
        sa.Column('uploaded_at', when(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_no', 'digest'),
    )
    op.create_index('ix_attachment_case_no', 'attachment', ['case_no'])
    op.create_table(
        'public_message',
        sa.Column('case_no', text(length=64), nullable=False),
        sa.Column('agency', text(length=32), nullable=False),
        sa.Column('category', text(length=32), nullable=False),
        sa.Column('subject', text(length=200), nullable=False),
        sa.Column('message', text(length=2000), nullable=False),
        sa.Column('publish', sa.Boolean(), nullable=False),
        sa.Column('received_at', when(), nullable=False),
        sa.PrimaryKeyConstraint('case_no'),
    )
    op.create_index('ix_public_message_agency', 'public_message', ['agency'])
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(
            sa.Column('channel', text(length=8), nullable=False, server_default='email')
        )
        batch.add_column(sa.Column('not_before', when(), nullable=True))
    with op.batch_alter_table('case') as batch:
        batch.add_column(
            sa.Column('due_explanation', text(), nullable=False, server_default='')
        )
        batch.add_column(
            sa.Column('unit', text(length=100), nullable=False, server_default='')
        )


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('not_before')
        batch.drop_column('channel')
    op.drop_index('ix_public_message_agency', table_name='public_message')
    op.drop_table('public_message')
    with op.batch_alter_table('case') as batch:
        batch.drop_column('unit')
        batch.drop_column('due_explanation')
    op.drop_index('ix_attachment_case_no', table_name='attachment')
    op.drop_table('attachment')
    op.drop_index('ix_public_session_case_no', table_name='public_session')
    op.drop_table('public_session')
    op.drop_table('access_lock')
    op.drop_table('public_access')
