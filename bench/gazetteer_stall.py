"""An admin's entity change (/alias) and a reload of a change made in another process, against everything else
in the process: how long the event loop stalls, and how long another chat's write waits, while the new
gazetteer is built (every alias's patterns and the classifier's automata: most of a second).

A SQLite file with the shipped gazetteer; CHANGES aliases added one after another the way /alias adds them
(bot.commands.admin.change_gazetteer), then CHANGES aliases added by "another process" (straight into the
database) and loaded the way the bot's follower loads them (bot.runtime.refresh_gazetteer). Beside them a
ticker asks to wake every TICK seconds and notes the longest it waited beyond that (the event loop's longest
stall: what every chat's command and every alert waited at worst), and a writer writes one small row every
WRITE_EVERY seconds (as a chat's command or a delivery mark does) and notes the slowest.

Same-run baselines, the same changes made:
- on the event loop: the code before this fix (the gazetteer built on the event loop, inside the
  committing transaction; the reload built on the event loop too);
- thread, in the transaction: built on a worker thread but inside the committing transaction, which on
  SQLite holds the write lock, so every other write waits for the build (why the change is first only tried).

What is left of the stall is mostly the interpreter's full garbage collections, which the build's many new
objects set off and which hold every thread while they run.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import bot.commands.admin
from bot.commands.admin import change_gazetteer
from bot.context import BotContext
from bot.runtime import refresh_gazetteer
from feeds.gazetteer import build_gazetteer, build_gazetteer_in_thread, load_gazetteer
from storage.db import Database
from storage.deliveries import set_delivery_paused
from storage.gazetteer import GazetteerChange, changing_gazetteer
from storage.migrate import upgrade
from storage.settings import Settings

T = TypeVar("T")
CHANGES = int(os.environ.get("BENCH_GAZETTEER_STALL_CHANGES", "4"))
TICK = 0.005
WRITE_EVERY = 0.020
Change = Callable[[BotContext, Callable[[GazetteerChange], Awaitable[T]]], Awaitable[T]]


@dataclass(frozen=True, slots=True)
class Side:
    stall: float  # the event loop's longest stall during one change, median over the changes
    worst_stall: float
    write_wait: float  # the slowest write during one change, median over the changes
    took: float  # one change, median


async def _on_the_loop(ctx: BotContext, apply: Callable[[GazetteerChange], Awaitable[T]]) -> T:
    """The code before: the gazetteer built on the event loop, inside the committing transaction."""
    async with ctx.entity_lock:
        async with changing_gazetteer(ctx.db) as change:
            result = await apply(change)
            gazetteer = build_gazetteer(
                await change.rows(), ctx.entities.severity, ctx.entities.classifier.grader
            )
        ctx.gazetteer = gazetteer
    return result


async def _thread_in_transaction(ctx: BotContext, apply: Callable[[GazetteerChange], Awaitable[T]]) -> T:
    """Built on a worker thread, but inside the committing transaction."""
    async with ctx.entity_lock:
        async with changing_gazetteer(ctx.db) as change:
            result = await apply(change)
            gazetteer = await build_gazetteer_in_thread(
                await change.rows(), ctx.entities.severity, ctx.entities.classifier.grader
            )
        ctx.gazetteer = gazetteer
    return result


async def _reload_on_the_loop(ctx: BotContext) -> bool:
    """The reload before: the rows read, then the gazetteer built on the event loop."""
    async with changing_gazetteer(ctx.db) as change:
        rows = await change.rows()
    ctx.gazetteer = build_gazetteer(rows, ctx.entities.severity, ctx.entities.classifier.grader)
    return True


async def _watched(work: Awaitable[object], db: Database) -> tuple[float, float, float]:
    """(the event loop's longest stall, the slowest write, seconds) while `work` runs."""
    done = asyncio.Event()
    longest = [0.0, 0.0]

    async def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(TICK)
            at = time.perf_counter()
            longest[0], last = max(longest[0], at - last - TICK), at

    async def write() -> None:
        paused = False
        while not done.is_set():
            started = time.perf_counter()
            paused = not paused  # a value that changes, so that each one is written
            await set_delivery_paused(db, paused)
            longest[1] = max(longest[1], time.perf_counter() - started)
            await asyncio.sleep(WRITE_EVERY)

    probes = [asyncio.create_task(tick()), asyncio.create_task(write())]
    await asyncio.sleep(0.05)
    started = time.perf_counter()
    await work
    took = time.perf_counter() - started
    done.set()
    await asyncio.gather(*probes)
    return longest[0], longest[1], took


def _side(figures: list[tuple[float, float, float]]) -> Side:
    return Side(
        statistics.median(f[0] for f in figures),
        max(f[0] for f in figures),
        statistics.median(f[1] for f in figures),
        statistics.median(f[2] for f in figures),
    )


async def _run(folder: Path) -> dict[str, Side]:
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await upgrade(url)
    db = Database(url)
    try:
        settings = Settings(database_url=url)
        ctx = BotContext(db=db, settings=settings, gazetteer=await load_gazetteer(db, settings))
        changes: dict[str, Change[bool]] = {
            "on the event loop": _on_the_loop,
            "thread, in the transaction": _thread_in_transaction,
            "tried, then built on a thread": change_gazetteer,
        }
        sides: dict[str, Side] = {}
        for round_number in range(2):  # the first round only warms the caches
            for number, (label, change) in enumerate(changes.items()):
                figures = []
                for n in range(CHANGES):
                    alias = f"Benchmere {number}{round_number}{n}"

                    def add(change_: GazetteerChange, alias: str = alias) -> Awaitable[bool]:
                        return change_.add_alias("sev_lake", alias)

                    figures.append(await _watched(change(ctx, add), db))
                sides[f"/alias, {label}"] = _side(figures)
            reloads = (("on the event loop", _reload_on_the_loop), ("thread", refresh_gazetteer))
            for number, (label, reload) in enumerate(reloads):
                figures = []
                for n in range(CHANGES):
                    async with changing_gazetteer(db) as elsewhere:
                        await elsewhere.add_alias("sev_lake", f"Farmere {number}{round_number}{n}")
                    figures.append(await _watched(reload(ctx), db))
                sides[f"reload, {label}"] = _side(figures)
        assert ctx.entities.resolve(f"Benchmere 21{CHANGES - 1}") is not None, "the last alias is in force"
        assert ctx.entities.resolve(f"Farmere 11{CHANGES - 1}") is not None, "the last reload is in force"
        return sides
    finally:
        await db.dispose()


def main() -> None:
    assert bot.commands.admin.change_gazetteer is change_gazetteer
    with tempfile.TemporaryDirectory() as folder:
        sides = asyncio.run(_run(Path(folder)))
    for label, side in sides.items():
        print(
            f"{label}: one change {side.took:.2f} s; event loop stalled at most {side.stall * 1000:.0f} ms "
            f"(median over {CHANGES} changes; worst {side.worst_stall * 1000:.0f} ms); the slowest other "
            f"write waited {side.write_wait * 1000:.0f} ms",
            flush=True,
        )
    for what, baseline, after in (
        ("/alias", "/alias, on the event loop", "/alias, tried, then built on a thread"),
        ("reload", "reload, on the event loop", "reload, thread"),
    ):
        before, now = sides[baseline], sides[after]
        print(
            f"{what}: longest stall {now.stall * 1000:.0f} ms vs {before.stall * 1000:.0f} ms "
            f"({now.stall / before.stall:.3f}x); slowest other write {now.write_wait * 1000:.0f} ms vs "
            f"{before.write_wait * 1000:.0f} ms ({now.write_wait / before.write_wait:.3f}x); one change "
            f"{now.took:.2f} s vs {before.took:.2f} s ({now.took / before.took:.2f}x)"
        )


if __name__ == "__main__":
    main()
