"""The database goes away under a running `borderwatch run` (ingest, bot and delivery in one process) while
feeds publish: a private PostgreSQL stopped and started again, or another process holding a SQLite file's
write lock. Once the database is back every item published meanwhile is alerted exactly once, within a poll
interval or two, without a restart; /healthz says 503 while the database is gone and 200 after."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.db import ANSWER_SECONDS
from tests.feedserver import FeedServer
from tests.reliability.conftest import record
from tests.reliability.private_postgres import PrivatePostgres, private_postgres
from tests.reliability.processes import (
    CHAT,
    POLL_INTERVAL,
    bot_api,
    free_port,
    health,
    logged_since,
    publish_breaking,
    run_env,
    running,
    subscribed_chat_and_feeds,
    terminate,
    tracebacks,
    until_alerted,
)

pytestmark = [pytest.mark.reliability]

# how long the database is away; BORDERWATCH_TEST_OUTAGE_SECONDS=180 tries a three-minute outage
OUTAGE = float(os.environ.get("BORDERWATCH_TEST_OUTAGE_SECONDS", "20"))


class SqliteWriteLock:
    """Another process's transaction holding the database file's write lock (BEGIN EXCLUSIVE)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._release = threading.Event()
        self._held = threading.Event()
        self._thread: threading.Thread | None = None

    def _hold(self) -> None:
        connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        try:
            connection.execute("BEGIN EXCLUSIVE")
            self._held.set()
            self._release.wait()
            connection.execute("COMMIT")
        finally:
            connection.close()

    def stop(self) -> None:
        self._thread = threading.Thread(target=self._hold, daemon=True)
        self._thread.start()
        assert self._held.wait(60), "could not take the write lock"

    def start(self) -> None:
        self._release.set()
        if self._thread is not None:
            self._thread.join(60)


class FrozenPostgres:
    """The server stops answering without closing a connection (SIGSTOP on all its processes), as a hung
    host or a network partition looks to clients; SIGCONT lets it go on."""

    def __init__(self, server: PrivatePostgres) -> None:
        self.server = server
        self.pids: list[int] = []

    def _processes(self) -> list[int]:
        postmaster = int((self.server.data / "postmaster.pid").read_text().split()[0])
        pids = [postmaster]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, IndexError, ValueError):
                    stat = (entry / "stat").read_text()
                    if int(stat[stat.rfind(")") + 2 :].split()[1]) == postmaster:
                        pids.append(int(entry.name))
        return pids

    def stop(self) -> None:
        self.pids = self._processes()
        for pid in self.pids:
            os.kill(pid, signal.SIGSTOP)

    def start(self) -> None:
        for pid in self.pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


@contextlib.contextmanager
def _database(kind: str, tmp_path: Path) -> Iterator[tuple[str, object]]:
    if kind.startswith("postgresql"):
        with private_postgres(password="Outage-Pw-77aa") as server:
            yield server.url, FrozenPostgres(server) if kind.endswith("frozen") else server
        return
    path = tmp_path / "borderwatch.db"
    yield f"sqlite+aiosqlite:///{path}", SqliteWriteLock(str(path))


