"""feed kinds: a feed is a syndication feed, a public Telegram channel or an HTML statement page

Revision ID: 0007
Revises: 0004

Adds columns to feeds only (never rebuilds a table; every stored feed and item stays):
- feeds.kind: "feed" (RSS, Atom, RDF or JSON Feed, told apart by the response), "telegram" (a public channel,
  read from its web preview) or "html" (a statement page read with CSS selectors). Existing feeds are "feed".
- feeds.selectors: the CSS selectors of an "html" feed ({"item": …, "title": …, "link": …, "date": …}).
- feeds.last_post_id: the newest post id of a "telegram" feed at its last poll (a page whose newest post is
  the same is not processed again; a poll after many new posts pages back to it).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("feeds", sa.Column("kind", sa.String(16), nullable=False, server_default="feed"))
    op.add_column("feeds", sa.Column("selectors", sa.JSON(), nullable=True))
    op.add_column("feeds", sa.Column("last_post_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("feeds", "last_post_id")
    op.drop_column("feeds", "selectors")
    op.drop_column("feeds", "kind")
