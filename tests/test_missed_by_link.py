"""/missed <url>: the newest stored item with that link is found through the items.link index (migration
0018), whatever the link's length, on both backends."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime

from sqlalchemy import insert, text

from feeds.limits import MAX_LINK_CHARS
from feeds.store import store_new_items
from storage.db import Database
from storage.ingest import ItemRow, ingest_transaction
from storage.models import Feed, Item
from storage.reports import item_text_by_link
from tests.harness import new_item, statements_sent

NOW = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
# Links that do not compress, far past PostgreSQL's limit for one btree index entry (about 2.7 KB): only an
# index that keeps no copy of the value takes them. The longest a feed's entry keeps, in Armenian letters
# (8 KB of UTF-8), and 10,000 characters, as history stored before that cap may hold.
_SHUFFLED = random.Random(18)
LONGEST_FEED_LINK = "https://hostile.example/" + "".join(
    _SHUFFLED.choices("աբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆ", k=MAX_LINK_CHARS - 24)
)
LONG_LINK = "https://hostile.example/" + "".join(
    _SHUFFLED.choices(string.ascii_letters + string.digits, k=10_000 - 24)
)


async def _feed(db: Database) -> int:
    async with db.transaction() as session:
        feed = Feed(url="https://news.example/rss", title="News", history_loaded=True)
        session.add(feed)
        await session.flush()
        return feed.id


async def test_items_with_links_of_thousands_of_characters_are_stored_and_found(db: Database) -> None:
    feed_id = await _feed(db)
    hostile = new_item("Troops seen near Sev Lake", key="1", link=LONGEST_FEED_LINK, summary="at dawn")
    after = new_item("Talks in Brussels", key="2", link="https://news.example/2")
    assert len(await store_new_items(db, feed_id, [hostile], alert=True, now=NOW)) == 1
    # the feed goes on: its next item is stored too
    assert len(await store_new_items(db, feed_id, [after], alert=True, now=NOW)) == 1
    async with ingest_transaction(db) as write:
        stored = await write.insert_items(
            [
                ItemRow(
                    feed_id=feed_id, identity_key="3" * 64, guid=None, link=LONG_LINK,
                    title="Lachin road closed", summary="", language="ru", published=NOW, fetched_at=NOW,
                    content_hash="3" * 64,
                )
            ]
        )  # fmt: skip
    assert stored != [None]
    assert await item_text_by_link(db, LONGEST_FEED_LINK) == ("Troops seen near Sev Lake", "at dawn", "en")
    assert await item_text_by_link(db, LONG_LINK) == ("Lachin road closed", "", "ru")
    assert await item_text_by_link(db, LONG_LINK[:-1]) is None


async def test_the_newest_item_with_the_link_is_found_through_the_link_index(db: Database) -> None:
    """The plan of the very statement item_text_by_link sends: a search of ix_items_link, not a walk over
    every stored item (on PostgreSQL with enough rows, analysed, for the planner to choose freely)."""
    feed_id = await _feed(db)
    rows = [
        {
            "feed_id": feed_id,
            "identity_key": f"{number:064d}",
            "link": f"https://news.example/{number % 2000}",
            "title": f"Item {number}",
            "summary": "",
            "published_at": NOW,
            "fetched_at": NOW,
            "content_hash": f"{number:064d}",
        }
        for number in range(4000)
    ]
    async with db.transaction() as session:
        await session.execute(insert(Item), rows)
        await session.execute(text("ANALYZE items"))

    with statements_sent(db, "FROM items") as sent:
        found = await item_text_by_link(db, "https://news.example/7")
    assert found == ("Item 2007", "", None)
    [(statement, parameters)] = sent

    explain = "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN "
    async with db.transaction() as session:
        connection = await session.connection()
        plan = "\n".join(
            str(line[-1]) for line in await connection.exec_driver_sql(explain + statement, parameters)
        )
    assert "ix_items_link" in plan, plan
    assert "SCAN items\n" not in plan + "\n" and "Seq Scan" not in plan, plan
