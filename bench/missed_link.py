"""/missed <url> on a large history: the newest stored item with that link, before and after migration 0018.

Fills a database at revision 0017 with bench/history.py's two years of history (bulk INSERTs), times
storage.reports.item_text_by_link (the one query /missed <url> makes) for the link of an item a year old and
for a link not stored, then upgrades to head (0018 indexes items.link; its time is shown) and times the same
calls on the same data. Both sides must give the same answer (found, none); the bench says when they do not.

SQLite always (a temporary file); PostgreSQL when BORDERWATCH_TEST_DATABASE_URL or --postgres names a server
(a fresh database per size, dropped afterwards).

    python -m bench missed_link                        # 200,000 items
    python -m bench.missed_link --items 1000000
"""

from __future__ import annotations

import asyncio
import sys
import time
from types import ModuleType
from typing import Any

from sqlalchemy import text

from bench.history import (
    Command,
    Scenario,
    Timing,
    _analyze,
    _time,
    each_database,
    parsed_options,
    print_before_after,
    seed,
    sizes_parser,
)
from storage.db import Database
from storage.migrate import upgrade
from storage.reports import item_text_by_link

DEFAULT_SIZES = (200_000,)
ABSENT_LINK = "https://feed1.bench.test/absent"


def _lookup(link: str) -> Command:
    async def run(h: ModuleType, fa: ModuleType, db: Database, sc: Scenario) -> Any:
        return await item_text_by_link(db, link)

    return run


async def _side(db: Database, scenario: Scenario, links: dict[str, str]) -> dict[str, Timing]:
    return {name: await _time(_lookup(link), sys, sys, db, scenario) for name, link in links.items()}


async def _measure(backend: str, url: str, size: int) -> None:
    await upgrade(url, "0017")
    db = Database(url)
    try:
        started = time.perf_counter()
        scenario = await seed(db, size)
        print(f"  seeded {size:,} items in {time.perf_counter() - started:.0f} s", flush=True)
        async with db.transaction() as session:
            year_old = await session.scalar(text("SELECT link FROM items WHERE id = :id"), {"id": size // 2})
        links = {"/missed <url> (a year old)": str(year_old), "/missed <url> (not stored)": ABSENT_LINK}
        await _analyze(db)
        before = await _side(db, scenario, links)
        await db.dispose()
        started = time.perf_counter()
        await upgrade(url)
        migrated = time.perf_counter() - started
        await _analyze(db)
        after = await _side(db, scenario, links)
    finally:
        await db.dispose()
    print(f"\n{backend}, {size:,} items (upgrade 0017 → head {migrated:.1f} s)")
    print_before_after("command", "0018", "0017", after, before, lambda answer: "found" if answer else "none")


async def _run(sizes: list[int], postgres: str | None) -> None:
    async for backend, url, size in each_database(sizes, postgres, "bench_missed"):
        await _measure(backend, url, size)


def main(argv: list[str] | None = None) -> None:
    """Seed, time and report (sizes: --items, BENCH_MISSED_ITEMS; PostgreSQL: --postgres)."""
    parser = sizes_parser("bench.missed_link", __doc__, "BENCH_MISSED_ITEMS", DEFAULT_SIZES)
    _args, sizes, postgres = parsed_options(parser, argv)
    asyncio.run(_run(sizes, postgres))


if __name__ == "__main__":
    main()
