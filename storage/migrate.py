"""Apply Alembic migrations programmatically (`borderwatch db upgrade`, and on every start).

`upgrade` runs them in a short-lived child process, so that Alembic (with Mako and Pygments: 11 MB of
modules) is never loaded into the long-running process (issue 19's memory budget).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError, OperationalError

from storage.errors import DatabaseUnavailable

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_sync(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`; raises DatabaseUnavailable when it cannot be reached."""
    from alembic import command

    try:
        command.upgrade(alembic_config(url), revision)
    except (OperationalError, DBAPIError, OSError) as exc:
        raise DatabaseUnavailable(f"cannot migrate the database: {exc.__class__.__name__}: {exc}") from exc


async def upgrade(url: str, revision: str = "head") -> None:
    """upgrade_sync in a child process (see the module docstring); raises what it raises."""
    loop = asyncio.get_running_loop()
    # spawn: forking a process that runs an event loop and threads is unsafe
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as child:
        await loop.run_in_executor(child, upgrade_sync, url, revision)