@pytest.mark.parametrize(
    ("kind", "roles"),
    [
        ("sqlite", ("all",)),
        pytest.param("postgresql", ("all",), marks=pytest.mark.postgres, id="postgresql"),
        # scale-out: an ingest worker and the bot side in processes of their own
        pytest.param("postgresql", ("ingest", "bot"), marks=pytest.mark.postgres, id="postgresql-split"),
        # PostgreSQL stops answering without closing its connections (a hung host, a partition)
        pytest.param("postgresql-frozen", ("all",), marks=pytest.mark.postgres, id="postgresql-frozen"),
    ],
)
async def test_items_published_while_the_database_is_away_alert_once_it_is_back(
    kind: str, roles: tuple[str, ...], tmp_path: Path
) -> None:
    with _database(kind, tmp_path) as (url, outage), FeedServer() as server:
        paths, seed = await subscribed_chat_and_feeds(url, server, tmp_path)
        metrics_port = free_port()
        async with bot_api([CHAT]) as telegram:
            env = run_env(url, tmp_path, seed, telegram, metrics_port=metrics_port, metrics_host="127.0.0.1")
            logs = [tmp_path / f"borderwatch-{role}.log" for role in roles]
            # the metrics port (and /healthz) on the last process, the bot side when split
            commands = [
                (
                    ["run", "--role", role],
                    {k: v for k, v in env.items() if role == roles[-1] or "METRICS" not in k},
                    log,
                )
                for role, log in zip(roles, logs, strict=True)
            ]
            async with running(tmp_path, commands) as processes:
                # the first fetch of every feed is history
                await telegram.wait_until(lambda: all(server.requests(p) for p in paths), within=90)
                await asyncio.sleep(2)
                before = await asyncio.to_thread(health, metrics_port)
                await asyncio.to_thread(outage.stop)  # type: ignore[attr-defined]
                down_at = time.monotonic()
                published = publish_breaking(server, paths)
                telegram.inject_command(CHAT, CHAT, "/status")
                health_during = []
                while time.monotonic() - down_at < OUTAGE:
                    health_during.append(await asyncio.to_thread(health, metrics_port))
                    await asyncio.sleep(3)
                assert all(p.returncode is None for p in processes), "borderwatch died with its database"
                await asyncio.to_thread(outage.start)  # type: ignore[attr-defined]
                up_at = time.monotonic()
                replied = len(telegram.sent(CHAT))
                await until_alerted(telegram, published, within=3 * POLL_INTERVAL + 30)
                caught_up = time.monotonic() - up_at
                await asyncio.sleep(3)
                health_after = await asyncio.to_thread(health, metrics_port)
                texts = telegram.texts(CHAT)
                for process in processes:
                    assert await terminate(process) == 0
    counts = {title: sum(title in text for text in texts) for title in published}
    replies = sum(1 for text in texts if not any(title in text for title in published))
    assert all(n >= 1 for n in counts.values()), f"items never alerted after the outage: {counts}"
    assert all(n == 1 for n in counts.values()), f"items alerted more than once: {counts}"
    assert before == 200 and health_after == 200, (before, health_after)
    if kind.startswith("postgresql"):
        assert 503 in health_during, health_during
    logged = [log.read_text(errors="replace") for log in logs]
    assert all("Outage-Pw-77aa" not in text for text in logged)
    # each loop says once a second that the database is unavailable, in one line (before: a traceback each,
    # about 76 in 20 s); the command that failed meanwhile keeps its own
    traced = sum(tracebacks(text) for text in logged)
    assert traced <= 4, f"{traced} tracebacks logged while the database was away"
    # a process that logged the database unavailable says when it answered again (before: never)
    for log, text in zip(logs, logged, strict=True):
        outage = text.find("the database is unavailable")
        assert outage < 0 or "the database answers again" in text[outage:], (
            f"{log.name}: no end of the outage"
        )
    ended = [line for text in logged for line in text.splitlines() if "the database answers again" in line]
    record(
        f"database outage ({kind}, {' + '.join(roles)})",
        f"database away {up_at - down_at:.0f} s while {len(paths)} feeds published: each item alerted once, "
        f"{caught_up:.1f} s after it came back; /healthz during: {sorted(set(health_during))}, after "
        f"{health_after}; /status sent during the outage answered {replied} times by its end, {replies} in "
        f"all; {traced} tracebacks logged; end of the outage logged: {[line[-90:] for line in ended]}",
    )


# what a chat command may take while the database does not answer (BORDERWATCH_COMMAND_TIMEOUT), and how
# long the database stays frozen: well past it, so only a limit kept by borderwatch itself can answer in time;
# and past a poll interval (the last feed falls due) plus the background loops' own limit on a round trip,
# with room for a loaded machine, so that every loop has met the silence and said so before it ends
COMMAND_TIMEOUT = 3
FREEZE = POLL_INTERVAL + int(ANSWER_SECONDS) + 10
# getUpdates' round trip and the reply's: what a user waits beyond the command's limit
SLACK = 2.0
# one command per chat (a chat's updates are handled one after another), each its own way to the database:
# a time-limited history read, a plain read, and a command that only reads the chat's language (answered
# in English then)
FROZEN_COMMANDS = {101: "/status", 102: "/mysubs", 103: "/help"}
FAILED = "failed on our side"
FROZEN_ANSWERS = {"/status": FAILED, "/mysubs": FAILED, "/help": "/subscribe"}


