"""The public outputs' stories of one entity (/atom/<entity>, /api/stories?entity=): exactly the stories with
an alertable item tagged with it, found from the entity's own tags once (never by reading every tag of the
entity again for each story, quadratic in history: 5.8 s at 20,000 stories; never by walking every newer
story, 57 ms for a rare entity at 20,000 stories, see bench/public_reads.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text, update

from storage.db import Database
from storage.models import Entity, Feed, Item, ItemEntity, Story
from storage.public_stories import (
    FEW_TAGS,
    StoryCursor,
    latest_public_stories,
    load_public_stories,
    public_stories_after,
    public_story_ids_after,
)
from tests.harness import statements_sent

START = datetime(2025, 1, 1, tzinfo=UTC)


async def _history(db: Database, items: list[tuple[int, bool, tuple[str, ...]]]) -> None:
    """One story per distinct story number, changed in that order; items as (story, alertable, tags)."""
    stories = sorted({story for story, _alertable, _tags in items})
    async with db.transaction() as session:
        session.add(Feed(id=1, url="https://news.example/rss", title="News", history_loaded=True))
        for entity in ("csto", "sev_lake"):
            session.add(Entity(id=entity, kind="org", name=entity, definition={}))
        await session.flush()
        at = [START + timedelta(minutes=story) for story in stories]
        await session.execute(
            insert(Story),
            [
                {"id": s, "title": f"Story {s}", "created_at": t, "updated_at": t}
                for s, t in zip(stories, at, strict=True)
            ],
        )
        await session.execute(
            insert(Item),
            [
                {
                    "id": number, "feed_id": 1, "story_id": story, "identity_key": f"{number:064d}",
                    "title": f"Item {number}", "summary": "", "published_at": START, "fetched_at": START,
                    "content_hash": f"{number:064d}", "alertable": alertable,
                }
                for number, (story, alertable, _tags) in enumerate(items, 1)
            ],
        )  # fmt: skip
        tags = [
            {"item_id": number, "entity_id": tag, "spans": []}
            for number, (_story, _alertable, item_tags) in enumerate(items, 1)
            for tag in item_tags
        ]
        await session.execute(insert(ItemEntity), tags)


async def test_an_entity_lists_the_stories_with_an_alertable_item_tagged_with_it(db: Database) -> None:
    await _history(
        db,
        [
            (1, True, ("csto",)),
            (2, True, ()),  # alerted, but the csto item did not: a chat subscribed to csto got nothing
            (2, False, ("csto",)),
            (3, False, ("csto",)),  # history, never alerted
            (4, True, ("sev_lake",)),
            (5, True, ("sev_lake", "csto")),
            (6, False, ("sev_lake",)),
            (6, True, ("csto",)),
            (7, True, ("csto",)),
        ],
    )
    assert [s.id for s in await latest_public_stories(db, "csto", 50)] == [7, 6, 5, 1]
    assert [s.id for s in await latest_public_stories(db, "csto", 2)] == [7, 6]
    assert [s.id for s in await latest_public_stories(db, "sev_lake", 50)] == [5, 4]
    assert [s.id for s in await latest_public_stories(db, None, 50)] == [7, 6, 5, 4, 2, 1]
    page = await public_stories_after(db, "csto", since=None, after=None, limit=2)
    assert [s.id for s in page] == [1, 5]
    after = StoryCursor(page[-1].updated, page[-1].id)
    assert [s.id for s in await public_stories_after(db, "csto", since=None, after=after, limit=50)] == [6, 7]
    since = START + timedelta(minutes=5)
    assert [s.id for s in await public_stories_after(db, "csto", since=since, after=None, limit=50)] == [
        5,
        6,
        7,
    ]


async def test_a_rare_entitys_stories_are_found_from_its_tags_a_common_ones_by_a_short_walk(
    db: Database,
) -> None:
    """The plans of the statements the outputs send (SQLite without statistics, as it runs: nothing
    analyses it; PostgreSQL analysed, as autovacuum leaves it). A rarely tagged entity's stories are found
    from its own tags, so it reads its few stories, never each newer one: before, csto's feed walked the
    2,000 newer stories to reach its 100 (each request, and each 304). An entity on more than FEW_TAGS items
    is on many stories: the newest-first walk soon fills a page, each walked story's items' tags looked up by
    their primary key, never by reading every tag of the entity again for each story."""
    stories = FEW_TAGS + 100
    # csto on the oldest 100 stories only; sev_lake on every one
    await _history(
        db, [(s, True, ("sev_lake", "csto") if s <= 100 else ("sev_lake",)) for s in range(1, stories + 1)]
    )
    if db.dialect == "postgresql":
        async with db.transaction() as session:
            await session.execute(text("ANALYZE"))

    for entity in ("csto", "sev_lake"):
        with statements_sent(db, "FROM stories", "item_entities") as sent:
            assert len(await latest_public_stories(db, entity, 50)) == 50
            after = StoryCursor(START + timedelta(minutes=10), 10)
            assert len(await public_stories_after(db, entity, since=START, after=after, limit=50)) == 50
        assert len(sent) == 2
        for statement, parameters in sent:
            async with db.transaction() as session:
                connection = await session.connection()
                if db.dialect == "sqlite":
                    rows = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
                    plan = "\n".join(str(row[-1]) for row in rows)
                    if entity == "csto":
                        assert "SCAN" not in plan, plan
                        assert "SEARCH item_entities USING COVERING INDEX ix_item_entities_entity" in plan, (
                            plan
                        )
                    else:
                        tag_lookups = [line for line in plan.splitlines() if "item_entities" in line]
                        assert tag_lookups, plan
                        assert all("(item_id=? AND entity_id=?)" in line for line in tag_lookups), plan
                    continue
                explain = "EXPLAIN (ANALYZE, FORMAT JSON) " + statement
                (document,) = (await connection.exec_driver_sql(explain, parameters)).one()
                plan = document if isinstance(document, list) else json.loads(document)
                nodes = _nodes(plan[0]["Plan"])
                if entity == "csto":
                    stories_read = sum(
                        (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
                        for node in nodes
                        if node.get("Relation Name") == "stories"
                    )
                    assert stories_read <= 100, plan
                else:
                    repeated = [
                        node.get("Index Name")
                        for node in nodes
                        if node.get("Relation Name") == "item_entities" and node["Actual Loops"] > 1
                    ]
                    assert set(repeated) <= {"item_entities_pkey"}, plan


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(deeper for child in node.get("Plans", []) for deeper in _nodes(child))]


async def test_a_story_that_changes_while_its_page_is_read_moves_no_cursor_past_others(db: Database) -> None:
    """The outputs find a page's stories, then read them: a source joining a story in between must not make
    the page's cursor skip the stories that changed after the page was cut."""
    await _history(db, [(s, True, ("csto",)) for s in (1, 2, 3)])
    found = await public_story_ids_after(db, "csto", since=None, after=None, limit=2)
    assert [story_id for story_id, _updated in found] == [1, 2]
    async with db.transaction() as session:
        await session.execute(
            update(Story).where(Story.id == 2).values(updated_at=START + timedelta(minutes=10))
        )
    page = await load_public_stories(db, found)
    assert [(story.id, story.updated) for story in page] == found
    after = StoryCursor(page[-1].updated, page[-1].id)
    rest = await public_stories_after(db, "csto", since=None, after=after, limit=50)
    assert [story.id for story in rest] == [3, 2]


async def test_an_entitys_feed_is_asked_for_with_its_values_written_in(db: Database) -> None:
    """PostgreSQL plans a prepared statement for its parameters five times, then keeps one generic plan for
    every entity: a rare entity's feed went from 2 ms to 60 ms at its sixth request (bench/public_reads.py).
    The feed's statements carry the entity and page size written in, so each is planned for what it asks."""
    await _history(db, [(s, True, ("csto",)) for s in (1, 2, 3)])
    with statements_sent(db, "item_entities.entity_id =") as sent:
        for _request in range(7):
            assert [story.id for story in await latest_public_stories(db, "csto", 2)] == [3, 2]
    assert len(sent) == 14
    assert all("'csto'" in statement and "csto" not in parameters for statement, parameters in sent), sent
    if db.dialect == "postgresql":  # SQLite (no generic plans) keeps its OFFSET a parameter
        assert all(not parameters for _statement, parameters in sent), sent
