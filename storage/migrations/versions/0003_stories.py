"""stories that grow: alert edits and replies, digests

Revision ID: 0003
Revises: 0002

Adds columns only (never rebuilds a table, so 0002's FTS triggers on `items` and every stored row stay):
- chats.alerts_enabled (default true), chats.digest_time (HH:MM UTC or NULL), chats.digest_last_sent_at;
- deliveries.shown_sources and deliveries.shown_severity: what the sent message shows, so an edit or a reply
  is sent only when it changes something;
- a new table delivery_updates: the outbox of edits ("also reported by …") and replies (severity rose) to a
  sent alert. The one-alert-per-story-per-chat guarantee stays the unique (chat_id, story_id) of deliveries.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "chats", sa.Column("alerts_enabled", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.add_column("chats", sa.Column("digest_time", sa.String(length=5), nullable=True))
    op.add_column("chats", sa.Column("digest_last_sent_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("deliveries", sa.Column("shown_sources", sa.Integer(), nullable=True))
    op.add_column("deliveries", sa.Column("shown_severity", sa.String(length=2), nullable=True))
    op.create_table(
        "delivery_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("severity", sa.String(length=2), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["delivery_id"], ["deliveries.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delivery_id", "item_id", name="uq_delivery_updates_delivery_item"),
    )
    op.create_index("ix_delivery_updates_status_due", "delivery_updates", ["status", "next_attempt_at"])
    op.create_index("ix_delivery_updates_chat_id", "delivery_updates", ["chat_id"])


def downgrade() -> None:
    op.drop_index("ix_delivery_updates_chat_id", table_name="delivery_updates")
    op.drop_index("ix_delivery_updates_status_due", table_name="delivery_updates")
    op.drop_table("delivery_updates")
    # DROP COLUMN without a table rebuild (SQLite ≥ 3.35), so items and its FTS triggers are untouched
    op.drop_column("deliveries", "shown_severity")
    op.drop_column("deliveries", "shown_sources")
    op.drop_column("chats", "digest_last_sent_at")
    op.drop_column("chats", "digest_time")
    op.drop_column("chats", "alerts_enabled")
