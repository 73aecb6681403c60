"""The network between borderwatch and PostgreSQL partitions: a loopback proxy (`tcp_proxy.PartitionProxy`)
between the real `borderwatch run` processes and a private PostgreSQL drops everything, either way, without
closing a connection (no RST, no FIN), then heals; or it half-opens every connection (the server's side
reset, the client's left open and silent). Nothing may wait longer than the partition: once it heals, every
item published meanwhile is alerted exactly once within a poll interval or two, /healthz is 503 during and
200 after, the log says so in a few lines, and SIGTERM is obeyed, partitioned or not."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import ANSWER_SECONDS, FORGET_LOST_CLIENTS, IDLE_IN_TRANSACTION_SECONDS, Database
from tests.botapi.emulator import BotApiEmulator
from tests.feedserver import FeedServer
from tests.reliability.conftest import record
from tests.reliability.private_postgres import private_postgres
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
    seed_fan_out,
    subscribed_chat_and_feeds,
    terminate,
    tracebacks,
    until_alerted,
)
from tests.reliability.tcp_proxy import PartitionProxy, can_forget

pytestmark = [pytest.mark.reliability, pytest.mark.postgres]

# how long the network is cut; BORDERWATCH_TEST_PARTITION_SECONDS=180 tries three minutes
PARTITION = float(os.environ.get("BORDERWATCH_TEST_PARTITION_SECONDS", "30"))
# how long a half-open network is watched before it is "healed" (new connections pass all along)
HALF_OPEN = ANSWER_SECONDS + 5
# chats whose alerts Telegram is still answering (slowly) when the network is cut: in flight
IN_FLIGHT = list(range(1001, 1017))
SLOW_SEND = 3.0
FAN_OUT = "Shelling near Sev Lake"  # the title of seed_fan_out's story
# what SIGTERM may take while the database cannot be reached (docker stop's default grace period)
STOP_WITHIN = 10.0


async def _ghosts(url: str) -> list[str]:
    """Server sessions still inside a transaction that nothing has touched for 10 s: what a client that
    gave up on its connection during the partition left behind, holding its locks."""
    db = Database(url)
    try:
        async with db.transaction() as session:
            rows = await session.execute(
                text(
                    "SELECT state, left(query, 60) FROM pg_stat_activity"
                    " WHERE state LIKE 'idle in transaction%'"
                    " AND state_change < now() - interval '10 seconds' AND pid <> pg_backend_pid()"
                )
            )
            return [f"{state}: {query}" for state, query in rows]
    finally:
        await db.dispose()


async def _fan_out_in_flight(url: str, telegram: BotApiEmulator) -> None:
    """An alert for each IN_FLIGHT chat, each answered by Telegram SLOW_SEND s after it is sent."""
    for chat in IN_FLIGHT:
        telegram.add_user(chat)
    telegram.inject_fault("delay", len(IN_FLIGHT), methods=["sendMessage"], delay=SLOW_SEND)
    db = Database(url)
    try:
        await seed_fan_out(db, IN_FLIGHT)
    finally:
        await db.dispose()


@pytest.mark.parametrize(
    ("cut", "roles", "behind"),
    [
        ("blackhole", ("all",), ("all",)),
        # only the bot side's network is cut: the ingest worker goes on storing and sees the bot silent
        ("blackhole", ("ingest", "bot"), ("bot",)),
        ("half-open", ("all",), ("all",)),
    ],
)
async def test_items_published_during_a_partition_alert_once_it_heals(
    cut: str, roles: tuple[str, ...], behind: tuple[str, ...], tmp_path: Path
) -> None:
    with private_postgres(password="Partition-Pw-31") as server, FeedServer() as feeds:
        paths, seed = await subscribed_chat_and_feeds(server.url, feeds, tmp_path)
        metrics_port = free_port()
        async with (
            PartitionProxy(server.port) as proxy,
            bot_api([CHAT]) as telegram,
        ):
            env = run_env(
                server.url, tmp_path, seed, telegram, metrics_port=metrics_port, metrics_host="127.0.0.1"
            )
            logs = [tmp_path / f"borderwatch-{role}.log" for role in roles]
            commands = []
            for role, log in zip(roles, logs, strict=True):
                own = {k: v for k, v in env.items() if role == roles[-1] or "METRICS" not in k}
                if role in behind:
                    own["BORDERWATCH_DATABASE_URL"] = proxy.url(server.url, server.port)
                commands.append((["run", "--role", role], own, log))
            async with running(tmp_path, commands) as processes:
                await telegram.wait_until(lambda: all(feeds.requests(p) for p in paths), within=90)
                await asyncio.sleep(2)
                before = await asyncio.to_thread(health, metrics_port)
                logged_before = [len(log.read_bytes()) for log in logs]
                await _fan_out_in_flight(server.url, telegram)
                # the delivery loop looks every second; the sends then wait for their answers
                await asyncio.sleep(1.5)
                in_flight = sum(1 for chat in IN_FLIGHT if not telegram.sent(chat))
                (proxy.blackhole if cut == "blackhole" else proxy.half_open)()
                cut_at = time.monotonic()
                published = publish_breaking(feeds, paths)
                health_during = []
                # a half-open connection is found out by the limit on each round trip: no more to wait
                while time.monotonic() - cut_at < (PARTITION if cut == "blackhole" else HALF_OPEN):
                    health_during.append(await asyncio.to_thread(health, metrics_port))
                    await asyncio.sleep(3)
                assert all(p.returncode is None for p in processes), "borderwatch died in the partition"
                proxy.heal()
                healed_at = time.monotonic()
                await until_alerted(telegram, published, within=3 * POLL_INTERVAL + 30)
                caught_up = time.monotonic() - healed_at
                await asyncio.sleep(3)
                health_after = await asyncio.to_thread(health, metrics_port)
                ghosts = await _ghosts(server.url)
                logged = [logged_since(log, n) for log, n in zip(logs, logged_before, strict=True)]
                texts = telegram.texts(CHAT)
                fan_out = {chat: sum(FAN_OUT in t for t in telegram.texts(chat)) for chat in IN_FLIGHT}
                # SIGTERM while the network is cut again
                proxy.blackhole()
                await asyncio.sleep(2)
                stop_started = time.monotonic()
                codes = await asyncio.gather(
                    *(terminate(p, within=STOP_WITHIN) for p in processes), return_exceptions=True
                )
                stopped_in = time.monotonic() - stop_started
                proxy.heal()
    counts = {title[:20]: sum(title in text for text in texts) for title in published}
    repeated = sum(n - 1 for n in fan_out.values() if n > 1)
    lost = sum(1 for n in fan_out.values() if n == 0)
    lines = sum(len(text.splitlines()) for text in logged)
    traced = sum(tracebacks(text) for text in logged)
    record(
        f"network partition ({cut}, {' + '.join(roles)})",
        f"cut {healed_at - cut_at:.0f} s while {len(paths)} feeds published: alerts {counts}, the last "
        f"{caught_up:.1f} s after it healed; /healthz during {sorted(set(health_during))}, after "
        f"{health_after}; {lines} log lines, {traced} tracebacks; {in_flight} alerts in flight at the "
        f"cut: {lost} lost, {repeated} repeated; ghost transactions {ghosts}; SIGTERM while cut: {codes} "
        f"in {stopped_in:.1f} s",
    )
    assert all(n >= 1 for n in counts.values()), f"items never alerted after the partition: {counts}"
    assert all(n == 1 for n in counts.values()), f"items alerted more than once: {counts}"
    assert not lost and not repeated, f"alerts in flight at the cut: {fan_out}"
    assert caught_up <= 2 * POLL_INTERVAL, f"alerted {caught_up:.1f} s after the partition healed"
    assert before == 200 and health_after == 200, (before, health_after)
    assert 503 in health_during, health_during
    assert not ghosts, f"transactions left open on the server: {ghosts}"
    assert all("Partition-Pw-31" not in text for text in logged)
    assert traced <= 4, f"{traced} tracebacks logged in the partition"
    assert lines <= 60, f"{lines} log lines in the partition"
    assert codes == [0] * len(processes), f"SIGTERM while partitioned: {codes} after {stopped_in:.1f} s"


# what a lost transaction may hold others up, at most: the server's own limit on a session idle inside a
# transaction (storage.db), a round trip under way meanwhile, then the bot's next try of what waited on its
# locks (a poll interval or two), and room for a loaded machine (measured: 62-65 s); from the product's
# limits, so that a change of them moves the wait too
GHOST_WAIT = IDLE_IN_TRANSACTION_SECONDS + ANSWER_SECONDS + 2 * POLL_INTERVAL + 25.0


async def _until(predicate: Callable[[], bool], within: float) -> bool:
    ends = time.monotonic() + within
    while not predicate():
        if time.monotonic() > ends:
            return False
        await asyncio.sleep(0.2)
    return True


async def test_a_transaction_lost_with_its_connection_holds_no_alert_back(tmp_path: Path) -> None:
    """A partition that outlasts the client's retransmissions: the bot's marks of sent alerts reach the
    server, their COMMIT never does, nor any FIN. Before, the server kept that session idle in a transaction
    with its row locks for as long as its TCP keepalive took to notice (two hours by default): the bot's
    retries of the marks waited on those locks, holding every send slot, and no chat got any alert."""
    roles = ("ingest", "bot")
    with private_postgres(password="Partition-Pw-31") as server, FeedServer() as feeds:
        paths, seed = await subscribed_chat_and_feeds(server.url, feeds, tmp_path)
        async with (
            PartitionProxy(server.port) as proxy,
            bot_api([CHAT]) as telegram,
        ):
            env = run_env(server.url, tmp_path, seed, telegram)
            commands = []
            for role in roles:
                own = dict(env)
                if role == "bot":
                    own["BORDERWATCH_DATABASE_URL"] = proxy.url(server.url, server.port)
                commands.append((["run", "--role", role], own, tmp_path / f"borderwatch-{role}.log"))
            async with running(tmp_path, commands) as processes:
                await telegram.wait_until(lambda: all(feeds.requests(p) for p in paths), within=90)
                await asyncio.sleep(2)
                await _fan_out_in_flight(server.url, telegram)
                await asyncio.sleep(1.5)  # leased and sent; Telegram answers SLOW_SEND s after each
                # the next write of several rows: the marks of the first sends Telegram answers
                proxy.sever_next_commit(min_rows=2)
                severed = await _until(lambda: bool(proxy.severed_at), within=30)
                assert severed, "no transaction of several rows was committed after the sends"
                published = publish_breaking(feeds, paths)
                await until_alerted(telegram, published, within=GHOST_WAIT)
                caught_up = time.monotonic() - proxy.severed_at[0]
                await asyncio.sleep(3)
                texts = telegram.texts(CHAT)
                fan_out = {chat: sum(FAN_OUT in t for t in telegram.texts(chat)) for chat in IN_FLIGHT}
                codes = await asyncio.gather(
                    *(terminate(p, within=STOP_WITHIN) for p in processes), return_exceptions=True
                )
            ghost_ended = [at - proxy.severed_at[0] for at in proxy.ghost_ended_at]
    counts = {title[:20]: sum(title in text for text in texts) for title in published}
    record(
        "network partition (a transaction lost for good)",
        f"the server ended the lost session {[round(s, 1) for s in ghost_ended]} s after its COMMIT was "
        f"lost; alerts {counts}, the last {caught_up:.1f} s after it; in-flight alerts {fan_out}",
    )
    assert all(n >= 1 for n in counts.values()), f"items not alerted within {GHOST_WAIT:.0f} s: {counts}"
    assert all(n == 1 for n in counts.values()), f"items alerted more than once: {counts}"
    assert all(n == 1 for n in fan_out.values()), f"alerts in flight at the loss: {fan_out}"
    assert codes == [0] * len(processes), codes


# how long the server may keep the sessions of a client that lost its connections for good: its keepalive's
# first probe after a minute of silence (storage.db), answered by a reset (or all probes unanswered); room
FORGOTTEN_WAIT = (
    int(FORGET_LOST_CLIENTS["tcp_keepalives_idle"])
    + int(FORGET_LOST_CLIENTS["tcp_keepalives_interval"]) * int(FORGET_LOST_CLIENTS["tcp_keepalives_count"])
    + 60.0
)


async def _client_sessions(url: str) -> set[int]:
    """The server's client sessions other than the one asking: their backend pids."""
    db = Database(url)
    try:
        async with db.transaction() as session:
            rows = await session.execute(
                text(
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
                )
            )
            return {int(pid) for (pid,) in rows}
    finally:
        await db.dispose()


