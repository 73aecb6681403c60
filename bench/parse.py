"""Parsing cost: feeds.parse against feedparser.parse with default options on the same 50-item RSS bodies.

Prints, each next to the baseline measured in the same run: one body parsed in this process, and a batch of
bodies parsed through ParserPool (every core) against feedparser.parse one after another.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable

import feedparser

from feeds.parse import ParserPool, parse_feed

_HEADERS = {"content-type": "application/rss+xml; charset=utf-8"}
_URL = "https://news.am/eng/rss/"


def rss_body(feed_number: int, items: int = 50) -> bytes:
    """A typical news RSS 2.0 document: HTML descriptions in CDATA, guids, tracking parameters, categories."""
    parts = []
    for i in range(items):
        n = feed_number * 1000 + i
        parts.append(
            f"""<item><title>Armenian MoD: shelling near Sotk &amp; Jermuk, report {n}</title>
<link>https://news.am/eng/news/{n}.html?utm_source=rss&amp;utm_medium=feed</link>
<guid isPermaLink="true">https://news.am/eng/news/{n}.html</guid>
<description><![CDATA[<p><img src="/static/news/{n}.jpg" alt="" /> The Ministry of Defence said on
<b>Tuesday</b> that Azerbaijani armed forces opened fire from artillery, mortars and large-calibre weapons
toward positions in the direction of <a href="/eng/tag/jermuk">Jermuk</a>, Goris and Kapan.
&quot;The enemy is also using drones,&quot; the statement said.</p><p>Details to follow&hellip;</p>]]>
</description>
<category>Politics</category>
<pubDate>Tue, 13 Sep 2022 {i % 24:02d}:05:00 +0400</pubDate>
</item>"""
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>News.am</title>'
        "<link>https://news.am/eng/</link><description>News</description><language>en</language>"
        f"<ttl>10</ttl>{''.join(parts)}</channel></rss>"
    ).encode()


def _best_of(repeats: int, run: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings)


async def _through_pool(pool: ParserPool, bodies: list[bytes]) -> None:
    await asyncio.gather(*(pool.parse(body, _HEADERS, _URL) for body in bodies))


def main() -> None:
    """Print the single-body and batch figures with their feedparser-defaults baselines and ratios."""
    body = rss_body(1)
    runs = 50
    baseline = _best_of(3, lambda: [feedparser.parse(body) for _ in range(runs)]) / runs
    ours = _best_of(3, lambda: [parse_feed(body, _HEADERS, _URL) for _ in range(runs)]) / runs
    print(f"one 50-item body ({len(body) // 1024} KiB), one process:")
    print(f"  feedparser.parse defaults {baseline * 1000:7.2f} ms")
    print(f"  feeds.parse.parse_feed    {ours * 1000:7.2f} ms   ratio {ours / baseline:.2f}x")

    bodies = [rss_body(n) for n in range(200)]
    baseline_batch = _best_of(2, lambda: [feedparser.parse(b) for b in bodies])
    pool = ParserPool()
    try:
        asyncio.run(_through_pool(pool, bodies[:4]))  # start the workers outside the measurement
        pooled = _best_of(2, lambda: asyncio.run(_through_pool(pool, bodies)))
    finally:
        pool.close()
    print(f"{len(bodies)} bodies, ParserPool on {os.cpu_count()} cores:")
    ratio = pooled / baseline_batch
    print(f"  feedparser.parse defaults, one after another {baseline_batch:6.2f} s")
    print(f"  ParserPool.parse, all at once                {pooled:6.2f} s   ratio {ratio:.2f}x")


if __name__ == "__main__":
    main()
