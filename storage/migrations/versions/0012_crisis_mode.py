"""crisis mode: a table of crises and the feeds' crisis deadline

Revision ID: 0012
Revises: 0011

Adds a table and a nullable column only (no table is rebuilt, every stored row stays):
- crises: one row per P1/P2 story that put feeds into crisis mode, with its entities, how many feeds were
  hurried, when it started and when it ends (indexed: /status asks for the crises not yet over).
- feeds.crisis_until: until when the feed is polled at the crisis interval. NULL for every existing feed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "crises",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("story_id", sa.Integer(), sa.ForeignKey("stories.id", ondelete="CASCADE"), nullable=False),
        sa.Column("severity", sa.String(2), nullable=False),
        sa.Column("entity_ids", sa.JSON(), nullable=False),
        sa.Column("feeds", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("story_id"),
    )
    op.create_index("ix_crises_ends_at", "crises", ["ends_at"])
    op.add_column("feeds", sa.Column("crisis_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("feeds", "crisis_until")
    op.drop_index("ix_crises_ends_at", table_name="crises")
    op.drop_table("crises")
