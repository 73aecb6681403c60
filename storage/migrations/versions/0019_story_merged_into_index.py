"""stories merged into one: ix_stories_merged_into_id

Revision ID: 0019
Revises: 0018

Adds an index only (never rebuilds a table on SQLite, so every stored row and trigger stays): /story <id>
finds the stories merged into it in the index instead of reading every story.

On PostgreSQL it is built CONCURRENTLY (storage/migrations/concurrent_index.py): ingest keeps creating and
updating stories while it is built.
"""

from collections.abc import Sequence

from alembic import op

from storage.migrations.concurrent_index import create_index_concurrently

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_index_concurrently("ix_stories_merged_into_id", "stories", ["merged_into_id"])


def downgrade() -> None:
    op.drop_index("ix_stories_merged_into_id", table_name="stories")
