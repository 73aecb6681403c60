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
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from feeds.opml import OpmlFeed, write_opml
from storage.db import ANSWER_SECONDS, Database
from storage.migrate import upgrade
from storage.models import ALL_ENTITIES, Chat, Subscription
from tests.botapi.emulator import BotApiEmulator
from tests.feedserver import FeedServer, rss
from tests.reliability.conftest import record
from tests.reliability.private_postgres import PrivatePostgres, private_postgres
from tests.reliability.processes import REALISTIC_TOKEN, borderwatch_env, start, terminate

pytestmark = [pytest.mark.reliability]

FEEDS = 4
CHAT = 7
POLL_INTERVAL = 10
# how long the database is away; BORDERWATCH_TEST_OUTAGE_SECONDS=180 tries a three-minute outage
OUTAGE = float(os.environ.get("BORDERWATCH_TEST_OUTAGE_SECONDS", "20"))
# one story each (nothing in common that would merge them), each naming a tracked place
BREAKING = [
    "Azerbaijani troops shelled Armenian positions near Sev Lake overnight, two soldiers wounded",
    "Foreign ministers of Armenia and Azerbaijan to meet in Washington on the peace treaty text",
    "New road between Goris and Kapan opened to traffic, Syunik governor says",
    "Villagers in Tavush report drones flying over the border at night",
]


def _quiet(n: int) -> tuple[str, str, str, str]:
    return (f"q{n}", f"Weather report number {n} for the region", f"http://example.com/q{n}", "weather")


def _breaking(feed: int) -> tuple[str, str, str, str]:
    return (f"b{feed}", BREAKING[feed], f"http://example.com/b{feed}", BREAKING[feed])


def _health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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


async def _subscribed_chat_and_feeds(url: str, server: FeedServer, tmp_path: Path) -> tuple[list[str], Path]:
    """The migrated database at `url` with CHAT subscribed to everything, and FEEDS quiet feeds on `server`:
    their paths, and the OPML file that seeds them."""
    await upgrade(url)
    db = Database(url)
    async with db.transaction() as session:
        await session.execute(insert(Chat), [{"id": CHAT, "type": "private", "active": True}])
        await session.execute(insert(Subscription), [{"chat_id": CHAT, "entity_id": ALL_ENTITIES}])
    await db.dispose()
    paths = [f"/feed{n}.xml" for n in range(FEEDS)]
    for path in paths:
        server.add(path, rss(f"Wire {path}", [_quiet(1)]))
    seed = tmp_path / "feeds.opml"
    seed.write_text(write_opml([OpmlFeed(server.url(p), f"Wire {p}", "en") for p in paths]))
    return paths, seed


def _publish_breaking(server: FeedServer, paths: list[str]) -> list[str]:
    """A breaking item published now on each feed (over its quiet one): their titles, in feed order."""
    now = int(datetime.now(UTC).timestamp())
    published = []
    for n, path in enumerate(paths):
        item = _breaking(n)
        published.append(item[1])
        server.add(path, rss(f"Wire {path}", [item, _quiet(1)], dates=[now, now - 3600]))
    return published


