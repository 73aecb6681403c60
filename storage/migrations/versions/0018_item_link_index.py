"""item link index: ix_items_link

Revision ID: 0018
Revises: 0017

Adds an index only (never rebuilds a table on SQLite, so every stored row and trigger stays): /missed <url>
finds the newest stored item with that link in the index instead of reading every item. On PostgreSQL it is
a hash index: it keeps a 4-byte hash of each link, where a btree keeps the link itself and refuses an entry
past about 2.7 KB, so one long link (a hostile feed's, or one already stored) would fail the insert of its
item, or this upgrade. SQLite's btree takes a value of any length.

On PostgreSQL the index is built CONCURRENTLY, outside the upgrade's transaction (the migrations before it
are committed first): a running ingest keeps storing items while it is built, where a plain CREATE INDEX
would hold every item write up for the whole build. An upgrade that died during the build leaves an invalid
index behind, which the next one drops and builds again; one that died after it keeps the index built. One
upgrade runs at a time (the migration lock in env.py), so an index found here is no other's build under way.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.create_index("ix_items_link", "items", ["link"])
        return
    with op.get_context().autocommit_block():
        valid = op.get_bind().scalar(
            text("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('ix_items_link')")
        )
        if valid:
            return
        if valid is not None:
            op.drop_index("ix_items_link", table_name="items", postgresql_concurrently=True)
        op.create_index(
            "ix_items_link", "items", ["link"], postgresql_using="hash", postgresql_concurrently=True
        )


def downgrade() -> None:
    op.drop_index("ix_items_link", table_name="items")
