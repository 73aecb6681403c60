"""An index added to a table a running service keeps writing to.

On PostgreSQL it is built CONCURRENTLY, outside the upgrade's transaction (the migrations before it are
committed first): writers go on while it is built, where a plain CREATE INDEX would hold every write to the
table up for the whole build. An upgrade that died during the build leaves an invalid index behind, which
the next one drops and builds again; one that died after it keeps the index built. One upgrade runs at a
time (the migration lock in env.py), so an index found here is no other's build under way. Elsewhere
(SQLite) it is a plain CREATE INDEX.
"""

from collections.abc import Sequence
from typing import Any

from alembic import op
from sqlalchemy import text


def create_index_concurrently(name: str, table: str, columns: Sequence[str], **postgresql: Any) -> None:
    """Create index `name` on `table` (`columns`); the `postgresql` options (postgresql_using=…) apply there
    only."""
    if op.get_bind().dialect.name != "postgresql":
        op.create_index(name, table, list(columns))
        return
    with op.get_context().autocommit_block():
        valid = op.get_bind().scalar(
            text("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(:name)"), {"name": name}
        )
        if valid:
            return
        if valid is not None:
            op.drop_index(name, table_name=table, postgresql_concurrently=True)
        op.create_index(name, table, list(columns), postgresql_concurrently=True, **postgresql)