def _run_env(
    url: str, tmp_path: Path, seed: Path, telegram: BotApiEmulator, **extra: object
) -> dict[str, str]:
    """The environment of a `borderwatch run` polling the seeded feeds and alerting through `telegram`."""
    return borderwatch_env(
        url,
        tmp_path,
        feeds=seed,
        telegram_token=REALISTIC_TOKEN,
        telegram_api_url=telegram.base_url,
        allow_private_urls="true",
        poll_interval=POLL_INTERVAL,
        crisis_duration=0,
        log_level="INFO",
        **extra,
    )


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
        paths, seed = await _subscribed_chat_and_feeds(url, server, tmp_path)
        metrics_port = _free_port()
        async with BotApiEmulator(token=REALISTIC_TOKEN, enforce_limits=False) as telegram:
            telegram.add_user(CHAT)
            env = _run_env(url, tmp_path, seed, telegram, metrics_port=metrics_port, metrics_host="127.0.0.1")
            logs = [tmp_path / f"borderwatch-{role}.log" for role in roles]
            with contextlib.ExitStack() as files:
                processes = []
                for role, log in zip(roles, logs, strict=True):
                    # the metrics port (and /healthz) on the last process, the bot side when split
                    own = {k: v for k, v in env.items() if role == roles[-1] or "METRICS" not in k}
                    output = files.enter_context(log.open("wb"))
                    processes.append(await start(["run", "--role", role], own, tmp_path, output=output))
                try:
                    # the first fetch of every feed is history
                    await telegram.wait_until(lambda: all(server.requests(p) for p in paths), within=90)
                    await asyncio.sleep(2)
                    before = await asyncio.to_thread(_health, metrics_port)
                    await asyncio.to_thread(outage.stop)  # type: ignore[attr-defined]
                    down_at = time.monotonic()
                    published = _publish_breaking(server, paths)
                    telegram.inject_command(CHAT, CHAT, "/status")
                    health_during = []
                    while time.monotonic() - down_at < OUTAGE:
                        health_during.append(await asyncio.to_thread(_health, metrics_port))
                        await asyncio.sleep(3)
                    assert all(p.returncode is None for p in processes), "borderwatch died with its database"
                    await asyncio.to_thread(outage.start)  # type: ignore[attr-defined]
                    up_at = time.monotonic()
                    replied = len(telegram.sent(CHAT))

                    def alerted() -> bool:
                        texts = "\n".join(telegram.texts(CHAT))
                        return all(title in texts for title in published)

                    with contextlib.suppress(TimeoutError):
                        await telegram.wait_until(alerted, within=3 * POLL_INTERVAL + 30)
                    caught_up = time.monotonic() - up_at
                    await asyncio.sleep(3)
                    health_after = await asyncio.to_thread(_health, metrics_port)
                    texts = telegram.texts(CHAT)
                    for process in processes:
                        assert await terminate(process) == 0
                finally:
                    for process in processes:
                        if process.returncode is None:
                            process.kill()
                            await process.wait()
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
    tracebacks = sum(text.count("Traceback (most recent call last)") for text in logged)
    assert tracebacks <= 4, f"{tracebacks} tracebacks logged while the database was away"
    # a process that logged the database unavailable says when it answered again (before: never)
    for log, text in zip(logs, logged, strict=True):
        outage = text.find("the database is unavailable")
        assert outage < 0 or "the database answers again" in text[outage:], (
            f"{log.name}: no end of the outage"
        )
    ended = [line for text in logged for line in text.splitlines() if "the database answers again" in line]
    record(
        f"database outage ({kind}, {' + '.join(roles)})",
        f"database away {up_at - down_at:.0f} s while {FEEDS} feeds published: each item alerted once, "
        f"{caught_up:.1f} s after it came back; /healthz during: {sorted(set(health_during))}, after "
        f"{health_after}; /status sent during the outage answered {replied} times by its end, {replies} in "
        f"all; {tracebacks} tracebacks logged; end of the outage logged: {[line[-90:] for line in ended]}",
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
        paths, seed = await _subscribed_chat_and_feeds(url, feeds, tmp_path)
        log = tmp_path / "borderwatch.log"
        async with BotApiEmulator(token=REALISTIC_TOKEN, enforce_limits=False) as telegram:
            for chat in (CHAT, *FROZEN_COMMANDS):
                telegram.add_user(chat)
            env = _run_env(url, tmp_path, seed, telegram, command_timeout=COMMAND_TIMEOUT)
            with log.open("wb") as output:
                process = await start(["run"], env, tmp_path, output=output)
                try:
                    await telegram.wait_until(lambda: all(feeds.requests(p) for p in paths), within=90)
                    await asyncio.sleep(2)
                    logged_before = len(log.read_bytes())
                    await asyncio.to_thread(frozen.stop)
                    frozen_at = time.monotonic()
                    published = _publish_breaking(feeds, paths)
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
                    logged_frozen = log.read_bytes()[logged_before:].decode(errors="replace")
                    await asyncio.to_thread(frozen.start)
                    resumed_at = time.monotonic()

                    def alerted() -> bool:
                        texts = "\n".join(telegram.texts(CHAT))
                        return all(title in texts for title in published)

                    with contextlib.suppress(TimeoutError):
                        await telegram.wait_until(alerted, within=3 * POLL_INTERVAL + 30)
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
                    if process.returncode is None:
                        process.kill()
                        await process.wait()
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
