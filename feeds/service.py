"""The ingest service: a scheduler that sleeps until the next feed is due, leases the due feeds and polls each
one as its own task.

The scheduler looks at the database at most a second apart (a read along the next_poll_at index; a write only
when something is due), so a feed is picked up within a second of being due, also when another process added
or hurried it. Several services (processes) can share one PostgreSQL database: feeds are leased with FOR
UPDATE SKIP LOCKED, so each due feed is polled by exactly one of them; the feeds of a worker that died are
given back as soon as another process sees it dead (feeds.liveness). A slow or failing feed occupies only
its own task. A poll that brings a P1 or P2 story puts the feeds reporting on its entities into crisis mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType

from feeds.crisis import crises_from
from feeds.fetch import Fetcher
from feeds.freed_memory import give_back_freed_memory
from feeds.guard import AddressPolicy, Resolver
from feeds.ingest import Classify, FeedPoller, PollResult
from feeds.limits import ParseLimits
from feeds.liveness import ProcessLiveness
from feeds.parse import ParserPool
from feeds.schedule import tightened, wait_after_refused_store, wait_before_next_look
from feeds.store import StoredItem
from storage.clock import Clock, system_clock
from storage.crises import enter_crises
from storage.db import Database, is_unavailable, log_failure
from storage.errors import DatabaseUnavailable
from storage.feeds import FeedRecord, FeedSchedule, bring_forward, claim_due_feeds, next_due_at, release_lease
from storage.instances import Released
from storage.settings import Settings

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0  # the longest the scheduler sleeps between two looks for due feeds
# after a claim, the next look waits this long (polls due meanwhile are claimed together, at most this late)
CLAIM_GAP = 0.25
STOP_TICK_WAIT = 5.0  # seconds stop() waits for a tick's claim to finish before cancelling it
# seconds between two give-backs of freed memory (a few milliseconds each) while feeds are polled
GIVE_BACK_MEMORY_GAP = 10.0
ROUND_CLAIM_GROWTH = 4  # after its first batch, a one-off round leases up to this many batches at once
# while feeds wait for room, a poll finishing wakes the scheduler once this share of the batch is free
BACKLOG_WAKE_SHARE = 4
# seconds between tries to give back the lease of a feed whose poll the database could not take (doubling)
GIVE_BACK_FIRST, GIVE_BACK_MOST = 0.5, 5.0

Wait = Callable[[float, asyncio.Event], Awaitable[None]]


async def real_wait(seconds: float, wake: asyncio.Event) -> None:
    """Sleep `seconds` of real time, or less if `wake` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(wake.wait(), seconds)


@dataclass(frozen=True, slots=True)
class PollReport:
    """The results of one round of polls."""

    results: tuple[PollResult, ...]

    @property
    def errors(self) -> list[PollResult]:
        return [r for r in self.results if r.outcome == "error"]

    @property
    def new_items(self) -> list[tuple[PollResult, StoredItem]]:
        """Every new item with the poll (and so the feed) it came from, feed by feed."""
        return [(r, item) for r in self.results for item in r.new_items]


