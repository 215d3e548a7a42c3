"""case search: the text of each case (the request or the subject), indexed for substrings;
the decision a supervisor owes on a case (the approvals inbox); the unit a user belongs to; the agency's files released to the applicant

Revision ID: 0010
Revises: 0009

Chinese has no spaces, so the index is of character trigrams: SQLite's FTS5 with the trigram
tokenizer (an external-content table over case_text, kept in step by triggers), PostgreSQL's
pg_trgm (a GIN index; if the extension cannot be created the search still answers, by scanning).
Existing cases are indexed by their numbers and summaries.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    with op.batch_alter_table('case') as batch:
        batch.add_column(sa.Column('awaiting', text(length=32), nullable=False, server_default=''))
    with op.batch_alter_table('user') as batch:
        batch.add_column(sa.Column('unit', text(length=100), nullable=False, server_default=''))
    with op.batch_alter_table('attachment') as batch:
        batch.add_column(sa.Column('released_by', text(length=100), nullable=True))
        batch.add_column(
            sa.Column('released_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    op.create_table(
        'case_text',
        sa.Column('case_no', text(length=64), nullable=False),
        sa.Column('agency', text(length=32), nullable=False),
        sa.Column('text', text(length=4000), nullable=False),
        sa.PrimaryKeyConstraint('case_no'),
    )
    op.create_index(op.f('ix_case_text_agency'), 'case_text', ['agency'], unique=False)
    bind = op.get_bind()
    newline = "char(10)" if bind.dialect.name == 'sqlite' else "chr(10)"
    op.execute(
        'INSERT INTO case_text (case_no, agency, text) '
        f'SELECT case_no, agency, case_no || {newline} || summary FROM "case"'
    )
    if bind.dialect.name == 'sqlite':
        op.execute(
            "CREATE VIRTUAL TABLE case_text_fts USING fts5("
            "text, content='case_text', content_rowid='rowid', tokenize='trigram')"
        )
        op.execute(
            "CREATE TRIGGER case_text_ai AFTER INSERT ON case_text BEGIN "
            "INSERT INTO case_text_fts(rowid, text) VALUES (new.rowid, new.text); END"
        )
        op.execute(
            "CREATE TRIGGER case_text_ad AFTER DELETE ON case_text BEGIN "
            "INSERT INTO case_text_fts(case_text_fts, rowid, text) "
            "VALUES ('delete', old.rowid, old.text); END"
        )
        op.execute(
            "CREATE TRIGGER case_text_au AFTER UPDATE ON case_text BEGIN "
            "INSERT INTO case_text_fts(case_text_fts, rowid, text) "
            "VALUES ('delete', old.rowid, old.text); "
            "INSERT INTO case_text_fts(rowid, text) VALUES (new.rowid, new.text); END"
        )
        op.execute("INSERT INTO case_text_fts(case_text_fts) VALUES ('rebuild')")
    elif bind.dialect.name == 'postgresql':
        nested = bind.begin_nested()
        try:
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            bind.exec_driver_sql(
                "CREATE INDEX case_text_trgm ON case_text USING gin (text gin_trgm_ops)"
            )
            nested.commit()
        except sa.exc.DBAPIError:
            nested.rollback()  # no pg_trgm here: the search scans instead


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for trigger in ('case_text_ai', 'case_text_ad', 'case_text_au'):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS case_text_fts")
    elif bind.dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS case_text_trgm")
    op.drop_index(op.f('ix_case_text_agency'), table_name='case_text')
    op.drop_table('case_text')
    with op.batch_alter_table('case') as batch:
        batch.drop_column('awaiting')
    with op.batch_alter_table('user') as batch:
        batch.drop_column('unit')
    with op.batch_alter_table('attachment') as batch:
        batch.drop_column('released_at')
        batch.drop_column('released_by')
