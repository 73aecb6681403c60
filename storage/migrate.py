"""Apply Alembic migrations programmatically (`borderwatch db upgrade`, and on every start)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.exc import DBAPIError, OperationalError

from storage.errors import DatabaseUnavailable

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_sync(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`; raises DatabaseUnavailable when it cannot be reached."""
    try:
        command.upgrade(alembic_config(url), revision)
    except (OperationalError, DBAPIError, OSError) as exc:
        raise DatabaseUnavailable(f"cannot migrate the database: {exc.__class__.__name__}: {exc}") from exc


async def upgrade(url: str, revision: str = "head") -> None:
    """Async wrapper: Alembic's env runs its own event loop, so it runs in a worker thread."""
    await asyncio.to_thread(upgrade_sync, url, revision)
