"""Reading a Telegram channel preview: what a poll costs when the newest post is the one seen last time (the
page is parsed for its message ids only) against reading every post of the page, in the same run.

Both on the faithful copy of a preview page (tests/data/telegram/syunik_watch.html, every kind of post)
repeated to the 20 posts a real page shows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from feeds.telegram_channel import ChannelPage

_FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "data" / "telegram" / "syunik_watch.html"
_HEADERS = {"content-type": "text/html; charset=utf-8"}


def _page_of_twenty() -> bytes:
    """The fixture with its posts repeated under new ids until the page holds 20 or more."""
    text = _FIXTURE.read_text(encoding="utf-8")
    head, _, rest = text.partition('<div class="tgme_widget_message_wrap')
    posts, _, tail = ('<div class="tgme_widget_message_wrap' + rest).rpartition("</section>")
    copies = [posts.replace("syunik_watch/12", f"syunik_watch/{n}2") for n in range(1, 3)]
    return (head + "".join(copies) + "</section>" + tail).encode()


def _best_of(repeats: int, runs: int, run: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(runs):
            run()
        timings.append((time.perf_counter() - started) / runs)
    return min(timings)


def main() -> None:
    """Print the cost of an unchanged poll next to reading every post, and their ratio."""
    body = _page_of_twenty()
    posts = len(ChannelPage(body, _HEADERS, "syunik_watch", "bench").ids)
    runs = 100
    full = _best_of(3, runs, lambda: ChannelPage(body, _HEADERS, "syunik_watch", "bench").entries(None))
    ids_only = _best_of(3, runs, lambda: ChannelPage(body, _HEADERS, "syunik_watch", "bench").ids)
    print(f"one preview page ({len(body) // 1024} KiB, {posts} messages):")
    print(f"  every post read (baseline)        {full * 1000:7.2f} ms")
    print(f"  newest post unchanged: ids only   {ids_only * 1000:7.2f} ms   ratio {ids_only / full:.2f}x")