class IngestService:
    """Polls due feeds on a schedule (`start`/`stop`) or on demand (`poll_all_once`, `poll_due_once`).

    `tick_seconds` is the longest the scheduler sleeps between looks at the database; `wait` is how it sleeps
    (tests pass one that moves their clock instead)."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        classify: Classify,
        *,
        clock: Clock = system_clock,
        rng: random.Random | None = None,
        worker: str | None = None,
        tick_seconds: float = TICK_SECONDS,
        batch_size: int | None = None,
        lease_seconds: float | None = None,
        policy: AddressPolicy | None = None,
        resolver: Resolver | None = None,
        parser: ParserPool | None = None,
        on_result: Callable[[PollResult], None] | None = None,
        on_tick: Callable[[], None] | None = None,
        wait: Wait = real_wait,
        liveness: ProcessLiveness | None = None,
    ) -> None:
        self._db = db
        self._settings = settings
        self._classify = classify
        self._clock = clock
        self._rng = rng or random.Random()
        # the owner written on the leases: this process's instance (whose leases are given back as soon as it
        # dies), else a name of its own (leases then end when they run out)
        self._liveness = liveness
        self._worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        if liveness is not None:
            liveness.on_release(self._feeds_released)
        self._tick_seconds = tick_seconds
        self._batch_size = batch_size or max(settings.fetch_concurrency * 2, 16)
        # long enough to cover waiting for a fetch slot plus the whole fetch deadline and the parse
        self._lease_seconds = (
            lease_seconds or settings.lease_seconds or max(900.0, settings.fetch_timeout * 10)
        )
        self._policy = policy
        self._resolver = resolver
        self._parser = parser
        self._owns_parser = parser is None
        self._on_result = on_result
        self._on_tick = on_tick
        self._fetcher: Fetcher | None = None
        self._poller: FeedPoller | None = None
        self._wait = wait
        self._scheduler: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        # the last claim filled every free slot: more feeds may be due, waiting for a poll to finish
        self._backlog = False
        self._inflight: dict[int, asyncio.Task[PollResult | None]] = {}
        self._ticking: asyncio.Task[object] | None = None
        self._stopping = False
        # feeds were polled since freed memory was last given back to the system, at this time.monotonic()
        self._polled_since_give_back = False
        self._given_back_at = time.monotonic()
        # feed id → polls in a row whose store the database refused (until one is stored)
        self._refusals: dict[int, int] = {}

    @property
    def worker(self) -> str:
        """The lease owner of this worker's feeds."""
        return self._liveness.id if self._liveness is not None else self._worker

    def _feeds_released(self, released: Released) -> None:
        """A dead worker's feeds are free: look for due feeds now."""
        if released.feeds:
            self._wake.set()

    async def __aenter__(self) -> IngestService:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.stop()

    def _ensure_poller(self) -> FeedPoller:
        if self._poller is None:
            self._fetcher = Fetcher(self._settings, policy=self._policy, resolver=self._resolver)
            if self._parser is None:
                self._parser = ParserPool(limits=ParseLimits(timeout_seconds=self._settings.parse_timeout))
            self._poller = FeedPoller(
                self._db,
                self._settings,
                self._fetcher,
                self._parser,
                self._classify,
                worker=self.worker,
                clock=self._clock,
                rng=self._rng,
            )
        return self._poller

    async def start(self) -> None:
        """Start the scheduler: it looks for due feeds at once, then whenever the next one is due (at most
        `tick_seconds` apart), and polls them. Feeds scheduled further apart than the configured ceiling
        (BORDERWATCH_POLL_MAX_INTERVAL lowered, or an upgrade from adaptive slowing) are brought forward."""
        poller = self._ensure_poller()
        ceiling = self._settings.poll_max_interval
        now = self._clock()
        try:
            async with poller.exclusive():
                moved = await bring_forward(
                    self._db,
                    lambda kind, schedule: tightened(
                        schedule, now, max(ceiling, poller.minimum_interval(kind))
                    ),
                    slower_than=ceiling,
                )
            if moved:
                log.info("%d feeds scheduled further apart than %d s are polled sooner", moved, ceiling)
        except Exception:
            log.exception("could not bring slow feeds forward")
        self._wake = asyncio.Event()
        self._scheduler = asyncio.create_task(self._schedule(), name="ingest-scheduler")
        log.info("ingest worker %s started", self.worker)

    async def _schedule(self) -> None:
        while not self._stopping:
            self._wake.clear()
            seconds = await self._look()
            if self._stopping:
                break
            await self._wait(seconds, self._wake)

    async def _look(self) -> float:
        """Poll the due feeds there is room for; returns how long to sleep before the next look."""
        now = self._clock()
        self._give_back_freed_memory()
        if self._inflight and len(self._inflight) >= self._batch_size:
            self._backlog = True
            return self._tick_seconds  # a finishing poll wakes the scheduler sooner
        try:
            due = await next_due_at(self._db, now)
        except Exception as exc:
            log_failure(log, "could not read when the next feed is due", exc)
            return self._tick_seconds
        if due is None or due > now:
            if self._on_tick is not None:
                self._on_tick()
            return wait_before_next_look(due, now, self._tick_seconds)
        await self.tick()
        # with a backlog, a poll finishing wakes the scheduler; else feeds coming due one after another are
        # claimed a few at a time, not in one transaction each
        return self._tick_seconds if self._backlog else min(CLAIM_GAP, self._tick_seconds)

    def _give_back_freed_memory(self) -> None:
        """While feeds are polled, now and then: what polling freed in C code would else stay in the RSS."""
        if self._polled_since_give_back and time.monotonic() - self._given_back_at >= GIVE_BACK_MEMORY_GAP:
            give_back_freed_memory()
            self._polled_since_give_back = False
            self._given_back_at = time.monotonic()

    async def stop(self) -> None:
        """Stop the scheduler, cancel polls in flight (their leases are given back), close HTTP and parser
        pools."""
        self._stopping = True
        # a look claiming feeds right now is let finish (its polls are cancelled below), so that it cannot
        # start polls, and with them a new fetcher and parser pool, after this has closed them
        waiting = [task for task in (self._scheduler, self._ticking) if task is not None]
        self._scheduler = None
        self._wake.set()
        for task in waiting:
            if task is not asyncio.current_task():
                await asyncio.wait({task}, timeout=STOP_TICK_WAIT)
                task.cancel()
        await asyncio.gather(*(t for t in waiting if t is not asyncio.current_task()), return_exceptions=True)
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._fetcher is not None:
            await self._fetcher.aclose()
            self._fetcher = None
        if self._parser is not None and self._owns_parser:
            await asyncio.to_thread(self._parser.close)
            self._parser = None
        self._poller = None
        self._stopping = False

    async def tick(self) -> list[asyncio.Task[PollResult | None]]:
        """Lease the due feeds this worker has room for and start one task per feed; returns those tasks."""
        if self._stopping:
            return []
        if self._on_tick is not None:
            self._on_tick()
        room = self._batch_size - len(self._inflight)
        if room <= 0:
            self._backlog = True
            return []
        self._ticking = asyncio.current_task()
        try:
            async with self._ensure_poller().exclusive():
                feeds = await claim_due_feeds(self._db, self.worker, self._clock(), room, self._lease_seconds)
        except Exception as exc:
            log_failure(log, "could not claim due feeds", exc)
            self._backlog = False
            return []
        finally:
            self._ticking = None
        self._backlog = len(feeds) >= room
        self._polled_since_give_back = self._polled_since_give_back or bool(feeds)
        return [self._spawn(feed) for feed in feeds]

    def _spawn(self, feed: FeedRecord) -> asyncio.Task[PollResult | None]:
        # the owner the lease was written with (a fenced process continues under a new id)
        task = asyncio.create_task(self._poll_one(feed, self.worker), name=f"poll-feed-{feed.id}")
        self._inflight[feed.id] = task
        feed_id = feed.id

        def forget(_task: asyncio.Task[PollResult | None]) -> None:
            self._inflight.pop(feed_id, None)
            free = self._batch_size - len(self._inflight)
            if self._backlog and free >= max(1, self._batch_size // BACKLOG_WAKE_SHARE):
                self._wake.set()

        task.add_done_callback(forget)
        return task

    async def _poll_one(self, feed: FeedRecord, owner: str) -> PollResult | None:
        poller = self._ensure_poller()
        try:
            result = await poller.poll(feed)
        except asyncio.CancelledError:
            await asyncio.shield(self._release(feed, owner))
            raise
        except Exception as exc:
            if isinstance(exc, DatabaseUnavailable):
                # not the feed's fault, and nothing of the poll was stored (its validators neither): the
                # feed is polled again, as due as it was, once the database answers; not before a wait
                # growing with each refusal in a row, for a database taking claims but refusing stores
                refusals = self._refusals.get(feed.id, 0) + 1
                self._refusals[feed.id] = refusals
                wait = wait_after_refused_store(refusals, self._interval_now(feed))
                log.warning(
                    "polling %s: the database is unavailable (%s); polled again once it answers, "
                    "in %.0f s at the soonest",
                    feed.url,
                    exc,
                    wait,
                )
                await self._give_back(feed, owner, self._clock() + timedelta(seconds=wait))
                return None
            log.exception("polling %s crashed", feed.url)
            try:
                result = await poller.record_crash(feed, exc)
            except Exception:
                log.exception("could not record the failure of %s", feed.url)
                return None
        self._refusals.pop(feed.id, None)  # the database took this poll
        if self._on_result is not None:
            try:
                self._on_result(result)
            except Exception:
                log.exception("on_result hook failed")
        if result.new_items:  # after on_result, which wakes the delivery of the story's alerts
            await self._enter_crises(result)
        return result

    async def _enter_crises(self, result: PollResult) -> None:
        """Crisis mode for the P1/P2 stories this poll brought: their entities' feeds are polled at the crisis
        interval, and the scheduler looks again at once for the feeds brought forward."""
        now = self._clock()
        starts = crises_from(
            result.new_items,
            alerting=result.feed.history_loaded,
            now=now,
            duration=timedelta(seconds=self._settings.crisis_duration),
        )
        if not starts:
            return
        try:
            poller = self._ensure_poller()

            def sooner(kind: str, schedule: FeedSchedule) -> datetime | None:
                return tightened(schedule, now, poller.crisis_interval(kind))

            async with poller.exclusive():
                hurried = await enter_crises(self._db, starts, now, sooner=sooner)
            for crisis, feed_ids in zip(starts, hurried, strict=True):
                log.info(
                    "crisis mode until %s: %s story %d on %s; %d feeds polled every %d s",
                    crisis.ends_at.strftime("%H:%M:%S UTC"),
                    crisis.severity,
                    crisis.story_id,
                    ", ".join(crisis.entity_ids),
                    len(feed_ids),
                    self._settings.crisis_poll_interval,
                )
        except Exception:
            log.exception("could not enter crisis mode after polling %s", result.feed.url)
        self._wake.set()

    async def _release(self, feed: FeedRecord, owner: str) -> None:
        try:
            await release_lease(self._db, feed.id, owner)
        except Exception:
            log.warning("could not release the lease of %s", feed.url)

    def _interval_now(self, feed: FeedRecord) -> int:
        """The feed's interval between polls at present: its crisis interval while in crisis mode."""
        crisis = self._ensure_poller().crisis_interval_now(feed, self._clock())
        return min(feed.interval_seconds, crisis) if crisis else feed.interval_seconds

    async def _give_back(self, feed: FeedRecord, owner: str, not_before: datetime) -> None:
        """Give the feed's lease back as soon as the database takes it (else the feed would wait for the
        lease to run out, BORDERWATCH_LEASE_SECONDS, 15 minutes, before anyone polled it again), held until
        `not_before` when that is still ahead."""
        pause = GIVE_BACK_FIRST
        while not self._stopping:
            held = not_before if not_before > self._clock() else None
            try:
                await release_lease(self._db, feed.id, owner, until=held)
            except Exception as exc:
                if not is_unavailable(exc):
                    log.warning("could not give back the lease of %s: %s", feed.url, exc)
                    return
                await asyncio.sleep(pause)
                pause = min(pause * 2, GIVE_BACK_MOST)
            else:
                if held is None:
                    self._wake.set()
                return

    async def _round(self, ignore_schedule: bool) -> PollReport:
        poller = self._ensure_poller()
        tasks: list[asyncio.Task[PollResult | None]] = []
        round_started = self._clock()
        # a first batch gets polls going at once; later ones are larger, since each claim waits its turn
        # behind the batched writes of the polls already running (small enough that workers running a
        # round together still share it)
        limit = self._batch_size
        while True:
            async with poller.exclusive():
                feeds = await claim_due_feeds(
                    self._db,
                    self.worker,
                    self._clock(),
                    limit,
                    self._lease_seconds,
                    ignore_schedule=ignore_schedule,
                    not_fetched_since=round_started if ignore_schedule else None,
                )
            tasks.extend(self._spawn(feed) for feed in feeds if feed.id not in self._inflight)
            # claimed feeds stay leased until polled and polled ones are no longer candidates, so each
            # batch holds only feeds not yet claimed in this round
            if len(feeds) < limit:
                break
            limit = self._batch_size * ROUND_CLAIM_GROWTH
        return _report(await asyncio.gather(*tasks))

    async def poll_all_once(self) -> PollReport:
        """Poll every enabled feed once now, whatever its schedule or backoff (feeds leased by another worker
        are skipped); returns when every poll has finished."""
        return await self._round(ignore_schedule=True)

    async def poll_due_once(self) -> PollReport:
        """Poll every feed that is due now, once; returns when every poll has finished."""
        return await self._round(ignore_schedule=False)

    async def drain(self) -> PollReport:
        """Wait for every poll in flight (started by ticks) and return their results."""
        return _report(await asyncio.gather(*list(self._inflight.values())))


def _report(results: Iterable[PollResult | None]) -> PollReport:
    return PollReport(tuple(r for r in results if r is not None))
