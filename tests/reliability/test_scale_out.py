"""Scale-out on one PostgreSQL database: `borderwatch run --role ingest` × 3 and `--role bot` × 1 as real
processes, N feeds on the loopback feed server. Each feed is polled once per interval by exactly one worker
(counted from the server's request log), a kill -9'd worker's feeds are polled again by the others within one
interval (its leases are given back as soon as it is seen dead, not when they run out), and every alert is
sent once."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.chats import add_subscriptions
from storage.db import Database
from storage.feeds import add_feed
from storage.models import ALL_ENTITIES, Feed, FetchLog
from tests.botapi.emulator import BotApiEmulator
from tests.conftest import POSTGRES_ONLY
from tests.feedserver import FeedServer, loopback_hosts
from tests.reliability.conftest import record
from tests.reliability.processes import REALISTIC_TOKEN, borderwatch_env, kill9, recent_rss, start, terminate

pytestmark = pytest.mark.reliability

# A worker holds at most 2 × BORDERWATCH_FETCH_CONCURRENCY feeds at once (400 here); 2,000 feeds at a 20 s
# interval need 100 polls/s from the two workers left after the kill.
FEEDS = int(os.environ.get("BORDERWATCH_SCALE_FEEDS", "2000"))
INTERVAL = 20
CRISIS_INTERVAL = 10  # the default BORDERWATCH_CRISIS_POLL_INTERVAL
WINDOW = 66.0  # seconds of steady polling measured: three intervals and then some
CHATS = 5
# three stories about different places (story merging must keep them apart)
HEADLINES = [
    "Shelling near Sev Lake wounds two soldiers overnight",
    "Nakhchivan railway reopens after three weeks of repairs",
    "Syunik farmers count crop losses from the summer drought",
]
NEW_STORIES = len(HEADLINES)


async def _wait(predicate: object, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@POSTGRES_ONLY  # SQLite has one writer
async def test_three_ingest_workers_and_a_bot_share_one_postgresql_database(
    database_url: str, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    hosts = loopback_hosts(50)
    db = Database(database_url)
    processes: list[asyncio.subprocess.Process] = []
    stack = contextlib.ExitStack()
    try:
        with FeedServer(hosts, latency=0.2) as server:
            paths = [f"/scale/{n}.xml" for n in range(FEEDS)]
            urls = []
            for n, path in enumerate(paths):
                body = recent_rss(f"Feed {n}", [(f"s{n}-0", f"Border report {n}: crossing open")], now)
                urls.append(server.add(path, body, host=hosts[n % len(hosts)]))
            for url in urls:
                await add_feed(db, url, now=now, interval_seconds=INTERVAL)
            chat_ids = list(range(900, 900 + CHATS))
            for chat_id in chat_ids:
                await add_subscriptions(db, chat_id, "private", [ALL_ENTITIES])

            async with BotApiEmulator(token=REALISTIC_TOKEN, enforce_limits=False) as telegram:
                for chat_id in chat_ids:
                    telegram.add_user(chat_id)
                env = borderwatch_env(
                    database_url,
                    tmp_path,
                    telegram_token=REALISTIC_TOKEN,
                    telegram_api_url=telegram.base_url,
                    allow_private_urls="true",
                    poll_interval=INTERVAL,
                    poll_max_interval=INTERVAL,
                    per_host_concurrency=8,
                    fetch_concurrency=200,  # a worker holds at most 2 × this at once
                    fetch_timeout=5,
                    log_level="INFO",  # each process's log is shown if it does not stop cleanly
                )
                logs = [stack.enter_context((tmp_path / f"process-{n}.log").open("wb")) for n in range(4)]
                workers = [
                    await start(["run", "--role", "ingest"], env, tmp_path, output=logs[n]) for n in range(3)
                ]
                processes.extend(workers)
                processes.append(await start(["run", "--role", "bot"], env, tmp_path, output=logs[3]))

                async def history_loaded() -> bool:
                    async with db.transaction() as session:
                        waiting = await session.scalar(
                            select(Feed.id).where(Feed.history_loaded.is_(False)).limit(1)
                        )
                    return waiting is None

                started = time.monotonic()
                await _wait(history_loaded, 120, "every feed's first poll")
                first_round = time.monotonic() - started

                # new stories on a few feeds: each must reach every chat exactly once
                for n in range(NEW_STORIES):
                    body = recent_rss(
                        f"Feed {n}",
                        [(f"new-{n}", HEADLINES[n]), (f"s{n}-0", f"Border report {n}: crossing open")],
                        datetime.now(UTC),
                    )
                    server.add(paths[n], body, host=hosts[n % len(hosts)])

                window_start = time.monotonic()
                await asyncio.sleep(WINDOW / 3)
                # kill -9 a worker while it holds leases
                victim = workers[0]

                async def leases_of_victim() -> list[tuple[int, datetime | None]]:
                    async with db.transaction() as session:
                        rows = await session.execute(
                            select(Feed.id, Feed.lease_until).where(
                                Feed.lease_owner.like(f"%:{victim.pid}:%")
                            )
                        )
                        return [(row[0], row[1]) for row in rows.all()]

                # leases come and go as polls start and finish, in bursts once per interval; on a loaded
                # machine the other workers may take a whole burst, so look for several intervals. The worker
                # is frozen (SIGSTOP) while its leases are read, so that what was read is what it holds when
                # the kill -9 comes; when it holds none it runs on and is looked at again.
                lease_deadline = time.monotonic() + 5 * INTERVAL
                held: list[tuple[int, datetime | None]] = []
                while time.monotonic() < lease_deadline:
                    victim.send_signal(signal.SIGSTOP)
                    held = await leases_of_victim()
                    if held:
                        break
                    victim.send_signal(signal.SIGCONT)
                    await asyncio.sleep(0.05)
                await kill9(victim)
                killed_at = datetime.now(UTC)
                assert held, "the worker never held a lease"
                await asyncio.sleep(WINDOW * 2 / 3)
                window_end = time.monotonic()

                async def all_alerts_sent() -> bool:
                    return all(len(telegram.sent(c)) >= NEW_STORIES for c in chat_ids)

                await _wait(all_alerts_sent, 30, "the alerts")
                for n, process in enumerate(processes[1:], start=1):
                    code = await terminate(process)
                    assert code == 0, (code, (tmp_path / f"process-{n}.log").read_text()[-3000:])
                texts = {c: [m.text for m in telegram.sent(c)] for c in chat_ids}
                log = server.requests()
    finally:
        for process in processes:
            if process.returncode is None:
                await kill9(process)
        stack.close()
    try:
        async with db.transaction() as session:
            held_ids = {feed_id for feed_id, _ in held}
            taken_up = (
                await session.execute(
                    select(FetchLog.feed_id, FetchLog.worker, FetchLog.started_at)
                    .where(FetchLog.feed_id.in_(held_ids), FetchLog.started_at > killed_at)
                    .order_by(FetchLog.started_at)
                )
            ).all()
            workers_used = set((await session.execute(select(FetchLog.worker).distinct())).scalars())
            # the Sev Lake story puts the feeds that reported on Sev Lake into crisis mode (polled every 10 s)
            crisis_ids = set(
                (await session.scalars(select(Feed.id).where(Feed.crisis_until.is_not(None)))).all()
            )
    finally:
        await db.dispose()

    # once per interval, by one worker: no feed is fetched twice within an interval
    by_path: dict[str, list[float]] = {}
    for request in log:
        if window_start <= request.at <= window_end:
            by_path.setdefault(request.path, []).append(request.at)
    held_paths = {paths[feed_id - 1] for feed_id in held_ids}
    crisis_paths = {paths[feed_id - 1] for feed_id in crisis_ids}
    too_soon = 0
    gaps = []
    for path, times in by_path.items():
        # a feed in crisis mode is polled every 10 s (by whichever worker): never twice within that
        interval = CRISIS_INTERVAL if path in crisis_paths else INTERVAL
        for a, b in itertools.pairwise(times):
            gaps.append(b - a)
            if b - a < interval * 0.9 and path not in held_paths:
                too_soon += 1
    # (a killed worker's feeds may be polled twice within an interval: once by it before it died, once by
    # another right after; they miss no round)
    fetches = [len(by_path.get(path, [])) for path in paths]
    expected = WINDOW / INTERVAL
    assert too_soon == 0
    assert min(fetches) >= int(expected) - 1, "a feed was not polled on schedule"
    assert crisis_ids == {1}, "only the feed that reported on Sev Lake goes into crisis mode"
    crisis_times = by_path.get(paths[0], [])
    crisis_fetches = len(crisis_times)
    assert any(b - a < INTERVAL * 0.9 for a, b in itertools.pairwise(crisis_times)), (
        "no faster polls in crisis"
    )
    assert len(workers_used) >= 2  # the work was shared (the victim may die before recording a poll)

    # the killed worker's feeds: polled again by another worker within one interval of the kill, though
    # their leases (the default, 15 minutes) had long to run
    first_after: dict[int, tuple[str | None, datetime]] = {}
    for feed_id, worker, started_at in taken_up:
        first_after.setdefault(feed_id, (worker, started_at))
    lease_end = dict(held)
    assert set(first_after) == held_ids
    taken_up_after = []
    for feed_id, (worker, started_at) in first_after.items():
        assert worker is not None and f":{victim.pid}:" not in worker
        lease_until = lease_end[feed_id]
        assert lease_until is not None and started_at < lease_until
        taken_up_after.append((started_at - killed_at).total_seconds())
    assert max(taken_up_after) < INTERVAL

    # alerts: each chat has each new story exactly once
    for chat_id, messages in texts.items():
        assert len(messages) == NEW_STORIES == len(set(messages)), chat_id
    record(
        "scale-out (postgresql)",
        f"{FEEDS} feeds, 3 ingest + 1 bot processes: first round {first_round:.1f} s; in {WINDOW:.0f} s at a "
        f"{INTERVAL} s interval each feed fetched {min(fetches)}-{max(fetches)}× (expected ≈{expected:.0f}), "
        f"shortest gap {min(gaps):.1f} s, 0 fetched twice within an interval; the feed in crisis mode after "
        f"the Sev Lake story fetched {crisis_fetches}× (every {CRISIS_INTERVAL} s); killed worker held "
        f"{len(held_ids)} leases, all polled again by others {min(taken_up_after):.1f}-"
        f"{max(taken_up_after):.1f} s after the kill (interval {INTERVAL} s); "
        f"{NEW_STORIES * CHATS} alerts sent once each",
    )


ADMIN = 4242


async def test_an_entity_tracked_in_chat_tags_the_next_item_in_a_separate_ingest_process(
    database_url: str, tmp_path: Path
) -> None:
    """`/track` in the bot process changes what a `--role ingest` process tags, without a restart: the next
    item naming the new entity reaches the chat subscribed to it."""
    now = datetime.now(UTC)
    db = Database(database_url)
    processes: list[asyncio.subprocess.Process] = []
    stack = contextlib.ExitStack()
    try:
        with FeedServer() as server:
            path = "/gazetteer.xml"
            url = server.add(path, recent_rss("Syunik news", [("old", "Border report: crossing open")], now))
            await add_feed(db, url, now=now, interval_seconds=10)
            async with BotApiEmulator(token=REALISTIC_TOKEN, enforce_limits=False) as telegram:
                telegram.add_user(ADMIN)
                env = borderwatch_env(
                    database_url,
                    tmp_path,
                    telegram_token=REALISTIC_TOKEN,
                    telegram_api_url=telegram.base_url,
                    allow_private_urls="true",
                    poll_interval=10,
                    admins=ADMIN,
                    log_level="INFO",
                )
                logs = [
                    stack.enter_context((tmp_path / f"{role}.log").open("wb")) for role in ("ingest", "bot")
                ]
                processes.append(await start(["run", "--role", "ingest"], env, tmp_path, output=logs[0]))
                processes.append(await start(["run", "--role", "bot"], env, tmp_path, output=logs[1]))

                async def history_loaded() -> bool:
                    async with db.transaction() as session:
                        return bool(await session.scalar(select(Feed.history_loaded)))

                await _wait(history_loaded, 60, "the feed's first poll")
                telegram.inject_command(ADMIN, ADMIN, "/track meghri Meghri; Мегри")
                (tracked,) = await telegram.wait_for_messages(ADMIN, 1, within=60)
                assert "Now tracking" in tracked.text
                telegram.inject_command(ADMIN, ADMIN, "/subscribe meghri")
                await telegram.wait_for_messages(ADMIN, 2, within=60)

                async def ingest_reloaded() -> bool:
                    return b"gazetteer changed elsewhere" in (tmp_path / "ingest.log").read_bytes()

                await _wait(ingest_reloaded, 30, "the ingest process to see the change")
                headline = "Road to Мегри reopened after the landslide"
                server.add(
                    path, recent_rss("Syunik news", [("new", headline), ("old", "Border report")], now)
                )

                async def alerted() -> bool:
                    return any("landslide" in text for text in telegram.texts(ADMIN))

                await _wait(alerted, 60, "the alert about the new entity")
                alert = next(m for m in telegram.sent(ADMIN) if "landslide" in m.text)
                for process in processes:
                    assert await terminate(process) == 0
    finally:
        for process in processes:
            if process.returncode is None:
                await kill9(process)
        stack.close()
        await db.dispose()
    assert "#meghri" in alert.text
