"""/story <id> reads what it shows: the stories merged into it found in ix_stories_merged_into_id (migration
0019), never by reading every story, and its items without their summaries (a long story's would all be
read and kept for nothing)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from storage.db import Database
from storage.models import Feed, Item, Story
from storage.stories import story_details
from tests.harness import statements_sent

START = datetime(2025, 1, 1, tzinfo=UTC)
STORIES = 3000
SHOWN = 7
MERGED = (1500, 2999)
SUMMARY = "Long summary of the report. " * 400


async def _history(db: Database) -> None:
    """STORIES stories; MERGED merged into story SHOWN, which has three items with long summaries."""
    async with db.transaction() as session:
        session.add(Feed(id=1, url="https://news.example/rss", title="News", history_loaded=True))
        await session.flush()
        await session.execute(
            insert(Story),
            [
                {
                    "id": s, "title": f"Story {s}", "created_at": START, "updated_at": START,
                    "merged_into_id": SHOWN if s in MERGED else None,
                }
                for s in range(1, STORIES + 1)
            ],
        )  # fmt: skip
        await session.execute(
            insert(Item),
            [
                {
                    "id": number, "feed_id": 1, "story_id": SHOWN, "identity_key": f"{number:064d}",
                    "title": f"Report {number}", "summary": SUMMARY, "link": f"https://news.example/{number}",
                    "published_at": START + timedelta(minutes=number), "fetched_at": START,
                    "content_hash": f"{number:064d}", "alertable": True, "story_rule": "signature",
                    "story_score": 0.75, "story_evidence": "item:1,place:sev_lake", "events": "fighting",
                }
                for number in (1, 2, 3)
            ],
        )  # fmt: skip
    if db.dialect == "postgresql":
        async with db.transaction() as session:
            await session.execute(text("ANALYZE"))


async def test_story_shows_its_items_and_merged_stories_reading_only_those(db: Database) -> None:
    await _history(db)
    with statements_sent(db, "FROM items") as items_read, statements_sent(db, "merged_into_id =") as merged:
        details = await story_details(db, SHOWN)
    assert details is not None
    assert details.merged_from == MERGED
    assert [(m.item_id, m.title, m.source, m.rule, m.score) for m in details.members] == [
        (n, f"Report {n}", "News", "signature", 0.75) for n in (1, 2, 3)
    ]
    assert [(m.matched_item, m.evidence, m.events) for m in details.members[1:2]] == [
        (1, ("place:sev_lake",), ("fighting",))
    ]
    assert items_read and all("summary" not in statement for statement, _ in items_read), items_read

    ((statement, parameters),) = merged
    async with db.transaction() as session:
        connection = await session.connection()
        if db.dialect == "sqlite":
            rows = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plan = "\n".join(str(row[-1]) for row in rows)
            assert "ix_stories_merged_into_id (merged_into_id=?)" in plan, plan
        else:
            explain = "EXPLAIN (ANALYZE, FORMAT JSON) " + statement
            (document,) = (await connection.exec_driver_sql(explain, parameters)).one()
            plan = document if isinstance(document, list) else json.loads(document)
            read = sum(
                (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
                for node in _nodes(plan[0]["Plan"])
                if node.get("Relation Name") == "stories"
            )
            assert read <= len(MERGED), plan


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(deeper for child in node.get("Plans", []) for deeper in _nodes(child))]
