"""stories across languages: items keep their event types and why they joined; stories can be merged

Revision ID: 0009
Revises: 0005

Adds columns only (never rebuilds a table, so 0002's FTS triggers and every stored row stay):
- items.events: the event types the classifier found (comma-separated, e.g. "killed,shelling"), part of the
  item's event signature that later items of other languages are compared with. NULL for items stored before
  this migration: their events are unknown, which never contradicts anything.
- items.story_evidence: the parts of the two signatures that agreed when the item joined its story
  ("place:sev_lake,event:fighting,number:2"), shown by /story.
- stories.merged_into_id: set when a later item showed this story to be the same as an older one; the items
  moved to that story, this row stays so that its id (in an alert, in /story) still leads somewhere.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("items", sa.Column("events", sa.String(length=500), nullable=True))
    op.add_column("items", sa.Column("story_evidence", sa.Text(), nullable=True))
    op.add_column("stories", sa.Column("merged_into_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("stories", "merged_into_id")
    op.drop_column("items", "story_evidence")
    op.drop_column("items", "events")
