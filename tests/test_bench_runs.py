"""`make bench` runs every module in bench/: each must at least import, and bench/history.py's baseline (the
old queries on a database at revision 0013) must still run there and answer as today's queries do after the
upgrade. Timings belong to the bench itself; this only checks that it can run."""

from __future__ import annotations

import ast
import asyncio
import importlib
import inspect as pyinspect
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import Any

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


def _patched_names(tree: ast.AST) -> list[tuple[ast.expr, str]]:
    """(owner, name) of what a bench patches for its baseline: mock.patch.object(owner, "name", …) calls and
    assignments to owner.name."""
    found: list[tuple[ast.expr, str]] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) == "mock.patch.object"
            and len(node.args) >= 2
        ):
            name = node.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                found.append((node.args[0], name.value))
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                for one in target.elts if isinstance(target, ast.Tuple) else [target]:
                    if isinstance(one, ast.Attribute):
                        found.append((one.value, one.attr))
    return found


def _resolved(module: ModuleType, expression: ast.expr) -> Any:
    """What a dotted name means in the module's namespace (None when it is not a module-level name)."""
    if isinstance(expression, ast.Name):
        return vars(module).get(expression.id)
    if isinstance(expression, ast.Attribute):
        return getattr(_resolved(module, expression.value), expression.attr, None)
    return None


@pytest.mark.parametrize("name", [name for name in BENCH_MODULES if not name.startswith("_")])
def test_what_each_baseline_patches_still_exists(name: str) -> None:
    """A baseline that patches a function since renamed either stops the bench (mock.patch.object) or, by
    assignment, silently measures today's code as the baseline."""
    module = importlib.import_module(f"bench.{name}")
    tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
    missing = []
    for owner_expression, attribute in _patched_names(tree):
        owner = _resolved(module, owner_expression)
        if (pyinspect.ismodule(owner) or pyinspect.isclass(owner)) and not hasattr(owner, attribute):
            missing.append(f"{ast.unparse(owner_expression)}.{attribute}")
    assert missing == []


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
