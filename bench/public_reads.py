"""The public outputs and /story on a large history, before and after migration 0019.

Fills a database at revision 0018 with bench/history.py's two years of history (bulk INSERTs; stories of 1–5
items, so N items are about N/3 stories), then times, on the same data:
- /atom/<rare entity> answered 200 and answered 304 (a conditional request whose ETag matches), and the same
  for a common entity: the baseline is the query as it was before (the stories walked newest first, each one's
  items' tags looked up, all of it read before the ETag was compared);
- /story <id>: the baseline read every item column (summaries too) and found the merged stories by reading
  every story.
Then upgrades to head (0019 adds ix_stories_merged_into_id; its time is shown)
and times today's code. Both sides must give the same stories; the bench says when they do not.

SQLite always (a temporary file); PostgreSQL when BORDERWATCH_TEST_DATABASE_URL or --postgres names a server
(a fresh database per size, dropped afterwards).

    python -m bench public_reads                  # 60,000 and 600,000 items (20,000 and 200,000 stories)
    python -m bench.public_reads --items 3000000
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import datetime
from types import ModuleType
from typing import Any

from sqlalchemy import Select, exists, select, text

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
from storage.models import Feed, Item, ItemEntity, Story
from storage.public_stories import latest_public_story_ids, load_public_stories
from storage.stories import StoryDetails, StoryMember, read_evidence, source_name, split_list

DEFAULT_SIZES = (60_000, 600_000)
FEED_SIZE = 50


def _public_before(entity_id: str) -> Select[int, datetime]:
    """The query as it was: every story newest first, each one's items' tags looked up by primary key."""
    alertable = [
        Item.story_id == Story.id,
        Item.alertable.is_(True),
        exists().where(ItemEntity.item_id == Item.id, ItemEntity.entity_id == entity_id).correlate(Item),
    ]
    return select(Story.id, Story.updated_at).where(exists().where(*alertable).correlate(Story))


async def _ids_before(db: Database, entity_id: str) -> list[tuple[int, Any]]:
    query = _public_before(entity_id).order_by(Story.updated_at.desc(), Story.id.desc()).limit(FEED_SIZE)
    async with db.transaction() as session:
        return [(story_id, updated) for story_id, updated in (await session.execute(query)).all()]


async def _story_before(db: Database, story_id: int) -> StoryDetails | None:
    """storage.stories.story_details as it was: whole items, merged stories found by reading every story."""
    async with db.transaction() as session:
        story = await session.get(Story, story_id)
        if story is None:
            return None
        merged_from = tuple(
            (
                await session.execute(
                    select(Story.id).where(Story.merged_into_id == story_id).order_by(Story.id)
                )
            ).scalars()
        )
        rows = await session.execute(
            select(Item, Feed)
            .join(Feed, Feed.id == Item.feed_id)
            .where(Item.story_id == story_id)
            .order_by(Item.published_at, Item.id)
        )
        members = tuple(
            StoryMember(
                item_id=item.id,
                source=source_name(feed),
                title=item.title,
                link=item.link,
                language=item.language,
                published=item.published_at,
                severity=item.severity,
                rule=item.story_rule,
                score=item.story_score,
                evidence=read_evidence(item.story_evidence).agreed,
                events=split_list(item.events),
                matched_item=read_evidence(item.story_evidence).matched_item,
                merged=read_evidence(item.story_evidence).merged,
                published_day_only=item.published_day_only,
            )
            for item, feed in rows.all()
        )
        return StoryDetails(story.id, story.title, story.severity, story.created_at, members, merged_from)


def _commands(scenario: Scenario, story_id: int, before: bool) -> dict[str, Command]:
    from storage.stories import story_details

    def feed(entity: str, conditional: bool) -> Command:
        async def run(h: ModuleType, fa: ModuleType, db: Database, sc: Scenario) -> Any:
            if before:  # the stories were read whole before the ETag was compared
                return [story.id for story in await load_public_stories(db, await _ids_before(db, entity))]
            found = await latest_public_story_ids(db, entity, FEED_SIZE)
            if conditional:
                return [story_id for story_id, _updated in found]
            return [story.id for story in await load_public_stories(db, found)]

        return run

    async def story(h: ModuleType, fa: ModuleType, db: Database, sc: Scenario) -> Any:
        details = await (_story_before if before else story_details)(db, story_id)
        return None if details is None else (len(details.members), details.merged_from)

    return {
        "/atom/<rare entity> 200": feed(scenario.rare_entity, False),
        "/atom/<rare entity> 304": feed(scenario.rare_entity, True),
        "/atom/<common entity> 200": feed(scenario.common_entity, False),
        "/atom/<common entity> 304": feed(scenario.common_entity, True),
        "/story <id>": story,
    }


async def _side(db: Database, commands: dict[str, Command], scenario: Scenario) -> dict[str, Timing]:
    return {name: await _time(run, sys, sys, db, scenario) for name, run in commands.items()}


async def _measure(backend: str, url: str, size: int) -> None:
    await upgrade(url, "0018")
    db = Database(url)
    try:
        started = time.perf_counter()
        scenario = await seed(db, size)
        async with db.transaction() as session:
            stories = int(await session.scalar(text("SELECT COUNT(*) FROM stories")) or 0)
            # a story of five items half way through history, some of them tagged
            story_id = int(
                await session.scalar(
                    text(
                        "SELECT story_id FROM items WHERE story_id >= :half GROUP BY story_id "
                        "HAVING COUNT(*) = 5 ORDER BY story_id LIMIT 1"
                    ),
                    {"half": stories // 2},
                )
                or 0
            )
        print(
            f"  seeded {size:,} items, {stories:,} stories in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        await _analyze(db)
        before = await _side(db, _commands(scenario, story_id, before=True), scenario)
        await db.dispose()
        started = time.perf_counter()
        await upgrade(url)
        migrated = time.perf_counter() - started
        await _analyze(db)
        after = await _side(db, _commands(scenario, story_id, before=False), scenario)
    finally:
        await db.dispose()
    print(f"\n{backend}, {size:,} items, {stories:,} stories (upgrade 0018 → head {migrated:.1f} s)")
    print_before_after("request", "now", "before", after, before)


async def _run(sizes: list[int], postgres: str | None) -> None:
    async for backend, url, size in each_database(sizes, postgres, "bench_public"):
        await _measure(backend, url, size)


def main(argv: list[str] | None = None) -> None:
    """Seed, time and report (sizes: --items, BENCH_PUBLIC_ITEMS; PostgreSQL: --postgres)."""
    parser = sizes_parser("bench.public_reads", __doc__, "BENCH_PUBLIC_ITEMS", DEFAULT_SIZES)
    _args, sizes, postgres = parsed_options(parser, argv)
    asyncio.run(_run(sizes, postgres))


if __name__ == "__main__":
    main()
