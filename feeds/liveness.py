"""Process liveness: each borderwatch process registers an instance, beats every second, and gives back at
once the leases of instances it sees dead, so a killed process's feeds are polled and its alerts sent within
seconds instead of when their leases run out.

An instance is dead when (any of):
- it ran on this machine (same host name and PID namespace) and its process is gone, or its pid now belongs to
  another process (a different start time);
- on PostgreSQL, its session-scoped advisory lock is gone (the server drops it when the process's connection
  closes, which a kill -9 does at once);
- its heartbeat is older than `stale_after` (a frozen or unreachable process; a backstop, not the usual way).

A process whose own heartbeat finds its instance gone (others saw it dead and gave its leases away) takes a
new id and must not send what it held: `holds(owner)` says whether rows leased as `owner` are still its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncConnection

from storage.clock import Clock, system_clock
from storage.db import Database, log_failure, log_recovery
from storage.instances import (
    InstanceRecord,
    Released,
    beat,
    hold_instance_lock,
    list_instances,
    lock_key,
    lock_still_held,
    register_instance,
    release_instance_lock,
    release_instances,
)

log = logging.getLogger(__name__)

BEAT_SECONDS = 1.0
STALE_AFTER = 30.0  # seconds without a heartbeat after which an instance is dead wherever it runs


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text()
    except OSError:
        return None


def host_identity() -> str:
    """This machine and PID namespace: pids mean the same process only within one of these."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return f"{socket.gethostname()}/{namespace}" if namespace else socket.gethostname()


def process_start(pid: int) -> int | None:
    """When process `pid` started (Linux clock ticks since boot), None when unknown or gone; "gone" includes a
    zombie (killed, not yet reaped by its parent)."""
    stat = _read(f"/proc/{pid}/stat")
    if stat is None:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()  # after "pid (name) "
    if len(fields) < 20 or fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def local_process_alive(pid: int, started: int | None) -> bool:
    """Whether process `pid` of this machine still runs (and is the one that started at `started`)."""
    if Path("/proc/self/stat").exists():
        now_started = process_start(pid)
        return now_started is not None and (started is None or now_started == started)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def dead_instances(
    instances: Iterable[InstanceRecord],
    *,
    me: str,
    host: str,
    now: datetime,
    stale_after: float,
    held_locks: set[int] | None,
    alive: Callable[[int, int | None], bool] = local_process_alive,
) -> list[str]:
    """The ids of the instances that are dead (see the module docstring), never `me`. `held_locks` is the
    set of advisory lock keys held now (PostgreSQL), None where there are no such locks (SQLite)."""
    dead = []
    oldest = now - timedelta(seconds=stale_after)
    for instance in instances:
        if instance.id == me:
            continue
        if (
            instance.heartbeat_at < oldest
            or (instance.host == host and not alive(instance.pid, instance.process_start))
            or (held_locks is not None and lock_key(instance.id) not in held_locks)
        ):
            dead.append(instance.id)
    return dead


