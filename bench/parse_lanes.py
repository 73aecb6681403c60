"""Parser lanes: how long a healthy feed's parse waits while feeds whose documents parse up to the deadline
keep the parser worker processes busy.

Three "slow" feeds each parse a changed document that runs to the parse deadline (an attribute bomb with the
pre-scan's cap lifted, the deadline scaled down to 4 s), again and again; a healthy feed parses a 50-item RSS
document every half second. Prints the healthy parse's latency (queue wait + parse) once the slow feeds are
known (their first parse is not yet known to be slow: it may keep a healthy parse waiting once). Before the
slow lane (two workers, first come first served) it waited up to a whole deadline behind the bombs; at the
real deadline (20 s + 3 s/MiB) that is 20 to 50 s on top of the poll interval. The same-run baseline is the
same pool with the slow lane off (no feed is ever remembered as slow).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time

from bench.parse import rss_body
from feeds.errors import ParseError
from feeds.limits import ParseLimits
from feeds.parse import ParserPool

_SLOW_FEEDS = 3
_SECONDS = 24.0
_LIMITS = ParseLimits(max_attributes=10**9, timeout_seconds=4.0, timeout_seconds_per_mib=0.0)


def _bomb(variant: int) -> bytes:
    flood = " ".join(f'a{n}="x"' for n in range(130_000 + variant))
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Bomb</title><item {flood}>'
        "<title>x</title></item></channel></rss>"
    ).encode()


class _Forgetful(set[str]):
    """The baseline's memory of slow feeds: it never remembers one, so every parse takes the first free
    worker, as before the slow lane."""

    def add(self, url: str) -> None:
        pass


async def _run(*, lanes: bool) -> list[tuple[float, float]]:
    latencies: list[tuple[float, float]] = []  # (seconds since the start, latency)
    start = time.monotonic()
    end = time.monotonic() + _SECONDS
    async with ParserPool(workers=2, limits=_LIMITS) as pool:
        if not lanes:
            pool._slow = _Forgetful()  # the same pool with the slow lane off

        async def slow(feed: int) -> None:
            variant = 0
            while time.monotonic() < end:
                variant += 1
                with contextlib.suppress(ParseError):
                    await pool.parse(_bomb(variant), {}, f"https://example.com/slow-{feed}")

        async def healthy() -> None:
            body = rss_body(1)
            await pool.parse(body, {}, "https://example.com/healthy")  # starts a worker process
            while time.monotonic() < end:
                await asyncio.sleep(0.5)
                started = time.monotonic()
                await pool.parse(body, {}, "https://example.com/healthy")
                latencies.append((started - start, time.monotonic() - started))

        await asyncio.gather(healthy(), *(slow(n) for n in range(_SLOW_FEEDS)))
    return latencies


def _summary(measured: list[tuple[float, float]], first_round: float) -> tuple[float, float, float]:
    """Median and max latency after the first round, and the max in it."""
    later = [latency for at, latency in measured if at > first_round] or [0.0]
    first = [latency for at, latency in measured if at <= first_round] or [0.0]
    return statistics.median(later), max(later), max(first)


def main() -> None:
    first_round = 2 * _LIMITS.timeout_seconds
    median, worst, first = _summary(asyncio.run(_run(lanes=True)), first_round)
    base_median, base_worst, _ = _summary(asyncio.run(_run(lanes=False)), first_round)
    print(
        f"{_SLOW_FEEDS} feeds parsing to the {_LIMITS.timeout_seconds:.0f} s deadline on 2 workers, "
        f"{_SECONDS:.0f} s each run: healthy parse latency after the first {first_round:.0f} s: median "
        f"{median:.2f} s vs {base_median:.2f} s without the slow lane, max {worst:.2f} s vs "
        f"{base_worst:.2f} s ({worst / base_worst:.2f}x); in the first {first_round:.0f} s "
        f"(slow feeds not yet known): max {first:.2f} s"
    )


if __name__ == "__main__":
    main()
