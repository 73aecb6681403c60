"""public story outputs: which items alerted, and stories in the order they change

Revision ID: 0011
Revises: 0007

Adds a column and an index only (never rebuilds a table, so 0002's FTS triggers and every stored row stay):
- items.alertable: the item was news when it arrived (its feed's history was loaded, it was tagged, and it was
  at most 24 h old). A chat subscribed to an entity receives exactly the stories with an alertable item
  tagged with that entity, and the Atom feeds and the JSON API show those same stories. Existing items are
  marked from what is stored: an item that queued an alert or an edit was alertable; so is a tagged item
  first seen within 24 h of its publication, after its feed's first fetch.
- ix_stories_updated_at_id on stories (updated_at, id): the feeds show the most recently changed stories
  first, and the API pages through them by (updated_at, id).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RECENT = {
    "sqlite": "julianday(items.fetched_at) - julianday(items.published_at) <= 1.0",
    "postgresql": "items.fetched_at - items.published_at <= interval '24 hours'",
}


def upgrade() -> None:
    op.add_column("items", sa.Column("alertable", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_stories_updated_at_id", "stories", ["updated_at", "id"])
    recent = _RECENT[op.get_bind().dialect.name]
    op.execute(
        "UPDATE items SET alertable = true WHERE"
        " items.id IN (SELECT item_id FROM deliveries UNION SELECT item_id FROM delivery_updates)"
        " OR (items.id IN (SELECT item_id FROM item_entities)"
        f" AND {recent}"
        " AND items.fetched_at > (SELECT MIN(first.fetched_at) FROM items AS first"
        " WHERE first.feed_id = items.feed_id))"
    )


def downgrade() -> None:
    op.drop_index("ix_stories_updated_at_id", table_name="stories")
    op.drop_column("items", "alertable")
