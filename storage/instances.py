"""Every query on process instances: registering a process, its heartbeat, and giving back the leases of the
dead ones (feeds being polled, alerts and edits being sent) so that others take them up at once.

Which instances are dead is decided by feeds.liveness; these functions only store and answer. On PostgreSQL
each instance also holds a session-scoped advisory lock (`LOCK_CLASS`, its `lock_key`) on a connection of its
own: the server drops it the moment the process's connection closes, so others can see the death at once.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.db import Database
from storage.models import Delivery, DeliveryUpdate, Feed, Instance

# the first key of every instance's advisory lock (pg_advisory_lock(int4, int4)): "bw"
LOCK_CLASS = 0x6277


@dataclass(frozen=True, slots=True)
class InstanceRecord:
    """A registered process: its id (the owner written on its leases), where it runs and its last beat."""

    id: str
    role: str
    host: str
    pid: int
    process_start: int | None
    started_at: datetime
    heartbeat_at: datetime


@dataclass(frozen=True, slots=True)
class Released:
    """What giving back the leases of dead instances freed."""

    instances: tuple[str, ...] = ()
    feeds: int = 0
    deliveries: int = 0
    updates: int = 0


def lock_key(instance_id: str) -> int:
    """The second key of the instance's advisory lock: 31 bits of a hash of its id."""
    return int.from_bytes(hashlib.sha256(instance_id.encode()).digest()[:4], "big") & 0x7FFFFFFF


async def hold_instance_lock(db: Database, instance_id: str) -> AsyncConnection | None:
    """On PostgreSQL, a connection of its own holding the instance's session-scoped advisory lock until it is
    closed (or the process dies); None elsewhere."""
    if db.dialect != "postgresql":
        return None
    connection = await db.engine.connect()
    try:
        await connection.execute(
            text("SELECT pg_advisory_lock(:class, :key)"), {"class": LOCK_CLASS, "key": lock_key(instance_id)}
        )
        await connection.commit()
    except BaseException:
        await connection.close()
        raise
    return connection


async def release_instance_lock(connection: AsyncConnection) -> None:
    """Let go of the lock: its connection is closed for good (a pooled connection would keep holding it)."""
    with contextlib.suppress(Exception):
        await connection.invalidate()
    with contextlib.suppress(Exception):
        await connection.close()


async def lock_still_held(connection: AsyncConnection) -> bool:
    """Whether the lock's connection still answers (a broken connection has lost the lock)."""
    try:
        await connection.execute(text("SELECT 1"))
        await connection.commit()
    except Exception:
        return False
    return True


async def _held_instance_locks(session: AsyncSession) -> set[int]:
    """The keys of the instance advisory locks held right now in this database (PostgreSQL)."""
    rows = await session.execute(
        text(
            "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2"
            " AND classid = :class"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ),
        {"class": LOCK_CLASS},
    )
    return {int(key) for (key,) in rows}


async def register_instance(
    db: Database,
    instance_id: str,
    *,
    role: str,
    host: str,
    pid: int,
    process_start: int | None,
    now: datetime,
) -> None:
    """Record a starting process; its heartbeat starts now."""
    async with db.transaction() as session:
        session.add(
            Instance(
                id=instance_id,
                role=role,
                host=host[:200],
                pid=pid,
                process_start=process_start,
                started_at=now,
                heartbeat_at=now,
            )
        )


async def beat(db: Database, instance_id: str, now: datetime) -> bool:
    """Record that the instance is alive; False when it is no longer registered (others saw it dead and gave
    its leases away: it must not send or poll what it held)."""
    async with db.transaction() as session:
        result = await session.execute(
            update(Instance).where(Instance.id == instance_id).values(heartbeat_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def list_instances(db: Database, *, with_locks: bool = False) -> tuple[list[InstanceRecord], set[int]]:
    """Every registered instance, and (`with_locks`, PostgreSQL) the keys of the instance locks held now,
    read in one transaction."""
    async with db.transaction() as session:
        rows = (await session.scalars(select(Instance).order_by(Instance.started_at))).all()
        locks = await _held_instance_locks(session) if with_locks else set()
    records = [
        InstanceRecord(r.id, r.role, r.host, r.pid, r.process_start, r.started_at, r.heartbeat_at)
        for r in rows
    ]
    return records, locks


async def release_instances(db: Database, instance_ids: Sequence[str], now: datetime) -> Released:
    """Give back everything the instances held and forget them: their feeds are free to be claimed (due as
    they were), their alerts and edits being sent are pending again, due `now`. One transaction."""
    ids = sorted(set(instance_ids))
    if not ids:
        return Released()
    async with db.transaction() as session:
        await session.execute(delete(Instance).where(Instance.id.in_(ids)))
        feeds = await session.execute(
            update(Feed).where(Feed.lease_owner.in_(ids)).values(lease_owner=None, lease_until=None)
        )
        deliveries = await session.execute(
            update(Delivery)
            .where(Delivery.status == "sending", Delivery.lease_owner.in_(ids))
            .values(status="pending", next_attempt_at=now, lease_owner=None)
        )
        updates = await session.execute(
            update(DeliveryUpdate)
            .where(DeliveryUpdate.status == "sending", DeliveryUpdate.lease_owner.in_(ids))
            .values(status="pending", next_attempt_at=now, lease_owner=None)
        )
    return Released(
        tuple(ids),
        int(feeds.rowcount),  # type: ignore[attr-defined]
        int(deliveries.rowcount),  # type: ignore[attr-defined]
        int(updates.rowcount),  # type: ignore[attr-defined]
    )


__all__ = [
    "LOCK_CLASS",
    "InstanceRecord",
    "Released",
    "beat",
    "hold_instance_lock",
    "list_instances",
    "lock_key",
    "lock_still_held",
    "register_instance",
    "release_instance_lock",
    "release_instances",
]
