"""Process liveness: what a dead process held (feeds being polled, alerts and edits being sent) is given back
as soon as another process sees it dead, never while it lives; a process seen dead stops sending."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from feeds.liveness import ProcessLiveness, dead_instances, host_identity, process_start
from storage.db import Database
from storage.deliveries import claim_due
from storage.feeds import add_feed, claim_due_feeds
from storage.instances import InstanceRecord, lock_key, register_instance, release_instances
from storage.models import Delivery, Feed, Instance
from tests.conftest import POSTGRES_ONLY
from tests.reliability.processes import seed_fan_out

NOW = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)


def _instance(instance_id: str, *, host: str = "here", pid: int = 10, beat: datetime = NOW) -> InstanceRecord:
    return InstanceRecord(instance_id, "bot", host, pid, 99, NOW - timedelta(hours=1), beat)


def test_an_instance_is_dead_when_its_process_lock_or_heartbeat_is_gone() -> None:
    running = {10}
    instances = [
        _instance("me", pid=1),
        _instance("alive", pid=10),
        _instance("killed", pid=11),
        _instance("elsewhere", host="other", pid=11),  # pid 11 on another machine says nothing
        _instance("silent", host="other", beat=NOW - timedelta(seconds=31)),
    ]
    dead = dead_instances(
        instances,
        me="me",
        host="here",
        now=NOW,
        stale_after=30,
        held_locks=None,
        alive=lambda pid, _started: pid in running,
    )
    assert dead == ["killed", "silent"]
    # on PostgreSQL an instance whose session lock is gone is dead wherever it ran
    held = {lock_key("alive"), lock_key("killed")}
    dead = dead_instances(
        instances,
        me="me",
        host="here",
        now=NOW,
        stale_after=30,
        held_locks=held,
        alive=lambda pid, _started: pid in running,
    )
    assert dead == ["killed", "elsewhere", "silent"]


def test_a_reused_pid_or_a_zombie_is_not_the_process_that_registered() -> None:
    me = os.getpid()
    assert process_start(me) is not None
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    while child.poll() is None:
        pass  # reaped by poll(): gone
    assert process_start(child.pid) is None
    from feeds.liveness import local_process_alive

    assert local_process_alive(me, process_start(me))
    assert not local_process_alive(me, (process_start(me) or 0) + 1)  # same pid, another process
    assert not local_process_alive(child.pid, None)


async def _dead_process_holding(db: Database, chat_ids: list[int]) -> str:
    """An instance of a process that has exited, holding a feed's lease and the alerts of `chat_ids`."""
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await child.wait()
    dead = f"test:{child.pid}:dead00"
    await register_instance(
        db, dead, role="all", host=host_identity(), pid=child.pid, process_start=None, now=NOW
    )
    await add_feed(db, "https://agency.example/feed", now=NOW)
    assert len(await claim_due_feeds(db, dead, NOW, 10, 3600)) == 1
    await seed_fan_out(db, chat_ids, now=NOW)
    claimed = await claim_due(db, now=NOW, limit=len(chat_ids), owner=dead, lease=timedelta(hours=1))
    assert len(claimed) == len(chat_ids)
    return dead


async def test_a_dead_process_leases_are_given_back_at_the_next_beat_of_another(db: Database) -> None:
    dead = await _dead_process_holding(db, [1, 2, 3])
    liveness = ProcessLiveness(db, "bot", clock=lambda: NOW + timedelta(seconds=2))
    freed = []
    liveness.on_release(freed.append)
    await liveness.start()  # its first look happens on start
    try:
        assert [r.instances for r in freed] == [(dead,)]
        assert (freed[0].feeds, freed[0].deliveries) == (1, 3)
        async with db.transaction() as session:
            feed = (await session.scalars(select(Feed).where(Feed.url.like("%/feed")))).one()
            rows = (await session.scalars(select(Delivery))).all()
            instances = set((await session.scalars(select(Instance.id))).all())
        assert feed.lease_owner is None and feed.lease_until is None
        assert {(r.status, r.lease_owner, r.next_attempt_at) for r in rows} == {
            ("pending", None, NOW + timedelta(seconds=2))
        }
        assert instances == {liveness.id}
        # due at once: sent by whoever claims next, long before the hour-long lease would have run out
        again = await claim_due(db, now=NOW + timedelta(seconds=2), limit=10, owner=liveness.id)
        assert sorted(row.chat_id for row in again) == [1, 2, 3]
    finally:
        await liveness.stop()
    async with db.transaction() as session:
        assert (await session.scalars(select(Instance.id))).all() == []
        statuses = set((await session.scalars(select(Delivery.status))).all())
    assert statuses == {"pending"}  # a clean stop gives back what it held


