"""day-only publication times: items.published_day_only

Revision ID: 0015
Revises: 0014

Adds one column (never rebuilds a table on SQLite, so 0002's FTS triggers, 0014's triggers and every stored
row stay): items.published_day_only, true when the source gave the day and no time of day (published_at is
then that day's noon and story merging compares it as the whole day). Existing rows are exact times (false).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "items",
        sa.Column("published_day_only", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.execute("ALTER TABLE items DROP COLUMN published_day_only")
