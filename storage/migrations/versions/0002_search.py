"""full-text search over items (title, summary)

Revision ID: 0002
Revises: 0001

SQLite: an FTS5 external-content table `items_fts` kept in step with `items` by triggers.
PostgreSQL: a GIN index on to_tsvector('simple', title || ' ' || summary), ASCII punctuation made spaces
first; storage.history queries that exact expression so the planner uses it. Both fold case and keep
diacritics, so plain words find the same items.
Note for later SQLite migrations: a batch (copy-and-move) rebuild of `items` drops these triggers.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_UP = [
    """
    CREATE VIRTUAL TABLE items_fts USING fts5(
        title, summary, content='items', content_rowid='id',
        tokenize = 'unicode61 remove_diacritics 0'
    )
    """,
    """
    CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
        INSERT INTO items_fts(rowid, title, summary) VALUES (new.id, new.title, new.summary);
    END
    """,
    """
    CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
        INSERT INTO items_fts(items_fts, rowid, title, summary)
        VALUES ('delete', old.id, old.title, old.summary);
    END
    """,
    """
    CREATE TRIGGER items_fts_update AFTER UPDATE OF title, summary ON items BEGIN
        INSERT INTO items_fts(items_fts, rowid, title, summary)
        VALUES ('delete', old.id, old.title, old.summary);
        INSERT INTO items_fts(rowid, title, summary) VALUES (new.id, new.title, new.summary);
    END
    """,
    # backfill the items stored before this migration
    "INSERT INTO items_fts(items_fts) VALUES ('rebuild')",
]

_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS items_fts_update",
    "DROP TRIGGER IF EXISTS items_fts_delete",
    "DROP TRIGGER IF EXISTS items_fts_insert",
    "DROP TABLE IF EXISTS items_fts",
]

# ASCII punctuation becomes spaces before parsing: PostgreSQL's parser otherwise makes single tokens of e-mail
# addresses, paths, numbers like 1.5 and drops <tags>, where FTS5 sees plain words. storage/history.py repeats
# this exact expression so that the planner uses the index.
_PUNCTUATION = "!\"#$%&''()*+,-./:;<=>?@[\\]^_`{|}~"
_TSVECTOR = f"to_tsvector('simple', translate(title || ' ' || summary, '{_PUNCTUATION}', '{' ' * 32}'))"

# An index on an expression covers existing rows when it is built: that is the PostgreSQL backfill.
_POSTGRES_UP = [f"CREATE INDEX ix_items_fts ON items USING GIN ({_TSVECTOR})"]

_POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_items_fts"]


def upgrade() -> None:
    statements = _SQLITE_UP if op.get_bind().dialect.name == "sqlite" else _POSTGRES_UP
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    statements = _SQLITE_DOWN if op.get_bind().dialect.name == "sqlite" else _POSTGRES_DOWN
    for statement in statements:
        op.execute(statement)
