"""faster storing: stories remember their first item; items indexed by feed and content hash

Revision ID: 0004
Revises: 0003

Adds a column and an index only (never rebuilds a table, so 0002's FTS triggers and every stored row stay):
- stories.first_item_id: the item that started the story. Stories started together are inserted with one
  statement, and this is how each new id is matched to its item. Filled in for existing stories from their
  oldest item. No foreign key: items point at stories, and the number stays if that item is deleted.
- ix_items_feed_content_hash on items (feed_id, content_hash): a poll asks which of its items' content hashes
  the feed already has (the same story re-published under a new guid), which otherwise reads all the feed's
  items.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("stories", sa.Column("first_item_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE stories SET first_item_id ="
        " (SELECT MIN(items.id) FROM items WHERE items.story_id = stories.id)"
    )
    op.create_index("ix_items_feed_content_hash", "items", ["feed_id", "content_hash"])


def downgrade() -> None:
    op.drop_index("ix_items_feed_content_hash", table_name="items")
    op.drop_column("stories", "first_item_id")
