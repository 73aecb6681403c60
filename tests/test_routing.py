"""Who is told about a new item (feeds.routing): pure rules, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from feeds.routing import ALERT_MAX_AGE, PlacedItem, is_news, route_alerts
from storage.ingest import AlertChange, Audience, NewAlert, ShownAlert
from storage.models import ALL_ENTITIES

NOW = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)


def _item(
    item_id: int, story_id: int, *entities: str, severity: str | None = "P2", raised: bool = False
) -> PlacedItem:
    return PlacedItem(item_id, story_id, entities, severity, raised, NOW)


def _audience(**kwargs: object) -> Audience:
    return Audience(**kwargs)  # type: ignore[arg-type]


def test_news_is_recent_tagged_and_from_a_feed_whose_history_is_loaded() -> None:
    fresh = NOW - timedelta(hours=1)
    assert is_news(history_loaded=True, tagged=True, published=fresh, fetched=NOW)
    assert not is_news(history_loaded=False, tagged=True, published=fresh, fetched=NOW)  # the first fetch
    assert not is_news(history_loaded=True, tagged=False, published=fresh, fetched=NOW)
    assert not is_news(history_loaded=True, tagged=True, published=NOW - ALERT_MAX_AGE * 1.1, fetched=NOW)
    assert is_news(history_loaded=True, tagged=True, published=NOW - ALERT_MAX_AGE, fetched=NOW)


def test_each_subscribed_chat_gets_one_alert_per_story() -> None:
    audience = _audience(subscribers={"sev_lake": {1, 2}, "syunik": {2, 3}, ALL_ENTITIES: {9}})
    routing = route_alerts([_item(10, 5, "sev_lake", "syunik")], audience)
    assert [(a.chat_id, a.story_id, a.item_id) for a in routing.plan.alerts] == [
        (1, 5, 10),
        (2, 5, 10),
        (3, 5, 10),
        (9, 5, 10),
    ]
    assert routing.plan.alerts[0] == NewAlert(1, 5, 10, "P2", NOW)
    assert routing.alerted_chats == {10: 4}
    assert routing.plan.changes == ()


def test_chats_with_alerts_off_get_p1_stories_only() -> None:
    audience = _audience(subscribers={"sev_lake": {1, 2}}, alerts_off={2})
    assert [a.chat_id for a in route_alerts([_item(10, 5, "sev_lake")], audience).plan.alerts] == [1]
    p1 = route_alerts([_item(10, 5, "sev_lake", severity="P1")], audience)
    assert [a.chat_id for a in p1.plan.alerts] == [1, 2]


def test_a_chat_that_has_the_story_gets_its_alert_edited_not_a_second_one() -> None:
    audience = _audience(subscribers={"sev_lake": {1, 2}}, alerts={5: {1: 77}})
    routing = route_alerts([_item(11, 5, "sev_lake")], audience)
    assert [a.chat_id for a in routing.plan.alerts] == [2]
    assert routing.plan.changes == (AlertChange(77, 1, 5, 11, "edit", "P2", NOW),)
    assert routing.plan.raised == ()


def test_an_item_that_makes_the_story_graver_replies_and_raises_the_unsent_alerts() -> None:
    audience = _audience(subscribers={"sev_lake": {1}}, alerts={5: {1: 77}})
    routing = route_alerts([_item(12, 5, "sev_lake", severity="P1", raised=True)], audience)
    assert routing.plan.changes == (AlertChange(77, 1, 5, 12, "reply", "P1", NOW),)
    assert routing.plan.raised == ((5, "P1"),)
    assert routing.plan.alerts == ()


def test_items_of_one_batch_in_one_story_alert_once_and_do_not_edit_what_is_not_sent_yet() -> None:
    audience = _audience(subscribers={"sev_lake": {1}, "syunik": {2}})
    routing = route_alerts([_item(10, 5, "sev_lake"), _item(11, 5, "sev_lake", "syunik")], audience)
    assert [(a.chat_id, a.item_id) for a in routing.plan.alerts] == [(1, 10), (2, 11)]
    assert routing.plan.changes == ()  # chat 1's alert is queued, not sent: it will show both sources
    assert routing.alerted_chats == {10: 1, 11: 1}


def test_nobody_subscribed_means_no_rows() -> None:
    routing = route_alerts([_item(10, 5, "goris")], _audience(subscribers={"sev_lake": {1}}))
    assert routing.plan.alerts == () and routing.alerted_chats == {10: 0}


def test_a_change_the_sent_alert_cannot_show_is_not_queued() -> None:
    """A rewritten item of a source the sent message names already (or a rise to a level it shows) queues
    nothing; the alert not sent yet, or one that names fewer sources than the story has now, is edited."""
    shown = {
        77: ShownAlert(sources_now=1, sent=True, sent_sources=1, sent_severity="P2"),  # up to date
        78: ShownAlert(sources_now=2, sent=True, sent_sources=1, sent_severity="P2"),  # a source behind
        79: ShownAlert(sources_now=1),  # not sent yet
    }
    audience = _audience(alerts={5: {1: 77, 2: 78, 3: 79}}, shown=shown)
    edits = route_alerts([_item(11, 5, "sev_lake"), _item(12, 5, "sev_lake")], audience).plan.changes
    assert [(c.delivery_id, c.item_id, c.kind) for c in edits] == [(78, 11, "edit"), (79, 11, "edit")]
    # a rise to P2 is no news where P2 is shown (an edit where a source is missing); P1 is
    assert route_alerts([_item(13, 5, "sev_lake", raised=True)], audience).plan.changes == (
        AlertChange(78, 2, 5, 13, "edit", "P2", NOW),
        AlertChange(79, 3, 5, 13, "reply", "P2", NOW),
    )
    replies = route_alerts([_item(14, 5, "sev_lake", severity="P1", raised=True)], audience).plan.changes
    assert [c.delivery_id for c in replies] == [77, 78, 79]


def test_two_rises_of_a_story_in_one_batch_make_one_reply_at_the_level_reached() -> None:
    shown = {77: ShownAlert(sources_now=0, sent=True, sent_sources=0, sent_severity="P3")}
    audience = _audience(alerts={5: {1: 77}}, shown=shown)
    rises = [
        _item(11, 5, "sev_lake", severity="P2", raised=True),
        _item(12, 5, "sev_lake", severity="P1", raised=True),
    ]
    assert route_alerts(rises, audience).plan.changes == (AlertChange(77, 1, 5, 12, "reply", "P1", NOW),)
