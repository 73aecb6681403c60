"""feed slowness: feeds.slow_fetch, feeds.slow_parse

Revision ID: 0016
Revises: 0015

Adds two columns (never rebuilds a table on SQLite, so every stored row and trigger stays): whether a feed's
last fetch and its last parse were slow (feeds.lanes.Slowness). Its next fetch or parse then takes the slow
lane in whichever process polls it, a restarted one included. Existing feeds start as not slow (false), as
every feed did after a restart before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("feeds", sa.Column("slow_fetch", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("feeds", sa.Column("slow_parse", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.execute("ALTER TABLE feeds DROP COLUMN slow_parse")
    op.execute("ALTER TABLE feeds DROP COLUMN slow_fetch")
