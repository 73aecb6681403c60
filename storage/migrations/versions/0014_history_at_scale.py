"""history at scale: indexes that match the history commands' queries, a stored search vector

Revision ID: 0014
Revises: 0013

Adds columns, indexes and triggers only (never rebuilds a table on SQLite, so 0002's FTS triggers and every
stored row stay); existing rows are backfilled here.
- item_entities.published_at: a copy of the tagged item's publication time, kept by triggers (set on insert,
  followed when the item's time changes), with the index (entity_id, published_at, item_id). /status, /chart
  and /latest <entity> read an entity's tags in a time range, or its newest ones, straight from that index
  instead of walking every item. It replaces the index on entity_id alone (its prefix).
- deliveries (chat_id, status, sent_at): a chat's latest sent alert (/status) is one index lookup.
- items (feed_id, fetched_at): /feeds counts a feed's items of the last 24 h in its index range.
- PostgreSQL: items.search_vector, a stored generated tsvector of exactly 0002's expression, with its GIN
  index (replacing 0002's expression index); /search reads the stored vector instead of computing
  to_tsvector for every row it looks at. SQLite keeps its FTS5 table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PUNCTUATION = "!\"#$%&''()*+,-./:;<=>?@[\\]^_`{|}~"
_TSVECTOR = f"to_tsvector('simple', translate(title || ' ' || summary, '{_PUNCTUATION}', '{' ' * 32}'))"

_SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER item_entities_published_at AFTER INSERT ON item_entities
    WHEN new.published_at IS NULL BEGIN
        UPDATE item_entities SET published_at = (SELECT published_at FROM items WHERE id = new.item_id)
        WHERE item_id = new.item_id AND entity_id = new.entity_id;
    END
    """,
    """
    CREATE TRIGGER items_published_at_to_tags AFTER UPDATE OF published_at ON items BEGIN
        UPDATE item_entities SET published_at = new.published_at WHERE item_id = new.id;
    END
    """,
]

_POSTGRES_TRIGGERS = [
    """
    CREATE FUNCTION item_entities_published_at() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.published_at IS NULL THEN
            SELECT published_at INTO NEW.published_at FROM items WHERE id = NEW.item_id;
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER item_entities_published_at BEFORE INSERT ON item_entities
    FOR EACH ROW EXECUTE FUNCTION item_entities_published_at()
    """,
    """
    CREATE FUNCTION items_published_at_to_tags() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE item_entities SET published_at = NEW.published_at WHERE item_id = NEW.id;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER items_published_at_to_tags AFTER UPDATE OF published_at ON items
    FOR EACH ROW WHEN (OLD.published_at IS DISTINCT FROM NEW.published_at)
    EXECUTE FUNCTION items_published_at_to_tags()
    """,
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("item_entities", sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE item_entities SET published_at ="
        " (SELECT items.published_at FROM items WHERE items.id = item_entities.item_id)"
    )
    op.drop_index("ix_item_entities_entity_id", table_name="item_entities")
    op.create_index(
        "ix_item_entities_entity_published", "item_entities", ["entity_id", "published_at", "item_id"]
    )
    op.create_index("ix_deliveries_chat_status_sent", "deliveries", ["chat_id", "status", "sent_at"])
    op.create_index("ix_items_feed_fetched_at", "items", ["feed_id", "fetched_at"])
    for statement in _SQLITE_TRIGGERS if dialect == "sqlite" else _POSTGRES_TRIGGERS:
        op.execute(statement)
    if dialect == "postgresql":
        # a stored generated column is computed for every existing row as it is added: the backfill
        op.execute(
            f"ALTER TABLE items ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({_TSVECTOR}) STORED"
        )
        op.execute("CREATE INDEX ix_items_search_vector ON items USING GIN (search_vector)")
        op.execute("DROP INDEX IF EXISTS ix_items_fts")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"CREATE INDEX ix_items_fts ON items USING GIN ({_TSVECTOR})")
        op.execute("DROP INDEX IF EXISTS ix_items_search_vector")
        op.execute("ALTER TABLE items DROP COLUMN search_vector")
        op.execute("DROP TRIGGER IF EXISTS items_published_at_to_tags ON items")
        op.execute("DROP FUNCTION IF EXISTS items_published_at_to_tags()")
        op.execute("DROP TRIGGER IF EXISTS item_entities_published_at ON item_entities")
        op.execute("DROP FUNCTION IF EXISTS item_entities_published_at()")
    else:
        op.execute("DROP TRIGGER IF EXISTS items_published_at_to_tags")
        op.execute("DROP TRIGGER IF EXISTS item_entities_published_at")
    op.drop_index("ix_items_feed_fetched_at", table_name="items")
    op.drop_index("ix_deliveries_chat_status_sent", table_name="deliveries")
    op.drop_index("ix_item_entities_entity_published", table_name="item_entities")
    op.create_index("ix_item_entities_entity_id", "item_entities", ["entity_id"])
    op.execute("ALTER TABLE item_entities DROP COLUMN published_at")
