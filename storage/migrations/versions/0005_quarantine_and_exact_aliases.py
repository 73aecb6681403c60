"""hostile input: quarantined digests, case-sensitive chat aliases

Revision ID: 0005
Revises: 0012

Adds columns only (never rebuilds a table, so 0002's FTS triggers and every stored row stay):
- chats.digest_error: why the chat's daily digest was set aside (quarantined) instead of stopping every
  other chat's digest; NULL while it works. /digest clears it. (Quarantined alerts and their edits need no
  column: their status is 'quarantine', with the error in last_error.)
- aliases.case_sensitive: an alias added in chat that matches only as written (a short acronym such as "UN"
  that an admin confirmed with /alias …; …; exact). Existing aliases stay case-insensitive.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("chats", sa.Column("digest_error", sa.Text(), nullable=True))
    op.add_column(
        "aliases", sa.Column("case_sensitive", sa.Boolean(), nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    # DROP COLUMN without a table rebuild (SQLite ≥ 3.35)
    op.drop_column("aliases", "case_sensitive")
    op.drop_column("chats", "digest_error")
