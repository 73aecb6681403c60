"""A flood of P1 stories from one source never pushes the other sources' stories out of the daily digest.

Through the digest job against the Bot API emulator, on a real SQLite file or PostgreSQL: one feed stored
FLOOD P1 stories about Sev Lake in a day (more than one message holds), two other feeds one story each (a P3
about Sev Lake, a P4 about the Lachin corridor). The reader's digest must list both, and say truly how many
stories it left out.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

from bot.digest import DigestJob
from feeds.store import store_new_items
from storage import digests
from storage.db import Database
from storage.models import Feed
from tests.botapi import BotApiEmulator
from tests.harness import initialized_bot, new_item, subscribe

READER = 4731
FLOOD = 150
START = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
WORDS = ("road", "patrol", "convoy", "village", "farmers", "water", "school", "bridge", "post", "hill")
SEV_LAKE_STORY = "Fishermen return to Sev Lake after the ceasefire"
LACHIN_STORY = "Lachin corridor closed to traffic, officials say"
STORY_LINE = re.compile(r"^(🔴|🟠|🟡|⚪|🔹) ")


async def test_a_p1_flood_from_one_source_leaves_room_for_the_other_sources_stories(db: Database) -> None:
    await subscribe(db, READER, "sev_lake", "lachin_corridor")
    await digests.set_alerts(db, READER, False)
    await digests.set_digest(db, READER, "08:00", START)
    async with db.transaction() as session:
        feeds = [Feed(url=f"https://{name}.test/rss", title=name) for name in ("flood", "wire", "daily")]
        session.add_all(feeds)
        await session.flush()
        flood_id, wire_id, daily_id = (feed.id for feed in feeds)
    at = START + timedelta(hours=1)
    rng = random.Random(5)
    flood = [
        new_item(
            f"Shelling near Sev Lake: {' '.join(rng.sample(WORDS, 6))} {n}",
            "sev_lake",
            severity="P1",
            published=at - timedelta(seconds=n),
            spans=((14, 22, "Sev Lake"),),
        )
        for n in range(FLOOD)
    ]
    await store_new_items(db, flood_id, flood, alert=True, now=at)
    wire = new_item(SEV_LAKE_STORY, "sev_lake", severity="P3", published=at, spans=((25, 33, "Sev Lake"),))
    await store_new_items(db, wire_id, [wire], alert=True, now=at + timedelta(minutes=1))
    daily = new_item(LACHIN_STORY, "lachin_corridor", severity="P4", published=at, spans=((0, 15, "Lachin"),))
    await store_new_items(db, daily_id, [daily], alert=True, now=at + timedelta(minutes=2))
    stories = await digests.digest_stories(db, READER, START - timedelta(days=1), START.replace(hour=8))
    total = len({story.story_id for story in stories})
    assert total >= FLOOD // 2 + 2  # the flood is real: more stories than one message lists

    async with BotApiEmulator() as telegram:
        telegram.add_user(READER)
        clock_now = START.replace(hour=8)
        async with initialized_bot(db, telegram, lambda: clock_now) as (ctx, application):
            assert await DigestJob(ctx, application.bot).run_due() == 1

    (digest,) = telegram.texts(READER)
    lines = digest.splitlines()
    assert lines[0].startswith(f"Digest: {total} stories")
    listed = [line for line in lines if STORY_LINE.match(line)]
    # the other sources' stories are listed, whatever the flood's severity and size
    assert any(SEV_LAKE_STORY in line for line in listed), digest
    assert any(LACHIN_STORY in line for line in listed), digest
    # and the last line counts the stories left out, so listed and left out add up to the heading's count
    assert lines[-1] == f"… and {total - len(listed)} more stories", lines[-1]
