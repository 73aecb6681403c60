"""Alembic environment: runs migrations over the async engine named in the Alembic config.

Processes started at once against a database that needs an upgrade (the bot and the ingest of one deployment,
replicas after a deploy) each migrate on start: they take turns. Each takes the database's migration lock
before Alembic reads the version, and holds it until its migrations are committed; the next one then finds
the database at head and has nothing to do. On PostgreSQL the lock is a session advisory lock (it outlives
the commits of a migration that must run outside a transaction, such as 0018's CREATE INDEX CONCURRENTLY,
and ends with the session if the process dies); on SQLite it is the write lock, taken at once (BEGIN
IMMEDIATE), so every migration runs in that one transaction.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from storage.db import create_engine, is_write_locked
from storage.models import Base

config = context.config
target_metadata = Base.metadata

# the advisory lock key of borderwatch's migrations (any fixed number; advisory locks are per database)
MIGRATION_LOCK_KEY = 0x626F7264_6D696772  # "bordmigr"
# how often a process that waits for another's migrations asks for the lock again
_LOCK_POLL_SECONDS = 0.2


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def _run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        _run_under_advisory_lock(connection)
    elif connection.dialect.name == "sqlite":
        _run_under_write_lock(connection)
    else:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


def _run_under_advisory_lock(connection: Connection) -> None:
    """Wait for the lock by asking again (pg_try_advisory_lock), never inside pg_advisory_lock: a session
    waiting there keeps its statement's snapshot, which the holder's CREATE INDEX CONCURRENTLY waits out in
    turn (a deadlock, one of the two upgrades then failing)."""
    while not connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY}):
        connection.rollback()
        time.sleep(_LOCK_POLL_SECONDS)
    connection.commit()  # Alembic begins (and commits) its own transaction
    try:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
    except BaseException:
        # the migration's error is the one to report; a session that no longer answers holds no lock
        with suppress(SQLAlchemyError):
            connection.rollback()
            _unlock(connection)
        raise
    _unlock(connection)


def _unlock(connection: Connection) -> None:
    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
    connection.commit()


def _run_under_write_lock(connection: Connection) -> None:
    """The driver would begin a transaction only before a row is written, so a CREATE TABLE or the version
    read would run outside it: the write lock is taken first, waiting the busy timeout each time it is
    held by another connection (another upgrade, or a running process's write)."""
    while True:
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            break
        except OperationalError as error:
            connection.rollback()
            if not is_write_locked(error):
                raise
    _configure(connection)  # inside that transaction: Alembic leaves it to the caller to commit
    context.run_migrations()


async def _run_async() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "storage.migrate sets sqlalchemy.url"
    engine = create_engine(url, limit_round_trips=False)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    existing = config.attributes.get("connection")
    if existing is not None:
        _run(existing)
    else:
        asyncio.run(_run_async())
