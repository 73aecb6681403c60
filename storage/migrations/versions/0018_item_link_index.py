"""item link index: ix_items_link

Revision ID: 0018
Revises: 0017

Adds an index only (never rebuilds a table on SQLite, so every stored row and trigger stays): /missed <url>
finds the newest stored item with that link in the index instead of reading every item. On PostgreSQL it is
a hash index: it keeps a 4-byte hash of each link, where a btree keeps the link itself and refuses an entry
past about 2.7 KB, so one long link (a hostile feed's, or one already stored) would fail the insert of its
item, or this upgrade. SQLite's btree takes a value of any length.

On PostgreSQL the index is built CONCURRENTLY (storage/migrations/concurrent_index.py): a running ingest keeps
storing items while it is built.
"""

from collections.abc import Sequence

from alembic import op

from storage.migrations.concurrent_index import create_index_concurrently

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_index_concurrently("ix_items_link", "items", ["link"], postgresql_using="hash")


def downgrade() -> None:
    op.drop_index("ix_items_link", table_name="items")
