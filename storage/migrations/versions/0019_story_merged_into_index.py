"""stories merged into one: ix_stories_merged_into_id

Revision ID: 0019
Revises: 0018

Adds an index only (never rebuilds a table on SQLite, so every stored row and trigger stays): /story <id>
finds the stories merged into it in the index instead of reading every story.

On PostgreSQL it is built CONCURRENTLY, outside the upgrade's transaction, as 0018 does: ingest keeps
creating and updating stories while it is built, where a plain CREATE INDEX would hold every story write up
for the whole build. An upgrade that died during the build leaves an invalid index behind, which the next one
drops and builds again; one that died after it keeps the index built.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.create_index("ix_stories_merged_into_id", "stories", ["merged_into_id"])
        return
    with op.get_context().autocommit_block():
        valid = op.get_bind().scalar(
            text(
                "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('ix_stories_merged_into_id')"
            )
        )
        if valid:
            return
        if valid is not None:
            op.drop_index("ix_stories_merged_into_id", table_name="stories", postgresql_concurrently=True)
        op.create_index(
            "ix_stories_merged_into_id", "stories", ["merged_into_id"], postgresql_concurrently=True
        )


def downgrade() -> None:
    op.drop_index("ix_stories_merged_into_id", table_name="stories")
