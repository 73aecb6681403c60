"""Lanes after a restart: how long a healthy feed waits in the first deadline after an ingest process starts,
when feeds known to be slow are due with it.

The slowness of a feed's last fetch and parse is stored on the feed (feeds.slow_fetch, feeds.slow_parse) and
handed to the fetcher and the parser pool as a `Slowness` by the poller; a new process (a restart, or another
ingest worker) therefore starts those feeds in the slow lanes. The same-run baseline is the same new process
without the stored values (as before: the memory was per process, every feed unknown after a restart).

Fetch: forty feeds (on twenty loopback hosts) drip one byte every 0.1 s until the 3 s deadline (30 s in
production), are learnt as slow by an earlier fetcher, then fetched again and again by a new one beside a
healthy feed fetched every 0.25 s, 32 slots; measured: the healthy fetch time in the first deadline after
the start. Parse: three feeds parse to the 4 s deadline (bench/parse_lanes.py's bombs), learnt by an earlier
pool, then parsed again and again by a new two-process pool beside a healthy feed parsed every 0.5 s;
measured: the healthy parse latency in the first two deadlines after the start.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Awaitable, Callable

from bench._lanes import DEADLINE, DRIPPING, HOSTS, SETTINGS, compared, dripping_feeds
from bench.parse import rss_body
from bench.parse_lanes import _LIMITS, _SLOW_FEEDS, _bomb
from feeds.errors import FetchError, ParseError
from feeds.fetch import Fetcher
from feeds.lanes import Slowness
from feeds.parse import ParserPool
from tests.feedserver import FeedServer, loopback_hosts

_PARSE_WINDOW = 2 * _LIMITS.timeout_seconds


async def _healthy_waits(
    healthy: Callable[[], Awaitable[object]],
    slow: list[Callable[[], Awaitable[object]]],
    *,
    every: float,
    window: float,
) -> list[float]:
    """Run `healthy` every `every` seconds for `window` seconds while each of `slow` runs again and again,
    all started together (as a new process's first round); the healthy call's times."""
    waits: list[float] = []
    end = time.monotonic() + window

    async def again(call: Callable[[], Awaitable[object]]) -> None:
        while time.monotonic() < end:
            with contextlib.suppress(FetchError, ParseError):
                await call()

    tasks = [asyncio.ensure_future(again(call)) for call in slow]
    await asyncio.sleep(0)  # the slow feeds ask first, as feeds due before the healthy one
    try:
        while time.monotonic() < end:
            started = time.monotonic()
            await healthy()
            waits.append(time.monotonic() - started)
            await asyncio.sleep(every)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return waits


async def _fetch_run(dripping: list[str], healthy: str, stored: dict[str, Slowness] | None) -> list[float]:
    """A new fetcher's first deadline: with the stored slowness of each feed, or (None) without."""
    fetcher = Fetcher(SETTINGS)
    known = {url: Slowness(fetch=slowness.fetch) for url, slowness in (stored or {}).items()}
    try:
        await fetcher.fetch(healthy)  # a connection open, as the first poll of a round leaves it
        return await _healthy_waits(
            lambda: fetcher.fetch(healthy, slowness=Slowness()),
            [functools.partial(fetcher.fetch, url, slowness=known.get(url)) for url in dripping],
            every=0.25,
            window=DEADLINE + 0.5,
        )
    finally:
        await fetcher.aclose()


async def _learn_fetches(dripping: list[str]) -> dict[str, Slowness]:
    """What an earlier process stored: each dripping feed's fetch ran out of time."""
    fetcher = Fetcher(SETTINGS)
    learnt = {url: Slowness() for url in dripping}
    try:
        await asyncio.gather(
            *(fetcher.fetch(url, slowness=learnt[url]) for url in dripping), return_exceptions=True
        )
    finally:
        await fetcher.aclose()
    return learnt


async def _parse_run(stored: dict[str, Slowness] | None) -> list[float]:
    """A new parser pool's first two deadlines: with the stored slowness of each feed, or without."""
    urls = [f"https://example.com/slow-{n}" for n in range(_SLOW_FEEDS)]
    known = {url: Slowness(parse=slowness.parse) for url, slowness in (stored or {}).items()}
    body = rss_body(1)
    variants = iter(range(1, 10**6))
    async with ParserPool(workers=2, limits=_LIMITS) as pool:

        async def bomb(url: str) -> object:
            return await pool.parse(_bomb(next(variants)), {}, url, slowness=known.get(url))

        # both processes started, as after the first polls of a round
        await asyncio.gather(*(pool.parse(body, {}, f"https://example.com/warm-{n}") for n in (1, 2)))
        return await _healthy_waits(
            lambda: pool.parse(body, {}, "https://example.com/healthy", slowness=Slowness()),
            [functools.partial(bomb, url) for url in urls],
            every=0.5,
            window=_PARSE_WINDOW,
        )


async def _learn_parses() -> dict[str, Slowness]:
    urls = [f"https://example.com/slow-{n}" for n in range(_SLOW_FEEDS)]
    learnt = {url: Slowness() for url in urls}
    async with ParserPool(workers=_SLOW_FEEDS, limits=_LIMITS) as pool:
        await asyncio.gather(
            *(pool.parse(_bomb(0), {}, url, slowness=learnt[url]) for url in urls), return_exceptions=True
        )
    return learnt


def main() -> None:
    hosts = loopback_hosts(HOSTS + 1)
    with FeedServer(hosts) as server:
        feeds = dripping_feeds(server, hosts)
        learnt = asyncio.run(_learn_fetches(feeds.dripping))
        assert all(slowness.fetch for slowness in learnt.values())
        stored = asyncio.run(_fetch_run(feeds.dripping, feeds.healthy, learnt))
        unknown = asyncio.run(_fetch_run(feeds.dripping, feeds.healthy, None))
    print(
        compared(
            f"{DRIPPING} dripping feeds known slow, {SETTINGS.fetch_concurrency} slots, the first "
            f"{DEADLINE + 0.5:g} s after a restart: a healthy feed's fetch takes",
            stored,
            unknown,
            baseline="without the stored slowness",
            counted="measured",
        )
    )
    learnt_parses = asyncio.run(_learn_parses())
    assert all(slowness.parse for slowness in learnt_parses.values())
    stored = asyncio.run(_parse_run(learnt_parses))
    unknown = asyncio.run(_parse_run(None))
    print(
        compared(
            f"{_SLOW_FEEDS} feeds known to parse to the {_LIMITS.timeout_seconds:g} s deadline, 2 parser "
            f"processes, the first {_PARSE_WINDOW:g} s after a restart: a healthy feed's parse takes",
            stored,
            unknown,
            baseline="without the stored slowness",
            counted="measured",
        )
    )


if __name__ == "__main__":
    main()
