"""Placing a batch of new items in stories (feeds.placing): pure, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from feeds.placing import NewStoryItem, place
from feeds.stories import RULE_NEW, StoryRules, fingerprint

NOW = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)
RULES = StoryRules()
CLASH = "Azerbaijani troops advance near Sev Lake in Syunik"


def _item(
    item_id: int,
    title: str,
    source: int,
    *,
    severity: str | None = "P2",
    minutes: int = 0,
    tagged: bool = True,
) -> NewStoryItem:
    entities = ("sev_lake", "syunik") if tagged else ()
    fp = fingerprint(
        title,
        "",
        "en",
        NOW + timedelta(minutes=minutes),
        entities,
        places=entities,
        rules=RULES,
        item_id=item_id,
        source=source,
    )
    return NewStoryItem(item_id, fp, severity, tagged)


def test_two_sources_of_one_batch_form_one_new_story_with_the_graver_severity() -> None:
    placement = place(
        [_item(1, CLASH, 10), _item(2, CLASH + " region", 11, severity="P1", minutes=5)], [], {}, RULES
    )
    first, second = placement.joined[1], placement.joined[2]
    assert first.rule == RULE_NEW and first.story_id < 0  # a stand-in until the story is inserted
    assert second.story_id == first.story_id and second.rule != RULE_NEW
    assert placement.new_stories() == [(1, "P1")]
    resolved = placement.resolve([77])
    assert {j.story_id for j in resolved.joined.values()} == {77}
    assert resolved.joined[1].severity_after == "P1"
    assert resolved.grown() == {}  # a story the batch started is inserted with its severity


def test_an_item_joins_an_open_story_and_raises_its_severity() -> None:
    stored = _item(5, CLASH, 10)
    candidate = replace(stored.fingerprint, story_id=40)
    placement = place(
        [_item(6, CLASH + " region", 11, severity="P1", minutes=3)], [candidate], {40: "P2"}, RULES
    )
    joined = placement.joined[6]
    assert joined.story_id == 40 and joined.raised
    assert placement.new_stories() == []
    resolved = placement.resolve([])
    assert resolved.grown() == {40: "P1"}


def test_untagged_items_and_items_of_one_source_start_stories_of_their_own() -> None:
    placement = place(
        [_item(1, CLASH, 10), _item(2, CLASH, 10, minutes=1), _item(3, "Dram gains", 10, tagged=False)],
        [],
        {},
        RULES,
    )
    stories = {item_id: j.story_id for item_id, j in placement.joined.items()}
    assert len(set(stories.values())) == 3  # a feed's second item is its own news, not "also reported by"
    assert all(j.rule == RULE_NEW for j in placement.joined.values())
