"""/chart under load: how long other work waits while 40 chats ask for a chart at once.

Forty different charts (90 days, nothing cached) are asked for at the same moment, as /chart does: before,
each drawn with asyncio.to_thread on the event loop's default executor (min(32, cores + 4) threads, shared
with every other to_thread call of the bot); now through bot.charts.ChartDrawer (one drawing thread of its
own, at most 6 charts drawn or waiting; the rest answered "busy" at once). Meanwhile a trivial to_thread
call (as the bot's other off-loop work) is made every 20 ms, and the event loop's lag is sampled every 10 ms.
Printed: their median and max, now vs the same-run baseline, and how many charts were drawn or refused.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import date

from bot.charts import ChartDrawer, ChartsBusy, ChartText, severity_chart

_CHATS = 40
_TEXT = ChartText(
    title="Sev Lake — stories per day by severity", period="90 days", y_label="Stories", unrated="-"
)


def _per_day(chat: int) -> list[dict[str, int]]:
    return [{"P1": (day + chat) % 3, "P3": (day * chat) % 4} for day in range(90)]


async def _run(*, drawer: ChartDrawer | None) -> tuple[list[float], list[float], int, int, float]:
    thread_waits: list[float] = []
    lags: list[float] = []
    done = asyncio.Event()

    async def chart(chat: int) -> bool:
        arguments = (_per_day(chat), date(2026, 1, 1), _TEXT)
        try:
            if drawer is None:
                await asyncio.to_thread(severity_chart, *arguments)
            else:
                await drawer.draw(severity_chart, *arguments)
        except ChartsBusy:
            return False
        return True

    async def other_work() -> None:
        while not done.is_set():
            started = time.monotonic()
            await asyncio.to_thread(time.monotonic)
            thread_waits.append(time.monotonic() - started)
            await asyncio.sleep(0.02)

    async def loop_lag() -> None:
        while not done.is_set():
            started = time.monotonic()
            await asyncio.sleep(0.01)
            lags.append(time.monotonic() - started - 0.01)

    samplers = [asyncio.ensure_future(other_work()), asyncio.ensure_future(loop_lag())]
    await asyncio.sleep(0.1)
    started = time.monotonic()
    drawn = await asyncio.gather(*(chart(chat) for chat in range(_CHATS)))
    took = time.monotonic() - started
    done.set()
    await asyncio.gather(*samplers)
    return thread_waits, lags, sum(drawn), _CHATS - sum(drawn), took


def main() -> None:
    severity_chart(_per_day(0), date(2026, 1, 1), _TEXT)  # matplotlib imported before either run
    drawer = ChartDrawer()
    waits, lags, drawn, busy, took = asyncio.run(_run(drawer=drawer))
    drawer.close()
    base_waits, base_lags, base_drawn, _, base_took = asyncio.run(_run(drawer=None))
    wait_ratio = max(waits) / max(base_waits)
    print(
        f"{_CHATS} charts asked for at once: other to_thread work waits median "
        f"{statistics.median(waits) * 1000:.1f} ms vs {statistics.median(base_waits) * 1000:.1f} ms on the "
        f"shared default executor ({statistics.median(waits) / statistics.median(base_waits):.3f}x), max "
        f"{max(waits) * 1000:.1f} ms vs {max(base_waits) * 1000:.1f} ms ({wait_ratio:.3f}x); "
        f"event loop lag max {max(lags) * 1000:.1f} ms vs {max(base_lags) * 1000:.1f} ms "
        f"({max(lags) / max(base_lags):.3f}x); {drawn} drawn and {busy} answered busy in {took:.1f} s vs "
        f"{base_drawn} drawn in {base_took:.1f} s"
    )


if __name__ == "__main__":
    main()
