"""two-character search by index (issue 25): on SQLite, an FTS5 index of every case text's pairs
of adjacent characters (unicode61 takes each space-separated pair as a word; contentless, kept by
store/search.py). A two-character query — a common Chinese word, which a trigram index cannot
serve — scanned every text of the agency (p95 186 ms at 100,000 cases); it now looks the pair up
and checks the candidates' texts. PostgreSQL: nothing (it scans, as before).

Revision ID: 0019
Revises: 0018
"""

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def _pairs(text: str) -> str:  # as store/search.py's pairs() at this revision
    found = (text[i : i + 2] for i in range(len(text) - 1))
    return " ".join(dict.fromkeys(p for p in found if p.isalnum()))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'sqlite':
        return
    op.execute(
        "CREATE VIRTUAL TABLE case_text_fts_pairs USING fts5("
        "pairs, content='', tokenize='unicode61')"
    )
    rows = bind.execute(sa.text("SELECT rowid, text FROM case_text")).all()
    insert = sa.text("INSERT INTO case_text_fts_pairs(rowid, pairs) VALUES (:r, :p)")
    for start in range(0, len(rows), 5000):
        chunk = rows[start : start + 5000]
        bind.execute(insert, [{"r": r, "p": _pairs(t)} for r, t in chunk])


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP TABLE IF EXISTS case_text_fts_pairs")
