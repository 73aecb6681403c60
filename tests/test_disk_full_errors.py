"""A database whose disk is full is unavailable (the work is done again once space is freed), not refusing
the data; and a loop meeting it at every round says so in one line at a bounded rate, another error at once.
The full disk is SQLite's own SQLITE_FULL, raised here by a page limit (PRAGMA max_page_count) on a real
database file. SQLite's locks are unavailable too; a file of the program's own that is missing is a bug."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

import storage.db
from storage.db import Database, is_disk_full, is_unavailable, log_failure


async def _disk_full_error(tmp_path: Path) -> BaseException:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'full.db'}")
    try:
        async with db.transaction() as session:
            await session.execute(text("CREATE TABLE ballast (data BLOB)"))
        with pytest.raises(Exception) as raised:
            async with db.transaction() as session:
                pages = (await session.execute(text("PRAGMA page_count"))).scalar_one()
                await session.execute(text(f"PRAGMA max_page_count = {pages}"))
                await session.execute(text("INSERT INTO ballast VALUES (zeroblob(1000000))"))
        return raised.value
    finally:
        await db.dispose()


async def test_a_full_disk_is_the_database_being_unavailable(tmp_path: Path) -> None:
    error = await _disk_full_error(tmp_path)
    assert "disk is full" in str(error)
    assert is_unavailable(error)
    assert is_disk_full(error)
    assert not is_disk_full(ValueError("database or disk is full"))


async def test_a_loop_meeting_a_full_disk_at_every_round_logs_one_line_per_gap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    error = await _disk_full_error(tmp_path)
    now = [1000.0]
    monkeypatch.setattr(storage.db, "_unavailable_lines", storage.db._RepeatedLines(clock=lambda: now[0]))
    logger = logging.getLogger("tests.loop")
    caplog.set_level(logging.WARNING, logger="tests.loop")
    # two loops, four rounds a second each, for a minute and a half
    for _ in range(360):
        log_failure(logger, "%s: round failed; retrying", error, "delivery-loop")
        log_failure(logger, "%s: round failed; retrying", error, "scheduler")
        now[0] += 0.25
    lines = [record.getMessage() for record in caplog.records]
    assert all("the database is unavailable (OperationalError: database or disk is full)" in x for x in lines)
    assert not any(record.exc_info for record in caplog.records)
    # each loop: its first line at once, then one per UNAVAILABLE_LOG_GAP (30 s) with the count left out
    assert len(lines) == 2 * 3, lines
    assert sum("delivery-loop" in line for line in lines) == 3
    assert lines[2].endswith("119 more times since the last such line"), lines[2]
    # a bug is logged every time, with its traceback
    log_failure(logger, "round failed", ValueError("a bug"))
    log_failure(logger, "round failed", ValueError("a bug"))
    assert sum(record.exc_info is not None for record in caplog.records) == 2


async def _locked_error(tmp_path: Path) -> BaseException:
    """SQLite's own "database is locked": another connection holds the write lock."""
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        with pytest.raises(Exception) as raised:
            async with db.transaction() as session:
                await session.execute(text("PRAGMA busy_timeout = 0"))
                await session.execute(text("INSERT INTO t VALUES (1)"))
        return raised.value
    finally:
        await db.dispose()
        holder.close()


async def test_a_different_failure_of_the_same_loop_is_logged_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The database was locked a moment, then its disk fills: the full disk is said at once, not up to 30 s
    later behind the locked database's line."""
    monkeypatch.setattr(storage.db, "_unavailable_lines", storage.db._RepeatedLines())
    locked, full = await _locked_error(tmp_path), await _disk_full_error(tmp_path)
    assert is_unavailable(locked) and not is_disk_full(locked)
    logger = logging.getLogger("tests.changing")
    caplog.set_level(logging.WARNING, logger="tests.changing")
    log_failure(logger, "%s: round failed; retrying", locked, "delivery-loop")
    log_failure(logger, "%s: round failed; retrying", locked, "delivery-loop")
    log_failure(logger, "%s: round failed; retrying", full, "delivery-loop")
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2, lines
    assert "database is locked" in lines[0]
    assert "database or disk is full" in lines[1]


async def test_a_missing_file_is_a_bug_logged_with_its_traceback_not_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An OSError that names a file (a config file gone, a folder not writable) is that file's problem: logged
    each time with its traceback, not as "the database is unavailable" at most every 30 s. A database that
    cannot be reached (nothing listening on its port) stays unavailable."""
    monkeypatch.setattr(storage.db, "_unavailable_lines", storage.db._RepeatedLines())
    with pytest.raises(OSError) as missing:
        (tmp_path / "entities.yaml").read_text()
    db = Database("postgresql+asyncpg://borderwatch@127.0.0.1:9/borderwatch")
    try:
        with pytest.raises(Exception) as unreachable:
            async with db.transaction() as session:
                await session.execute(text("SELECT 1"))
    finally:
        await db.dispose()
    assert is_unavailable(unreachable.value), repr(unreachable.value)
    assert not is_unavailable(missing.value)
    logger = logging.getLogger("tests.files")
    caplog.set_level(logging.WARNING, logger="tests.files")
    log_failure(logger, "could not check the gazetteer for changes; trying again", missing.value)
    log_failure(logger, "could not check the gazetteer for changes; trying again", missing.value)
    assert [record.exc_info is not None for record in caplog.records] == [True, True]
    assert not any("database is unavailable" in record.getMessage() for record in caplog.records)


async def test_a_write_behind_a_newer_snapshot_is_the_database_being_busy(tmp_path: Path) -> None:
    """SQLite says SQLITE_BUSY_SNAPSHOT (its extended code of "database is locked") when a transaction that
    read must write after another connection wrote: a lock conflict, done again it works; not a bug."""
    path = tmp_path / "snapshot.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("CREATE TABLE t (x INTEGER)")
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        with pytest.raises(Exception) as raised:
            async with db.engine.connect() as connection:
                await connection.exec_driver_sql("BEGIN")
                await connection.exec_driver_sql("SELECT count(*) FROM t")
                other.execute("INSERT INTO t VALUES (1)")
                await connection.exec_driver_sql("INSERT INTO t VALUES (2)")
    finally:
        await db.dispose()
        other.close()
    assert "database is locked" in str(raised.value), raised.value
    assert is_unavailable(raised.value)