@pytest.mark.postgres
async def test_commands_are_answered_within_their_limit_while_postgresql_is_frozen(tmp_path: Path) -> None:
    """PostgreSQL stops answering without closing its connections (SIGSTOP: a hung host, a partition) for
    longer than the command time limit. Every command sent meanwhile is answered within that limit ("failed
    on our side" when it needs the database), each background loop says the database is unavailable instead
    of hanging, and once the server answers again every item published meanwhile is alerted exactly once."""
    with private_postgres() as server, FeedServer() as feeds:
        url = server.url
        frozen = FrozenPostgres(server)
        paths, seed = await subscribed_chat_and_feeds(url, feeds, tmp_path)
        log = tmp_path / "borderwatch.log"
        async with bot_api((CHAT, *FROZEN_COMMANDS)) as telegram:
            env = run_env(url, tmp_path, seed, telegram, command_timeout=COMMAND_TIMEOUT)
            try:
                async with running(tmp_path, [(["run"], env, log)]) as (process,):
                    await telegram.wait_until(lambda: all(feeds.requests(p) for p in paths), within=90)
                    await asyncio.sleep(2)
                    logged_before = len(log.read_bytes())
                    await asyncio.to_thread(frozen.stop)
                    frozen_at = time.monotonic()
                    published = publish_breaking(feeds, paths)
                    # a poll interval for every feed to be fetched while frozen, then the commands
                    await asyncio.sleep(POLL_INTERVAL)
                    asked = {}
                    for chat, command in FROZEN_COMMANDS.items():
                        telegram.inject_command(chat, chat, command)
                        asked[chat] = time.monotonic()
                    with contextlib.suppress(TimeoutError):
                        await telegram.wait_until(
                            lambda: all(telegram.sent(chat) for chat in FROZEN_COMMANDS),
                            within=FREEZE - (time.monotonic() - frozen_at),
                        )
                    answers = {
                        chat: (telegram.sent(chat)[0].at - asked[chat], telegram.sent(chat)[0].text)
                        for chat in FROZEN_COMMANDS
                        if telegram.sent(chat)
                    }
                    await asyncio.sleep(max(0.0, FREEZE - (time.monotonic() - frozen_at)))
                    assert process.returncode is None, "borderwatch died with its database frozen"
                    logged_frozen = logged_since(log, logged_before)
                    await asyncio.to_thread(frozen.start)
                    resumed_at = time.monotonic()
                    await until_alerted(telegram, published, within=3 * POLL_INTERVAL + 30)
                    caught_up = time.monotonic() - resumed_at
                    # and commands read the database again
                    telegram.inject_command(101, 101, "/status")
                    with contextlib.suppress(TimeoutError):
                        await telegram.wait_for_messages(101, 2, within=COMMAND_TIMEOUT + SLACK + 5)
                    await asyncio.sleep(3)
                    texts = telegram.texts(CHAT)
                    after = telegram.texts(101)[1:]
                    assert await terminate(process) == 0
            finally:
                frozen.start()
    waited = {FROZEN_COMMANDS[chat]: round(answer[0], 1) for chat, answer in answers.items()}
    record(
        "commands while PostgreSQL is frozen",
        f"frozen {FREEZE} s, command limit {COMMAND_TIMEOUT} s: replies after {waited} s "
        f"({len(answers)}/{len(FROZEN_COMMANDS)} answered while frozen); every item alerted "
        f"{caught_up:.1f} s after the server answered again",
    )
    assert len(answers) == len(FROZEN_COMMANDS), f"commands not answered while frozen: {waited}"
    for chat, (seconds, text) in answers.items():
        assert FROZEN_ANSWERS[FROZEN_COMMANDS[chat]] in text, (FROZEN_COMMANDS[chat], text)
        assert seconds <= COMMAND_TIMEOUT + SLACK, (FROZEN_COMMANDS[chat], seconds)
    counts = {title: sum(title in text for text in texts) for title in published}
    assert all(n >= 1 for n in counts.values()), f"items never alerted after the freeze: {counts}"
    assert all(n == 1 for n in counts.values()), f"items alerted more than once: {counts}"
    assert after and FAILED not in after[0], after
    # the loops say the database does not answer rather than waiting silently for it
    for loop in ("delivery-loop", "feeds.service"):
        assert any(
            loop in line and "the database is unavailable" in line for line in logged_frozen.splitlines()
        ), f"{loop}: nothing logged while frozen"
