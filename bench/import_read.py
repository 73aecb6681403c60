"""/import: how long the event loop stalls while a 1 MiB OPML (the size cap; 8,000 outlines) is read.

Before, read_opml ran on the event loop (expat and an object per outline: every other chat, and delivery in
the same process, waited for it). Now it runs in a parser process (feeds.parse.ParserPool.run), a
short-lived pool started for the command as /import does. The event loop's lag is sampled every 5 ms while
the document is read, in the same run both ways; printed: the worst lag and the read's wall time, and the
same for the first read in the process, which also starts multiprocessing's forkserver.
"""

from __future__ import annotations

import asyncio
import time

from feeds.opml import read_opml, read_opml_listing
from feeds.parse import ParserPool

_CAP = 1024 * 1024


def _document() -> bytes:
    head = b'<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>\n'
    outlines: list[bytes] = []
    size = len(head) + 20
    number = 0
    while True:
        line = (
            f'<outline type="rss" text="Feed {number}" title="Feed number {number}" '
            f'xmlUrl="https://news{number}.example.am/rss/{number}.xml" language="hy"/>\n'
        ).encode()
        if size + len(line) > _CAP:
            break
        outlines.append(line)
        size += len(line)
        number += 1
    return head + b"".join(outlines) + b"</body></opml>"


async def _lag_while(read: asyncio.Future[int]) -> float:
    worst = 0.0
    while not read.done():
        started = time.monotonic()
        await asyncio.sleep(0.005)
        worst = max(worst, time.monotonic() - started - 0.005)
    return worst


async def _on_loop(document: bytes) -> tuple[float, float, int]:
    async def read() -> int:
        await asyncio.sleep(0.01)
        return len(read_opml(document, "feeds.opml", invalid=[]))

    started = time.monotonic()
    task = asyncio.ensure_future(read())
    lag = await _lag_while(task)
    return lag, time.monotonic() - started, task.result()


async def _in_process(document: bytes) -> tuple[float, float, int]:
    async def read() -> int:
        await asyncio.sleep(0.01)
        parser = ParserPool(remember=False)  # as bot.commands.admin._parser: stopped on a thread after
        try:
            feeds, _invalid = await parser.run("feeds.opml", read_opml_listing, document, "feeds.opml")
        finally:
            await asyncio.to_thread(parser.close)
        return len(feeds)

    started = time.monotonic()
    task = asyncio.ensure_future(read())
    lag = await _lag_while(task)
    return lag, time.monotonic() - started, task.result()


def main() -> None:
    document = _document()
    # the first parser process of a process also starts multiprocessing's forkserver (once per process; a
    # process that polls feeds, or ran /addfeed, has it running already)
    first_lag, first_took, count = asyncio.run(_in_process(document))
    lag, took, _ = asyncio.run(_in_process(document))
    base_lag, base_took, _ = asyncio.run(_on_loop(document))
    print(
        f"a {len(document) / 2**20:.2f} MiB OPML of {count} outlines: the event loop stalled at most "
        f"{lag * 1000:.1f} ms vs {base_lag * 1000:.1f} ms read on the loop ({lag / base_lag:.3f}x); the read "
        f"took {took:.2f} s vs {base_took:.2f} s (a parser process started for it); the first read in the "
        f"process (starting the forkserver too): stalled {first_lag * 1000:.1f} ms, took {first_took:.2f} s"
    )


if __name__ == "__main__":
    main()
