"""audit repeats: audit_log.repeats, audit_log.last_at

Revision ID: 0017
Revises: 0016

Adds two columns (never rebuilds a table on SQLite, so every stored row stays): how many refused attempts an
entry stands for, and when the last of them came. A non-admin repeating a refused admin command within a
minute of the last one adds to that entry's count instead of writing a row per attempt
(storage.audit.record_audit). Every existing entry reads as one attempt, last at its own time (NULL).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("repeats", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("audit_log", sa.Column("last_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_audit_log_user_id_command", "audit_log", ["user_id", "command"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_user_id_command", table_name="audit_log")
    op.execute("ALTER TABLE audit_log DROP COLUMN last_at")
    op.execute("ALTER TABLE audit_log DROP COLUMN repeats")
