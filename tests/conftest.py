"""Shared fixtures: a migrated database per test, on a real SQLite file and on real PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import Database
from storage.migrate import upgrade_sync
from storage.models import Feed

POSTGRES_URL = os.environ.get("BORDERWATCH_TEST_DATABASE_URL")
# CI replays the same examples on every run (HYPOTHESIS_PROFILE=ci in .ci/run): a merge is judged on the code
# it brings, not on whether random search stumbles on an old corner that time. Local runs keep exploring.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
# Lines a test wants shown at the end of every run, without -s (e.g. story merging precision and recall).
SUMMARY_LINES: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in SUMMARY_LINES:
        terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Tests that run the CLI's main() configure logging for the process (a handler on the captured stderr,
    the root level); take that handler away again and put the level back, so later tests see their logs
    (pytest adds its own capturing handlers anew for every test)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def fast_private_chats(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replies without Telegram's per-chat pace (tests.harness.FAST_LIMITER): the limiter itself is tested
    with the delivery loop; replies still go through it."""
    import bot.app
    from tests.harness import FAST_LIMITER

    monkeypatch.setattr(bot.app, "ChatRateLimiter", FAST_LIMITER)


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
# For a test of one backend's own mechanism: it is collected only for that backend (no skipped twin).
SQLITE_ONLY = pytest.mark.parametrize("database_url", BACKENDS[:1], indirect=True)
POSTGRES_ONLY = pytest.mark.parametrize("database_url", BACKENDS[1:], indirect=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade_sync(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL template database; each test gets a copy (CREATE DATABASE … TEMPLATE)."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set BORDERWATCH_TEST_DATABASE_URL to run these cases")
    name = f"bw_template_{uuid.uuid4().hex[:8]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    template_url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    upgrade_sync(template_url)
    yield name
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_execute(statement: str) -> None:
    """Run one statement outside a transaction on the configured server (CREATE/DROP DATABASE)."""

    async def run() -> None:
        engine = create_async_engine(POSTGRES_URL or "", isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(statement))
        await engine.dispose()

    asyncio.run(run())


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a freshly migrated, empty database: a SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "borderwatch.db"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    template_name: str = request.getfixturevalue("postgres_template")
    name = f"bw_test_{uuid.uuid4().hex[:12]}"
    _admin_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    yield make_url(POSTGRES_URL or "").set(database=name).render_as_string(hide_password=False)
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A Database on a fresh migrated database (SQLite file or PostgreSQL)."""
    database = Database(database_url)
    yield database
    await database.dispose()


async def add_named_feeds(db: Database, names: list[str]) -> dict[str, int]:
    """One feed per outlet name (its history already loaded, so new items alert), by name."""
    feeds: dict[str, int] = {}
    async with db.transaction() as session:
        for name in names:
            feed = Feed(url=f"https://{name.lower()}.example/rss", title=name, history_loaded=True)
            session.add(feed)
            await session.flush()
            feeds[name] = feed.id
    return feeds
