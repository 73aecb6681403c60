"""The disk under a running `borderwatch run` fills up: its SQLite database (WAL) sits on a small filesystem
of its own (a tmpfs mounted by the test, so it needs root, as in the container), which a ballast file fills
while feeds publish breaking items, an alert fan-out is under way and users send commands. Then the ballast
is deleted. Meanwhile the process stays up, read-only commands answer, a command that must write says plainly
that nothing was changed and why, alerts already sent are recorded once (never sent again), the log says what
is wrong at a bounded rate; once space is back, without a restart, each new story alerts each chat once and
the database file is intact."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from storage.db import Database
from storage.models import Subscription
from tests.feedserver import FeedServer
from tests.reliability.conftest import record
from tests.reliability.processes import (
    CHAT,
    POLL_INTERVAL,
    bot_api,
    free_port,
    health,
    health_reason,
    logged_since,
    publish_breaking,
    run_env,
    running,
    seed_fan_out,
    subscribed_chat_and_feeds,
    terminate,
    tracebacks,
    until_alerted,
)

pytestmark = [pytest.mark.reliability]

# the filesystem the database sits on: room for the database and its WAL, the rest filled by the ballast
DISK_MIB = 48
# how long the disk stays full: more than two poll intervals, so every feed is polled while it is
FULL_SECONDS = 3 * POLL_INTERVAL
# chats a story already stored is being sent to when the disk fills
FAN_OUT_CHATS = list(range(1000, 1600))
# chats sending commands while the disk is full: read-only ones, and one that must write
READERS = {101: "/status", 102: "/mysubs", 103: "/help", 104: "/latest"}
WRITER = 105
WRITE_COMMAND = "/subscribe sev_lake"
# what may be logged while the disk is full: each loop's line every 30 s, each failed poll and command
MOST_LOG_LINES = 30
# /healthz's limit on a loop's silence (default 60 s): well within the time the disk stays full
HEALTH_STALENESS = 10
# seconds the feed server takes to answer: the disk fills while a poll waits for its answer
FEED_LATENCY = 1.0


@contextlib.contextmanager
def _small_disk(path: Path, mebibytes: int) -> Iterator[Path]:
    """A tmpfs of `mebibytes` mounted at `path` (skips the test where mounting is not permitted)."""
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={mebibytes}m", "tmpfs", str(path)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.decode(errors='replace')}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _fill(disk: Path, database: Path) -> Path:
    """Fill `disk` to its last byte with a ballast file; returns it (delete it to free the space). The
    database's WAL is first checkpointed and cut to nothing, as after a checkpoint: else the next writes
    could reuse its space for a while, and how long would be chance."""
    connection = sqlite3.connect(database, timeout=30)
    try:
        for _ in range(100):
            busy = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if not busy:
                break
            time.sleep(0.01)
        else:
            raise AssertionError("the WAL could not be checkpointed")
    finally:
        connection.close()
    ballast = disk / "ballast"
    with ballast.open("wb", buffering=0) as out:
        for chunk in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    out.write(b"\0" * chunk)
            except OSError as error:
                if error.errno not in (errno.ENOSPC, errno.EFBIG):
                    raise
    return ballast


async def _seed_fan_out(url: str) -> None:
    """A stored story with a pending alert for each of FAN_OUT_CHATS, which follow nothing else."""
    db = Database(url)
    try:
        await seed_fan_out(db, FAN_OUT_CHATS)
        async with db.transaction() as session:
            await session.execute(delete(Subscription).where(Subscription.chat_id.in_(FAN_OUT_CHATS)))
    finally:
        await db.dispose()


def _integrity(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return str(connection.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        connection.close()


async def test_a_full_disk_under_a_running_borderwatch_loses_nothing_and_recovers_without_a_restart(
    tmp_path: Path,
) -> None:
    with _small_disk(tmp_path / "disk", DISK_MIB) as disk, FeedServer(latency=FEED_LATENCY) as server:
        path = disk / "borderwatch.db"
        url = f"sqlite+aiosqlite:///{path}"
        paths, seed = await subscribed_chat_and_feeds(url, server, tmp_path)
        log = tmp_path / "borderwatch.log"
        metrics_port = free_port()
        async with bot_api((CHAT, *FAN_OUT_CHATS, *READERS, WRITER)) as telegram:
            env = run_env(
                url,
                tmp_path,
                seed,
                telegram,
                metrics_port=metrics_port,
                metrics_host="127.0.0.1",
                health_staleness=HEALTH_STALENESS,
            )

            def fanned() -> int:
                return sum(bool(telegram.sent(chat)) for chat in FAN_OUT_CHATS)

            async with running(tmp_path, [(["run"], env, log)]) as (process,):
                # the first fetch of every feed is history
                await telegram.wait_until(lambda: all(server.requests(p) for p in paths), within=90)
                await asyncio.sleep(2)
                await _seed_fan_out(url)
                await telegram.wait_until(lambda: fanned() >= 40, within=30)
                # the disk fills while a poll bringing a breaking item waits for the feed server's
                # answer (FEED_LATENCY): that poll cannot store its item
                polled = len(server.requests())
                published = publish_breaking(server, paths)
                await telegram.wait_until(lambda: len(server.requests()) > polled, within=2 * POLL_INTERVAL)
                ballast = await asyncio.to_thread(_fill, disk, path)
                full_at = time.monotonic()
                logged_before = len(log.read_bytes())
                fanned_at_fill = fanned()
                requests_at_fill = len(server.requests())
                await asyncio.sleep(2)
                asked = {}
                for chat, command in {**READERS, WRITER: WRITE_COMMAND}.items():
                    telegram.inject_command(chat, chat, command)
                    asked[chat] = time.monotonic()
                health_during = []
                while time.monotonic() - full_at < FULL_SECONDS:
                    health_during.append(await asyncio.to_thread(health, metrics_port))
                    await asyncio.sleep(3)
                alive = process.returncode is None
                reason = await asyncio.to_thread(health_reason, metrics_port)
                answers = {
                    chat: (telegram.sent(chat)[0].at - asked[chat], telegram.sent(chat)[0].text)
                    for chat in asked
                    if telegram.sent(chat)
                }
                fanned_while_full = fanned() - fanned_at_fill
                alerted_while_full = len(telegram.sent(CHAT))
                requests_while_full = len(server.requests()) - requests_at_fill
                logged_full = logged_since(log, logged_before)
                await asyncio.to_thread(ballast.unlink)
                freed_at = time.monotonic()
                await until_alerted(telegram, published, within=3 * POLL_INTERVAL + 30)
                stories_after = time.monotonic() - freed_at
                with contextlib.suppress(TimeoutError):
                    await telegram.wait_until(lambda: fanned() == len(FAN_OUT_CHATS), within=60)
                fan_out_after = time.monotonic() - freed_at
                first_after = min(m.at for m in telegram.all_sent() if m.at > freed_at) - freed_at
                # and a command that writes works again
                telegram.inject_command(WRITER, WRITER, WRITE_COMMAND)
                with contextlib.suppress(TimeoutError):
                    await telegram.wait_for_messages(WRITER, 2, within=20)
                await asyncio.sleep(3)
                health_after = await asyncio.to_thread(health, metrics_port)
                texts = telegram.texts(CHAT)
                fan_out = [len(telegram.sent(chat)) for chat in FAN_OUT_CHATS]
                written = telegram.texts(WRITER)[1:]
                assert await terminate(process) == 0
        integrity = _integrity(path)
    counts = {title: sum(title in text for text in texts) for title in published}
    traced = tracebacks(logged_full)
    lines = len(logged_full.splitlines())
    waited = {READERS.get(chat, WRITE_COMMAND): round(seconds, 1) for chat, (seconds, _) in answers.items()}
    record(
        "disk full (sqlite)",
        f"disk full {freed_at - full_at:.0f} s: commands answered after {waited} s; "
        f"{fanned_while_full} alerts of the fan-out sent while full, "
        f"{sum(n > 1 for n in fan_out)} chats got theirs twice, "
        f"{fan_out.count(0)} never; {requests_while_full} feed requests while full; the 4 breaking items "
        f"alerted once each {stories_after:.1f} s after space came back (the first send after it "
        f"{first_after:.1f} s), the fan-out done "
        f"{fan_out_after:.1f} s after; /healthz {sorted(set(health_during))} while full "
        f"({reason.strip()!r}), {health_after} after; "
        f"{lines} log lines ({lines / FULL_SECONDS:.1f}/s) and {traced} tracebacks while full; "
        f"integrity_check {integrity}",
    )
    assert alive, "borderwatch died when its disk filled"
    assert integrity == "ok"
    assert alerted_while_full == 0  # nothing can be stored: nothing new can be sent
    assert all(n >= 1 for n in counts.values()), f"items never alerted once space came back: {counts}"
    assert all(n == 1 for n in counts.values()), f"items alerted more than once: {counts}"
    assert fan_out.count(1) == len(FAN_OUT_CHATS), "the fan-out under way lost or repeated alerts"
    assert len(answers) == len(asked), f"commands not answered while the disk was full: {waited}"
    for chat, (seconds, text) in answers.items():
        assert seconds < 5, (chat, seconds)
        if chat == WRITER:
            assert "nothing was changed" in text and "storage is full" in text, text
        else:
            assert "failed on our side" not in text, (READERS[chat], text)
    # /healthz tells the operator once writes have failed past its limit (before: 200 throughout)
    assert 503 in health_during and health_after == 200, (health_during, health_after)
    assert written and "Subscribed to Sev Lake" in written[0], written
    # what is wrong in one line, each loop's at most every 30 s (before: a traceback at each round, 380 and
    # 20,589 lines in 32 s; then one line each round: 157)
    assert traced <= 4, f"{traced} tracebacks logged while the disk was full"
    assert "database or disk is full" in logged_full
    assert lines <= MOST_LOG_LINES, f"{lines} lines logged while the disk was full"
