"""process instances: leases owned by a live process, taken up within seconds of its death

Revision ID: 0013
Revises: 0010

Adds a table and nullable columns only (no table is rebuilt, every stored row stays):
- instances: one row per running borderwatch process (its id, role, host, pid and heartbeat). A lease whose
  owner is no longer alive (its process is gone from its host, its PostgreSQL session lock vanished, or its
  heartbeat stopped) is given back at once.
- deliveries.lease_owner, delivery_updates.lease_owner: the instance sending the row. NULL for every existing
  row (rows leased by an older version are taken up when their lease runs out, as before).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "instances",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("host", sa.String(200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("process_start", sa.BigInteger(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.add_column("deliveries", sa.Column("lease_owner", sa.String(100), nullable=True))
    op.add_column("delivery_updates", sa.Column("lease_owner", sa.String(100), nullable=True))


def downgrade() -> None:
    op.drop_column("delivery_updates", "lease_owner")
    op.drop_column("deliveries", "lease_owner")
    op.drop_table("instances")
