"""`make bench` runs every module in bench/: each must at least import, and bench/history.py's baseline (the
old queries on a database at revision 0013) must still run there and answer as today's queries do after the
upgrade. Timings belong to the bench itself; this only checks that it can run."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

import bench
import bench._history_today as old_history
from bench import history as history_bench
from storage import feed_admin, history
from storage.db import Database
from storage.migrate import alembic_config, upgrade

BENCH_FOLDER = Path(bench.__file__).parent
BENCH_MODULES = sorted(
    module.name for module in pkgutil.iter_modules([str(BENCH_FOLDER)]) if module.name != "__main__"
)


@pytest.mark.parametrize("name", BENCH_MODULES)
def test_every_bench_module_imports_and_has_a_main(name: str) -> None:
    module = importlib.import_module(f"bench.{name}")
    if not name.startswith("_"):
        assert callable(module.main)


async def test_the_history_baseline_runs_at_0013_and_answers_as_today_after_the_upgrade(
    database_url: str,
) -> None:
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0013")
    db = Database(database_url)
    try:
        async with db.engine.connect() as connection:
            columns = await connection.run_sync(
                lambda sync: {
                    name: {column["name"] for column in inspect(sync).get_columns(name)}
                    for name in old_history.SCHEMA_0013.tables
                }
            )
        # the baseline selects exactly the columns the tables had at 0013: none missing, none newer
        mapped = {name: set(table.c.keys()) for name, table in old_history.SCHEMA_0013.tables.items()}
        assert columns == mapped

        scenario = await history_bench.seed(db, 200)
        before = {
            name: history_bench._plain(await run(old_history, old_history, db, scenario))
            for name, run in history_bench.COMMANDS
        }
        await db.dispose()
        await upgrade(database_url)
        after = {
            name: history_bench._plain(await run(history, feed_admin, db, scenario))
            for name, run in history_bench.COMMANDS
        }
    finally:
        await db.dispose()
    assert after == before
    assert before["/latest"] and before["/search border (common)"]
