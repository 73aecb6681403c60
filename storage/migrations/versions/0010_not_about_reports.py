"""not-about reports from alert buttons, alias fixes decided in /review, the chat switch for the button

Revision ID: 0010
Revises: 0009

New tables and one column with a default (no table is rebuilt, every stored row stays):
- not_about_reports: a press of "not about <entity>" on an alert: which item and entity, who, in which chat,
  open until an admin decides in /review (excluded, disabled, dismissed).
- alias_fixes: what /review decided for an alias: "disable" it, or "exclude" it when a word stands near it.
  Kept apart from the entity definitions, which the YAML gazetteer refreshes on every start.
- chats.report_button: a chat admin let everyone in the chat use the button (admins always can).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "chats",
        sa.Column("report_button", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "not_about_reports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="open"),
        sa.Column("resolution", sa.String(300), nullable=True),
        sa.Column("resolved_by", sa.BigInteger(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("item_id", "entity_id", "user_id", name="uq_not_about_reports_item_entity_user"),
    )
    op.create_index("ix_not_about_reports_status_created", "not_about_reports", ["status", "created_at"])
    op.create_table(
        "alias_fixes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("alias_text", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("word", sa.String(100), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_alias_fixes_entity_id", "alias_fixes", ["entity_id"])


def downgrade() -> None:
    op.drop_index("ix_alias_fixes_entity_id", table_name="alias_fixes")
    op.drop_table("alias_fixes")
    op.drop_index("ix_not_about_reports_status_created", table_name="not_about_reports")
    op.drop_table("not_about_reports")
    op.drop_column("chats", "report_button")