async def test_the_sessions_of_connections_lost_for_good_are_given_up_by_the_server(tmp_path: Path) -> None:
    """A partition that outlasts the client's retransmissions, then heals: the client's kernel has dropped
    every connection (borderwatch reconnects), the server's sessions for them never heard a FIN or RST.
    Before, each stayed until the server's TCP keepalive (two hours by default), holding a connection slot
    (and, for the liveness connection, the process's advisory lock): a few such partitions use up
    max_connections, and every process is refused."""
    if not can_forget():
        pytest.skip("closing a socket without a FIN or RST (TCP_REPAIR) needs CAP_NET_ADMIN")
    with private_postgres(password="Partition-Pw-31") as server, FeedServer() as feeds:
        paths, seed = await subscribed_chat_and_feeds(server.url, feeds, tmp_path)
        async with (
            PartitionProxy(server.port) as proxy,
            bot_api([CHAT]) as telegram,
        ):
            env = run_env(proxy.url(server.url, server.port), tmp_path, seed, telegram)
            async with running(tmp_path, [(["run"], env, tmp_path / "borderwatch.log")]) as (process,):
                await telegram.wait_until(lambda: all(feeds.requests(p) for p in paths), within=90)
                await asyncio.sleep(2)
                lost = await _client_sessions(server.url)
                proxy.forget()
                lost_at = time.monotonic()
                published = publish_breaking(feeds, paths)
                await until_alerted(telegram, published, within=3 * POLL_INTERVAL + 30)
                caught_up = time.monotonic() - lost_at
                left = lost
                while left and time.monotonic() - lost_at < FORGOTTEN_WAIT:
                    await asyncio.sleep(2)
                    left = lost & await _client_sessions(server.url)
                given_up_in = time.monotonic() - lost_at
                texts = telegram.texts(CHAT)
                code = await terminate(process, within=STOP_WITHIN)
    counts = {title[:20]: sum(title in text for text in texts) for title in published}
    record(
        "network partition (connections lost for good)",
        f"{len(lost)} server sessions of the lost connections, {len(left)} left {given_up_in:.0f} s later; "
        f"alerts {counts}, the last {caught_up:.1f} s after the loss",
    )
    assert not left, f"{len(left)} of {len(lost)} sessions still on the server {given_up_in:.0f} s later"
    assert all(n == 1 for n in counts.values()), f"items not alerted once each: {counts}"
    assert code == 0
