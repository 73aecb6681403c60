"""DNS lookups before fetches: how long a healthy feed's lookup waits while feeds whose DNS hangs are polled.

Twelve feeds name hosts whose DNS server never answers (each lookup blocks for 4 s, as getaddrinfo does
until its own time-outs run out) and are polled every second; a healthy feed's name (answering in 1 ms) is
looked up every 0.1 s. The lookups are the blocking kind (getaddrinfo), with the system's DNS mocked.
Measured: the feed resolver (feeds.guard.ThreadedResolver: threads of its own, one lookup per name, hung
names apart) against the same-run baseline, the lookups as they were before, on the event loop's default
executor (loop.getaddrinfo), whose threads (min(32, cores + 4)) the hung lookups fill.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable

from feeds.guard import ThreadedResolver

_HUNG_FEEDS = 12
_HANG_SECONDS = 4.0
_SECONDS = 10.0
Resolve = Callable[[str, int], Awaitable[list[str]]]


def _blocking(host: str, port: int) -> list[str]:
    time.sleep(_HANG_SECONDS if host.startswith("hung") else 0.001)
    return ["192.0.2.1"]


async def _default_executor(host: str, port: int) -> list[str]:
    return await asyncio.get_running_loop().run_in_executor(None, _blocking, host, port)


async def _run(resolve: Resolve) -> list[float]:
    waits: list[float] = []
    end = time.monotonic() + _SECONDS

    async def hung(feed: int) -> None:
        while time.monotonic() < end:
            try:
                async with asyncio.timeout(1.0):
                    await resolve(f"hung-{feed}.example", 80)
            except (TimeoutError, OSError):
                pass
            await asyncio.sleep(1.0)

    async def healthy() -> None:
        await resolve("healthy.example", 80)  # known: it answered before
        while time.monotonic() < end:
            await asyncio.sleep(0.1)
            started = time.monotonic()
            try:
                async with asyncio.timeout(_HANG_SECONDS * 2):
                    await resolve("healthy.example", 80)
            except (TimeoutError, OSError):
                pass
            waits.append(time.monotonic() - started)

    await asyncio.gather(healthy(), *(hung(n) for n in range(_HUNG_FEEDS)))
    return waits


def main() -> None:
    resolver = ThreadedResolver(_blocking, seconds=1.0, name="bench-lookup")
    after = asyncio.run(_run(resolver))
    before = asyncio.run(_run(_default_executor))
    median, worst = statistics.median(after), max(after)
    base_median, base_worst = statistics.median(before), max(before)
    print(
        f"{_HUNG_FEEDS} feeds whose DNS hangs ({_HANG_SECONDS:.0f} s a lookup), polled each second, "
        f"{_SECONDS:.0f} s each run, {os.cpu_count()} cores: a healthy feed's lookup waits median "
        f"{median * 1000:.1f} ms vs {base_median * 1000:.1f} ms on the default executor "
        f"({median / base_median:.4f}x), max {worst * 1000:.1f} ms vs {base_worst * 1000:.1f} ms "
        f"({worst / base_worst:.4f}x)"
    )


if __name__ == "__main__":
    main()
