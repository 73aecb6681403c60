"""Fetch lanes: how long a healthy feed's fetch waits for a global fetch slot while more feeds than there
are slots drip their bytes until the fetch deadline cuts them.

Forty feeds (on twenty loopback hosts, two each, so the per-host limit does not hold them back) send one
byte every 0.1 s and are polled again as soon as a fetch ends; the fetcher has its default 32 global slots
and a 3 s total deadline (30 s in production: the waits below scale with it). A healthy feed on a host of
its own is fetched every 0.25 s; measured: its fetch time (slot wait + request), after the first deadline
(the dripping feeds' first fetch is not yet known to be slow). The same-run baseline is the same fetcher
with the slow lane off (no feed is ever remembered as slow), as before: the dripping feeds hold every slot.

Then the forty dripping feeds all on one host (its 2 per-host slots): a healthy feed's fetch time over the
whole run, first round included, with fetches waiting for their host before they take a global slot, vs the
same-run baseline that takes the global slot first (as before: 30 fetches held global slots while they waited
for the host's two).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from bench._lanes import DEADLINE, DRIP_BODY, DRIPPING, HOSTS, SETTINGS, compared, dripping_feeds
from feeds.errors import FetchError
from feeds.fetch import Fetcher
from feeds.limits import SLOW_FETCH_SHARE
from tests.feedserver import FeedServer, loopback_hosts

_SECONDS = 12.0


class _Forgetful(set[str]):
    """The baseline's memory of slow feeds: it never remembers one, as before the slow lane."""

    def add(self, url: str) -> None:
        pass


class _GlobalFirst(Fetcher):
    """The fetcher taking its global slot before its host's, as before."""

    @contextlib.asynccontextmanager
    async def _slots(self, host: str, *, slow: bool) -> AsyncIterator[None]:
        async with self._global.slot(slow=slow), self._host_slot(host):
            yield


async def _run(
    server: FeedServer,
    dripping: list[str],
    healthy: str,
    *,
    lanes: bool,
    global_first: bool = False,
    after: float = DEADLINE + 0.5,
) -> list[float]:
    waits: list[float] = []
    fetcher = (_GlobalFirst if global_first else Fetcher)(SETTINGS)
    if not lanes:
        fetcher._slow = _Forgetful()  # the same fetcher with the slow lane off
    start = time.monotonic()
    end = start + _SECONDS

    async def drip(url: str) -> None:
        while time.monotonic() < end:
            with contextlib.suppress(FetchError):
                await fetcher.fetch(url)

    async def fetch_healthy() -> None:
        await fetcher.fetch(healthy)  # a connection open, as in the steady state
        while time.monotonic() < end:
            await asyncio.sleep(0.25)
            started = time.monotonic()
            await fetcher.fetch(healthy)
            if started - start > after:
                waits.append(time.monotonic() - started)

    drips = [asyncio.ensure_future(drip(url)) for url in dripping]
    try:
        await fetch_healthy()
    finally:
        for task in drips:  # fetches still dripping (or waiting) at the end are stopped
            task.cancel()
        await asyncio.gather(*drips, return_exceptions=True)
        await fetcher.aclose()
    return waits


def main() -> None:
    hosts = loopback_hosts(HOSTS + 1)
    with FeedServer(hosts) as server:
        feeds = dripping_feeds(server, hosts)
        after = asyncio.run(_run(server, feeds.dripping, feeds.healthy, lanes=True))
        before = asyncio.run(_run(server, feeds.dripping, feeds.healthy, lanes=False))
        one_host = [
            server.add(f"/one-host-{n}.xml", DRIP_BODY, fault="drip", drip_interval=0.1, host=hosts[1])
            for n in range(DRIPPING)
        ]
        host_first = asyncio.run(_run(server, one_host, feeds.healthy, lanes=True, after=0.0))
        global_first = asyncio.run(
            _run(server, one_host, feeds.healthy, lanes=True, global_first=True, after=0.0)
        )
    print(
        compared(
            f"{DRIPPING} dripping feeds, {SETTINGS.fetch_concurrency} slots (slow lane "
            f"{SLOW_FETCH_SHARE:.0%}), {DEADLINE:g} s deadline, {_SECONDS:g} s each run: a healthy "
            "feed's fetch takes",
            after,
            before,
            baseline="without the slow lane",
            counted="fetches",
        )
    )
    print(
        compared(
            f"the {DRIPPING} dripping feeds on one host, whole run: a healthy feed's fetch takes",
            host_first,
            global_first,
            baseline="taking the global slot before the host's",
            counted="fetches",
            digits=5,
        )
    )


if __name__ == "__main__":
    main()