class ProcessLiveness:
    """This process's instance: registered by `start()`, kept alive by a heartbeat, forgotten by `stop()`.

    Every beat also looks for dead instances and gives their leases back; `on_release` callbacks are told what
    was freed (to look for due work at once)."""

    def __init__(
        self,
        db: Database,
        role: str,
        *,
        beat_seconds: float = BEAT_SECONDS,
        stale_after: float = STALE_AFTER,
        clock: Clock = system_clock,
    ) -> None:
        self._db = db
        self.role = role
        self._beat_seconds = beat_seconds
        self._stale_after = stale_after
        self._clock = clock
        self._host = host_identity()
        self._pid = os.getpid()
        self._process_start = process_start(self._pid)
        self.id = self._new_id()
        self._last_beat = time.monotonic()
        self._lock_connection: AsyncConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[Released], None]] = []
        self._beat_listeners: list[Callable[[BaseException | None], None]] = []

    def _new_id(self) -> str:
        return f"{socket.gethostname()[:60]}:{self._pid}:{uuid.uuid4().hex[:6]}"

    def on_release(self, listener: Callable[[Released], None]) -> None:
        """Call `listener` whenever leases of dead instances were given back."""
        self._listeners.append(listener)

    def on_beat(self, listener: Callable[[BaseException | None], None]) -> None:
        """Call `listener` after each attempt to record this instance alive (a write): with None when the
        database took it, else with the error that stopped it (writes can fail while reads work: a full
        disk, another process holding SQLite's write lock)."""
        self._beat_listeners.append(listener)

    def _tell_beat(self, error: BaseException | None) -> None:
        for listener in self._beat_listeners:
            listener(error)

    def _beaten(self) -> None:
        self._last_beat = time.monotonic()
        self._tell_beat(None)
        log_recovery(log)  # a write went through: an outage logged meanwhile has ended

    def fresh(self) -> bool:
        """Whether this process beat recently enough that no other process can have seen it dead."""
        return time.monotonic() - self._last_beat < self._stale_after / 2

    def holds(self, owner: str | None) -> bool:
        """Whether rows leased as `owner` are still this process's to send or poll."""
        return owner is None or (owner == self.id and self.fresh())

    async def start(self) -> None:
        """Register this process (on PostgreSQL, holding its lock first) and start beating. Instances already
        dead are released at once."""
        await self._register()
        await self.check()
        self._task = asyncio.create_task(self._run(), name="liveness")

    async def stop(self) -> None:
        """Stop beating and forget this instance, giving back whatever it still holds."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:
            await release_instances(self._db, [self.id], self._clock())
        except Exception:
            log.warning("could not give back the leases of instance %s", self.id)
        await self._drop_lock()

    async def _register(self) -> None:
        await self._drop_lock()
        self._lock_connection = await hold_instance_lock(self._db, self.id)
        await register_instance(
            self._db,
            self.id,
            role=self.role,
            host=self._host,
            pid=self._pid,
            process_start=self._process_start,
            now=self._clock(),
        )
        self._beaten()

    async def _drop_lock(self) -> None:
        connection, self._lock_connection = self._lock_connection, None
        if connection is not None:
            await release_instance_lock(connection)

    async def _lock_held(self) -> bool:
        """Whether this process still holds its lock (always, where there is none): its connection answers."""
        return self._lock_connection is None or await lock_still_held(self._lock_connection)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._beat_seconds)
            try:
                await self.check()
            except Exception as exc:
                log_failure(log, "liveness check failed; trying again", exc)

    async def check(self) -> Released:
        """One beat: record this instance alive (a new id if others saw it dead, or its lock's connection
        broke), then give back the leases of the dead instances."""
        try:
            await self._record_alive()
        except Exception as exc:
            self._tell_beat(exc)
            raise
        instances, locks = await list_instances(self._db, with_locks=self._db.dialect == "postgresql")
        dead = dead_instances(
            instances,
            me=self.id,
            host=self._host,
            now=self._clock(),
            stale_after=self._stale_after,
            held_locks=locks if self._db.dialect == "postgresql" else None,
        )
        released = await release_instances(self._db, dead, self._clock())
        if released.instances:
            log.warning(
                "processes %s are gone: %d feeds, %d alerts and %d alert updates they held are taken up",
                ", ".join(released.instances),
                released.feeds,
                released.deliveries,
                released.updates,
            )
            for listener in self._listeners:
                listener(released)
        return released

    async def _record_alive(self) -> None:
        if not await self._lock_held():
            await self._fence("its lock's database connection broke")
        elif await beat(self._db, self.id, self._clock()):
            self._beaten()
        else:
            await self._fence("other processes saw it dead")

    async def _fence(self, why: str) -> None:
        old = self.id
        self.id = self._new_id()
        log.warning("instance %s lost its leases (%s); continuing as %s", old, why, self.id)
        await self._register()
