"""Web pages (statement pages, Telegram channel previews) beside hostile ones: how long a healthy page's
read waits, and how long the event loop stalls, while hostile pages are being read.

Eight hostile statement pages (more than the default executor's min(32, cores + 4) threads on 2 cores;
items nested each in the one before, about 5 s of parsing each; a new one as soon as the last is done, as
a poller meeting several such feeds does) and a healthy 30-item page read every 0.5 s, for 12 s.
Measured: pages read by the parser processes (ParserPool.run: 2 workers, deadline 1 s here, slow lane)
against the same-run baseline, the pages read as before, on the event loop's default executor
(asyncio.to_thread) with no deadline, where the hostile parses hold the GIL and every thread. The event
loop's stall is the longest delay of a 10 ms timer. The first 2 s (hostile pages not yet known to be
slow) may keep the healthy page waiting once, for up to a deadline and a parser process's restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from feeds.errors import ParseError
from feeds.htmlpage import PageSelectors, parse_statement_page
from feeds.limits import ParseLimits
from feeds.model import ParsedFeed
from feeds.parse import ParserPool

_HOSTILE_PAGES = 8
_SECONDS = 12.0
_SELECTORS = PageSelectors(item=".news-item")
_NOW = datetime(2026, 5, 1, tzinfo=UTC)
Read = Callable[[str, bytes], Awaitable[ParsedFeed]]


def _hostile(variant: int) -> bytes:
    depth = 5000 + variant
    return ("<html><body>" + '<div class="news-item"><p>t</p>' * depth + "</div>" * depth).encode()


def _healthy() -> bytes:
    items = "".join(f'<div class="news-item"><h3>Statement {n}</h3><p>Text {n}.</p></div>' for n in range(30))
    return f"<html><body>{items}</body></html>".encode()


async def _run(read: Read) -> tuple[list[float], float]:
    latencies: list[float] = []
    stall = 0.0
    end = time.monotonic() + _SECONDS

    async def hostile(page: int) -> None:
        variant = 0
        while time.monotonic() < end:
            variant += _HOSTILE_PAGES
            with contextlib.suppress(ParseError):
                await read(f"https://example.com/hostile-{page}", _hostile(variant + page))

    async def healthy() -> None:
        body = _healthy()
        await read("https://example.com/healthy", body)  # starts a worker process
        while time.monotonic() < end:
            await asyncio.sleep(0.5)
            started = time.monotonic()
            await read("https://example.com/healthy", body)
            latencies.append(time.monotonic() - started)

    async def ticker() -> None:
        nonlocal stall
        while time.monotonic() < end:
            started = time.monotonic()
            await asyncio.sleep(0.01)
            stall = max(stall, time.monotonic() - started - 0.01)

    await asyncio.gather(healthy(), ticker(), *(hostile(n) for n in range(_HOSTILE_PAGES)))
    return latencies, stall


async def _in_processes() -> tuple[list[float], float]:
    limits = ParseLimits(timeout_seconds=1.0, timeout_seconds_per_mib=0.0)
    async with ParserPool(workers=2, limits=limits) as pool:

        async def read(url: str, body: bytes) -> ParsedFeed:
            return await pool.run(url, parse_statement_page, body, {}, url, _SELECTORS, _NOW)

        return await _run(read)


async def _on_threads() -> tuple[list[float], float]:
    async def read(url: str, body: bytes) -> ParsedFeed:
        arguments: tuple[Any, ...] = (body, {}, url, _SELECTORS, _NOW)
        return await asyncio.to_thread(parse_statement_page, *arguments)

    return await _run(read)


def main() -> None:
    after, stall = asyncio.run(_in_processes())
    before, base_stall = asyncio.run(_on_threads())
    median, worst = statistics.median(after), max(after)
    base_median, base_worst = statistics.median(before), max(before)
    print(
        f"{_HOSTILE_PAGES} hostile pages (about 5 s of parsing each) read again and again, "
        f"{_SECONDS:.0f} s each run: a healthy page's read takes median {median * 1000:.0f} ms vs "
        f"{base_median * 1000:.0f} ms on threads ({median / base_median:.3f}x), max {worst * 1000:.0f} ms "
        f"vs {base_worst * 1000:.0f} ms "
        f"({worst / base_worst:.3f}x); the event loop stalls at most {stall * 1000:.0f} ms vs "
        f"{base_stall * 1000:.0f} ms ({stall / base_stall:.3f}x)"
    )


if __name__ == "__main__":
    main()