async def test_a_live_process_keeps_its_leases(db: Database) -> None:
    one = ProcessLiveness(db, "bot")
    other_db = Database(db.url)  # another process: its own engine and connections
    two = ProcessLiveness(other_db, "ingest")
    await one.start()
    await two.start()
    try:
        await seed_fan_out(db, [1, 2])
        assert len(await claim_due(db, now=datetime.now(UTC), limit=5, owner=one.id)) == 2
        for _ in range(3):
            assert (await two.check()).instances == ()
            assert (await one.check()).instances == ()
        assert one.holds(one.id)
        async with db.transaction() as session:
            assert set((await session.scalars(select(Delivery.lease_owner))).all()) == {one.id}
    finally:
        await two.stop()
        await one.stop()
        await other_db.dispose()


async def test_a_process_seen_dead_stops_sending_what_it_held_and_carries_on_under_a_new_id(
    db: Database,
) -> None:
    liveness = ProcessLiveness(db, "bot")
    await liveness.start()
    try:
        await seed_fan_out(db, [1])
        old = liveness.id
        assert len(await claim_due(db, now=datetime.now(UTC), limit=5, owner=old)) == 1
        await release_instances(db, [old], datetime.now(UTC))  # another process saw it dead
        await liveness.check()
        assert liveness.id != old
        assert not liveness.holds(old)
        assert liveness.holds(liveness.id)
        async with db.transaction() as session:
            assert (await session.scalars(select(Instance.id))).all() == [liveness.id]
    finally:
        await liveness.stop()


VICTIM = """
import asyncio, sys
from datetime import UTC, datetime
from feeds.liveness import ProcessLiveness
from storage.db import Database
from storage.deliveries import claim_due

async def main():
    db = Database(sys.argv[1])
    liveness = ProcessLiveness(db, "bot")
    await liveness.start()
    claimed = await claim_due(db, now=datetime.now(UTC), limit=5, owner=liveness.id)
    print(liveness.id, len(claimed), flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


@POSTGRES_ONLY
async def test_on_postgresql_a_killed_process_is_dead_at_once_wherever_it_ran(database_url: str) -> None:
    """kill -9 closes the process's connections; the server drops its session lock with them, so the others
    see it dead at their next beat, whatever its heartbeat says and wherever it ran."""
    db = Database(database_url)
    survivor = ProcessLiveness(db, "bot")
    victim = await asyncio.create_subprocess_exec(
        sys.executable, "-c", VICTIM, database_url, stdout=asyncio.subprocess.PIPE
    )
    try:
        await seed_fan_out(db, [1, 2])
        assert victim.stdout is not None
        victim_id, claimed = (await asyncio.wait_for(victim.stdout.readline(), 60)).decode().split()
        assert claimed == "2"
        # as if it ran on another machine: its pid says nothing here, only its lock can tell
        async with db.transaction() as session:
            await session.execute(update(Instance).where(Instance.id == victim_id).values(host="far away"))
        await survivor.start()
        assert (await survivor.check()).instances == ()
        victim.kill()
        await victim.wait()
        for _ in range(50):
            freed = await survivor.check()
            if freed.instances:
                break
            await asyncio.sleep(0.1)
        assert freed.instances == (victim_id,) and freed.deliveries == 2
    finally:
        if victim.returncode is None:
            victim.kill()
            await victim.wait()
        await survivor.stop()
        await db.dispose()
