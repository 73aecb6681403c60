"""PostgreSQL restarts under a running `borderwatch run --role bot`: the process survives, answers again and
catches up with the alerts that came due while the database was down. The test starts its own PostgreSQL
instance (initdb/pg_ctl on a free loopback port in a temp dir), never the machine's shared server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from storage.db import Database
from storage.migrate import upgrade
from storage.models import Delivery, DeliveryUpdate, Item, Story
from tests.botapi.emulator import BotApiEmulator
from tests.reliability.conftest import record
from tests.reliability.private_postgres import PrivatePostgres, private_postgres
from tests.reliability.processes import REALISTIC_TOKEN, borderwatch_env, seed_fan_out, start, terminate

pytestmark = [pytest.mark.reliability, pytest.mark.postgres]

CHATS = 30


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


async def test_the_bot_survives_a_postgresql_restart_and_catches_up(
    postgres: PrivatePostgres, tmp_path: Path
) -> None:
    await upgrade(postgres.url)
    db = Database(postgres.url)
    first = list(range(100, 100 + CHATS))
    second = list(range(200, 200 + CHATS))
    await seed_fan_out(db, first)
    await db.dispose()
    async with BotApiEmulator(token=REALISTIC_TOKEN, enforce_limits=False) as telegram:
        for chat_id in [*first, *second, 7]:
            telegram.add_user(chat_id)
        env = borderwatch_env(
            postgres.url,
            tmp_path,
            telegram_token=REALISTIC_TOKEN,
            telegram_api_url=telegram.base_url,
            send_rate=1000,
            paid_broadcast=True,  # above Telegram's free 30/s (the emulator does not limit here)
            delivery_lease_seconds=2,
        )
        process = await start(["run", "--role", "bot"], env, tmp_path)
        try:
            await telegram.wait_until(lambda: all(telegram.sent(c) for c in first), within=60)
            # alerts that come due while the database is down
            db = Database(postgres.url)
            await seed_fan_out(db, second, now=datetime.now(UTC) + timedelta(seconds=3), batch="b")
            await db.dispose()

            await asyncio.to_thread(postgres.stop)
            down_at = time.monotonic()
            telegram.inject_command(7, 7, "/mysubs")  # handled while the database is gone
            await asyncio.sleep(5)
            assert process.returncode is None, "borderwatch died with its database"
            await asyncio.to_thread(postgres.start)
            up_at = time.monotonic()
            await telegram.wait_until(lambda: all(telegram.sent(c) for c in second), within=90)
            caught_up = time.monotonic() - up_at
            before = len(telegram.sent(7))
            telegram.inject_command(7, 7, "/start")
            await telegram.wait_for_messages(7, before + 1, within=30)
            assert await terminate(process) == 0
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        counts = {c: len(telegram.sent(c)) for c in [*first, *second]}
    assert set(counts.values()) == {1}  # each alert once, before and after the restart
    record(
        "database restart (private postgresql)",
        f"PostgreSQL stopped {up_at - down_at:.1f} s under a running bot: process survived, {CHATS} alerts "
        f"due meanwhile delivered {caught_up:.1f} s after the restart, each once; commands answered again",
    )


IN_FLIGHT_CHATS = 16
SEND_DELAY = 3.0
PASSWORD = "Db-Secret-4c1f9e"


async def test_alerts_sent_while_postgresql_goes_down_are_not_sent_again(tmp_path: Path) -> None:
    """PostgreSQL stops while alerts are in flight: Telegram takes them, but the database cannot be told. Once
    it is back, each chat still has its alert exactly once (before: every alert sent during the outage was
    given back to the outbox and sent again), and the database password never shows in the log."""
    with private_postgres(password=PASSWORD) as postgres:
        await upgrade(postgres.url)
        db = Database(postgres.url)
        chats = list(range(300, 300 + IN_FLIGHT_CHATS))
        await seed_fan_out(db, chats)
        await db.dispose()
        log = tmp_path / "borderwatch.log"
        async with BotApiEmulator(token=REALISTIC_TOKEN, enforce_limits=False) as telegram:
            for chat_id in chats:
                telegram.add_user(chat_id)
            # every alert is answered SEND_DELAY s after it was asked for: the database stops meanwhile
            telegram.inject_fault("delay", IN_FLIGHT_CHATS, methods=["sendMessage"], delay=SEND_DELAY)
            env = borderwatch_env(
                postgres.url,
                tmp_path,
                telegram_token=REALISTIC_TOKEN,
                telegram_api_url=telegram.base_url,
                send_rate=1000,
                paid_broadcast=True,
                log_level="INFO",
            )
            with log.open("wb") as output:
                process = await start(["run", "--role", "bot"], env, tmp_path, output=output)
                try:
                    await telegram.wait_until(
                        lambda: sum(1 for m, _ in telegram.requests if m == "sendMessage") >= 8, within=60
                    )
                    await asyncio.to_thread(postgres.stop)
                    await asyncio.sleep(2 * SEND_DELAY + 1)  # the answers come while the database is down
                    assert process.returncode is None, "borderwatch died with its database"
                    await asyncio.to_thread(postgres.start)
                    await telegram.wait_until(lambda: all(telegram.sent(c) for c in chats), within=60)
                    await asyncio.sleep(5)  # anything given back to the outbox would be sent again by now
                    assert await terminate(process) == 0
                finally:
                    if process.returncode is None:
                        process.kill()
                        await process.wait()
            counts = {c: len(telegram.sent(c)) for c in chats}
    twice = sorted(c for c, n in counts.items() if n > 1)
    assert not twice, f"{len(twice)} of {len(chats)} chats got their alert more than once: {counts}"
    text = log.read_text(errors="replace")
    assert PASSWORD not in text
    record(
        "database restart (private postgresql)",
        f"PostgreSQL stopped with {IN_FLIGHT_CHATS} alerts in flight: each chat got its alert once "
        f"({len(text.splitlines())} log lines, password 0 times)",
    )


async def _raise_to_p1(db: Database, chat_ids: list[int]) -> None:
    """A new report takes the seeded story from P2 to P1: a severity reply is queued for each chat's alert."""
    now = datetime.now(UTC)
    async with db.transaction() as session:
        first = await session.scalar(select(Item).order_by(Item.id).limit(1))
        assert first is not None and first.story_id is not None
        raised = Item(
            feed_id=first.feed_id,
            story_id=first.story_id,
            identity_key="seeded-raise",
            link="https://agency.example/raise",
            title="Mortar fire near Sev Lake, report a1",
            summary="Mortars were fired near Sev Lake.",
            published_at=now,
            fetched_at=now,
            content_hash="seeded-raise",
            severity="P1",
        )
        session.add(raised)
        await session.flush()
        await session.execute(update(Story).where(Story.id == first.story_id).values(severity="P1"))
        alerts = (await session.execute(select(Delivery.id, Delivery.chat_id))).all()
        await session.execute(
            insert(DeliveryUpdate),
            [
                {
                    "delivery_id": delivery_id,
                    "chat_id": chat_id,
                    "story_id": first.story_id,
                    "item_id": raised.id,
                    "kind": "reply",
                    "severity": "P1",
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for delivery_id, chat_id in alerts
                if chat_id in chat_ids
            ],
        )


async def test_severity_replies_sent_while_postgresql_goes_down_are_not_sent_again(tmp_path: Path) -> None:
    """As above for the reply sent when a story's severity rises: PostgreSQL stops while the replies are in
    flight; once it is back each chat has its alert and one reply (before: every reply Telegram took during
    the outage was given back to the outbox and sent again)."""
    with private_postgres() as postgres:
        await upgrade(postgres.url)
        db = Database(postgres.url)
        chats = list(range(400, 400 + IN_FLIGHT_CHATS))
        await seed_fan_out(db, chats)
        async with BotApiEmulator(token=REALISTIC_TOKEN, enforce_limits=False) as telegram:
            for chat_id in chats:
                telegram.add_user(chat_id)
            env = borderwatch_env(
                postgres.url,
                tmp_path,
                telegram_token=REALISTIC_TOKEN,
                telegram_api_url=telegram.base_url,
                send_rate=1000,
                paid_broadcast=True,
            )
            process = await start(["run", "--role", "bot"], env, tmp_path)
            try:
                await telegram.wait_until(lambda: all(telegram.sent(c) for c in chats), within=60)
                # every reply is answered SEND_DELAY s after it was asked for: the database stops meanwhile
                telegram.inject_fault("delay", IN_FLIGHT_CHATS, methods=["sendMessage"], delay=SEND_DELAY)
                await _raise_to_p1(db, chats)
                await db.dispose()
                await telegram.wait_until(
                    lambda: sum(1 for m, _ in telegram.requests if m == "sendMessage") >= IN_FLIGHT_CHATS + 8,
                    within=60,
                )
                await asyncio.to_thread(postgres.stop)
                await asyncio.sleep(2 * SEND_DELAY + 1)  # the answers come while the database is down
                assert process.returncode is None, "borderwatch died with its database"
                await asyncio.to_thread(postgres.start)
                await telegram.wait_until(lambda: all(len(telegram.sent(c)) >= 2 for c in chats), within=60)
                await asyncio.sleep(5)  # anything given back to the outbox would be sent again by now
                assert await terminate(process) == 0
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
            replies = {c: sum(1 for m in telegram.sent(c) if m.text.startswith("🔴")) for c in chats}
            counts = {c: len(telegram.sent(c)) for c in chats}
    twice = sorted(c for c, n in counts.items() if n > 2)
    assert not twice, f"{len(twice)} of {len(chats)} chats got their severity reply more than once: {counts}"
    assert set(replies.values()) == {1}, replies
    record(
        "database restart (private postgresql)",
        f"PostgreSQL stopped with {IN_FLIGHT_CHATS} severity replies in flight: each chat got its reply once",
    )
