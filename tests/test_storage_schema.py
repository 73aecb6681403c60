"""The schema migrates on both backends and keeps timestamps in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, select

from storage.db import Database
from storage.models import Base, Feed


async def test_migrated_database_stores_and_returns_aware_utc_times(db: Database) -> None:
    yerevan = timezone(timedelta(hours=4))
    when = datetime(2021, 5, 12, 9, 30, tzinfo=yerevan)
    async with db.transaction() as session:
        session.add(Feed(url="https://news.am/eng/rss/", next_poll_at=when))
    async with db.transaction() as session:
        feed = (await session.execute(select(Feed))).scalar_one()
    assert feed.next_poll_at == when
    assert feed.next_poll_at.tzinfo is not None
    assert feed.next_poll_at.utcoffset() == timedelta(0)
    assert feed.next_poll_at == datetime(2021, 5, 12, 5, 30, tzinfo=UTC)


async def test_migrations_build_exactly_the_schema_the_models_declare(db: Database) -> None:
    """Every model change has its migration: Alembic finds nothing to add, drop or alter."""

    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [
            change
            for change in compare_metadata(context, Base.metadata)
            # full-text search is not a model (SQLite FTS5 tables of migration 0002; PostgreSQL's stored
            # items.search_vector and its GIN index, migration 0014)
            if not (change[0] in ("remove_table", "remove_index") and "items_fts" in change[1].name)
            and not (change[0] == "remove_index" and change[1].name == "ix_items_search_vector")
            and not (change[0] == "remove_column" and change[3].name == "search_vector")
        ]

    async with db.transaction() as session:
        connection = await session.connection()
        assert await connection.run_sync(differences) == []
