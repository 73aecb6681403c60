"""Two open stories that a later item shows to be one are merged in storage: items, severity, and exactly
one alert per chat whatever each alert's state (storage/story_merges.py), and the pointer edit waits for the
alert it points to (storage/alert_updates.py)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from feeds.gazetteer import load_gazetteer, load_yaml_gazetteer
from feeds.model import FeedEntry, NewItem
from feeds.store import StoredItem, store_new_items
from storage.alert_updates import claim_due_updates
from storage.db import Database
from storage.models import Chat, Delivery, DeliveryUpdate, Feed, Item, Story, Subscription
from storage.settings import load_settings
from storage.stories import story_details

NOW = datetime(2026, 5, 4, 6, 0, tzinfo=UTC)
SETTINGS = load_settings()
CLASSIFIER = load_yaml_gazetteer(SETTINGS).classifier
SEV_LAKE = ("en", "Two soldiers wounded near Sev Lake after Azerbaijani shelling")
KALBAJAR = ("az", "Ermənistan ordusu Kəlbəcər istiqamətində mövqelərimizi atəşə tutub, iki hərbçi yaralanıb")
BOTH = ("ru", "У озера Сев, на границе с Кельбаджаром, ранены двое военнослужащих")
BOTH_CHATS, LAKE_ONLY, KALBAJAR_ONLY = -1001000000001, 202, 303


async def _setup(db: Database) -> dict[str, int]:
    await load_gazetteer(db, SETTINGS)
    feeds: dict[str, int] = {}
    async with db.transaction() as session:
        for language, name in (("en", "Armenpress"), ("az", "APA"), ("ru", "Interfax")):
            feed = Feed(url=f"https://feeds.test/{language}", title=name)
            session.add(feed)
            await session.flush()
            feeds[language] = feed.id
        session.add_all(
            [
                Chat(id=BOTH_CHATS, type="supergroup"),
                Chat(id=LAKE_ONLY, type="private"),
                Chat(id=KALBAJAR_ONLY, type="private"),
            ]
        )
        await session.flush()
        session.add_all(
            [
                Subscription(chat_id=BOTH_CHATS, entity_id="sev_lake"),
                Subscription(chat_id=BOTH_CHATS, entity_id="kalbajar"),
                Subscription(chat_id=LAKE_ONLY, entity_id="sev_lake"),
                Subscription(chat_id=KALBAJAR_ONLY, entity_id="kalbajar"),
            ]
        )
    return feeds


async def _report(db: Database, feeds: dict[str, int], text: tuple[str, str], minutes: int) -> StoredItem:
    language, title = text
    at = NOW + timedelta(minutes=minutes)
    key = hashlib.sha256(title.encode()).hexdigest()
    item = NewItem(
        FeedEntry(key, f"https://{language}.test/{key[:8]}", title, "", language, at),
        key,
        key,
        at,
        CLASSIFIER.classify(title, "", language),
    )
    (stored,) = await store_new_items(db, feeds[language], [item], alert=True, now=at)
    return stored


async def _send(db: Database, chat_id: int, story_id: int, message_id: int, status: str = "sent") -> None:
    """The chat's alert of the story as the delivery loop would leave it."""
    async with db.transaction() as session:
        await session.execute(
            update(Delivery)
            .where(Delivery.chat_id == chat_id, Delivery.story_id == story_id)
            .values(status=status, message_id=message_id if status == "sent" else None, sent_at=NOW)
        )


async def _alerts(db: Database) -> dict[int, list[tuple[int, str]]]:
    async with db.transaction() as session:
        rows = (await session.execute(select(Delivery).order_by(Delivery.id))).scalars().all()
    found: dict[int, list[tuple[int, str]]] = {}
    for row in rows:
        found.setdefault(row.chat_id, []).append((row.story_id, row.status))
    return found


async def _updates(db: Database, chat_id: int) -> list[tuple[str, str, int]]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(DeliveryUpdate.kind, DeliveryUpdate.status, DeliveryUpdate.story_id)
            .where(DeliveryUpdate.chat_id == chat_id)
            .order_by(DeliveryUpdate.id)
        )
        return [(str(kind), str(status), int(story)) for kind, status, story in rows.all()]


async def test_merged_stories_keep_one_alert_per_chat_whatever_was_sent(db: Database) -> None:
    feeds = await _setup(db)
    lake = await _report(db, feeds, SEV_LAKE, 0)
    kalbajar = await _report(db, feeds, KALBAJAR, 5)
    assert lake.story_id != kalbajar.story_id  # Sev Lake and Kalbajar: places disjoint, not one story yet
    # both alerts reached the group; the lake chat's alert is out; the Kalbajar chat's is still pending
    await _send(db, BOTH_CHATS, lake.story_id, 11)
    await _send(db, BOTH_CHATS, kalbajar.story_id, 12)
    await _send(db, LAKE_ONLY, lake.story_id, 21)
    async with db.transaction() as session:  # an edit of the Kalbajar alert was queued: it must not run
        session.add(
            DeliveryUpdate(
                delivery_id=(
                    await session.execute(
                        select(Delivery.id).where(
                            Delivery.chat_id == BOTH_CHATS, Delivery.story_id == kalbajar.story_id
                        )
                    )
                ).scalar_one(),
                chat_id=BOTH_CHATS,
                story_id=kalbajar.story_id,
                item_id=kalbajar.id,
                kind="edit",
                status="pending",
                next_attempt_at=NOW,
                created_at=NOW,
            )
        )

    both = await _report(db, feeds, BOTH, 10)
    assert both.story_id == lake.story_id and both.story_rule == "signature"

    alerts = await _alerts(db)
    # the group keeps both messages: the older story's alert, and the newer one becomes a pointer
    assert alerts[BOTH_CHATS] == [(lake.story_id, "sent"), (kalbajar.story_id, "sent")]
    assert await _updates(db, BOTH_CHATS) == [
        ("edit", "dropped", kalbajar.story_id),
        ("pointer", "pending", lake.story_id),
        ("edit", "pending", lake.story_id),  # the kept alert names the new sources
    ]
    # the lake chat had only the older alert: an edit; the Kalbajar chat's unsent alert now stands for the
    # merged story (one alert, never a second)
    assert alerts[LAKE_ONLY] == [(lake.story_id, "sent")]
    assert alerts[KALBAJAR_ONLY] == [(lake.story_id, "pending")]
    async with db.transaction() as session:
        absorbed = await session.get(Story, kalbajar.story_id)
        assert absorbed is not None and absorbed.merged_into_id == lake.story_id
        stories = (await session.execute(select(Item.story_id).where(Item.feed_id.in_(feeds.values())))).all()
    assert {story for (story,) in stories} == {lake.story_id}

    # /story explains: the item that showed it, what agreed, which story it folded in
    details = await story_details(db, lake.story_id)
    assert details is not None and details.merged_from == (kalbajar.story_id,)
    member = next(m for m in details.members if m.item_id == both.id)
    assert member.matched_item == lake.id and member.merged == (kalbajar.story_id,)
    assert {"place:sev_lake", "number:2", "event:fighting"} <= set(member.evidence)
    assert {"wounded"} <= set(member.events)
    folded = await story_details(db, kalbajar.story_id)
    assert folded is not None and folded.merged_into == lake.story_id and folded.members == ()

    # the pointer goes once the alert it points to is sent, with that message's id
    claimed = await claim_due_updates(db, now=NOW + timedelta(minutes=11), limit=10)
    pointer = next(c for c in claimed if c.kind == "pointer")
    assert pointer.pointer_to == 11 and pointer.message_id == 12
    assert pointer.alert.title == SEV_LAKE[1] and pointer.was is not None and pointer.was.title == KALBAJAR[1]


async def test_an_unsent_older_alert_gives_way_to_the_one_the_chat_saw(db: Database) -> None:
    feeds = await _setup(db)
    lake = await _report(db, feeds, SEV_LAKE, 0)
    kalbajar = await _report(db, feeds, KALBAJAR, 5)
    # the group saw the Kalbajar alert; its Sev Lake alert was held (quiet hours, a retry…)
    await _send(db, BOTH_CHATS, kalbajar.story_id, 12)
    await _report(db, feeds, BOTH, 10)
    alerts = await _alerts(db)
    assert alerts[BOTH_CHATS] == [(lake.story_id, "sent")]  # the seen alert, moved to the merged story
    async with db.transaction() as session:
        kept = (await session.execute(select(Delivery).where(Delivery.chat_id == BOTH_CHATS))).scalar_one()
    assert kept.message_id == 12 and kept.item_id == kalbajar.id
    assert [kind for kind, _, _ in await _updates(db, BOTH_CHATS)] == ["edit"]


async def test_a_pointer_waits_for_the_alert_it_points_to_and_drops_when_it_died(db: Database) -> None:
    feeds = await _setup(db)
    lake = await _report(db, feeds, SEV_LAKE, 0)
    kalbajar = await _report(db, feeds, KALBAJAR, 5)
    # the group's Sev Lake alert is being sent (no message id yet); the Kalbajar one is out
    await _send(db, BOTH_CHATS, lake.story_id, 0, status="sending")
    await _send(db, BOTH_CHATS, kalbajar.story_id, 12)
    await _report(db, feeds, BOTH, 10)
    assert ("pointer", "pending", lake.story_id) in await _updates(db, BOTH_CHATS)
    later = NOW + timedelta(minutes=11)
    assert [c.kind for c in await claim_due_updates(db, now=later, limit=10) if c.chat_id == BOTH_CHATS] == []
    # it waits (looked at again later), then the alert it points to died: the pointer is dropped
    await _send(db, BOTH_CHATS, lake.story_id, 0, status="dead")
    await claim_due_updates(db, now=later + timedelta(minutes=1), limit=10)
    assert ("pointer", "dropped", lake.story_id) in await _updates(db, BOTH_CHATS)


def test_a_pointer_reads_same_story_with_a_link_where_telegram_has_one() -> None:
    from bot.format import format_pointer, message_link
    from storage.deliveries import Alert

    kept = Alert(
        "Shelling near <Sev Lake>", "https://a.test/1", "", "Armenpress", NOW, "P1", ("sev_lake",), ()
    )
    was = Alert("Kəlbəcər & more", None, "", "APA", NOW + timedelta(minutes=5), "P1", ("kalbajar",), ())
    assert message_link(-1001234567890, 42) == "https://t.me/c/1234567890/42"
    assert message_link(-4242, 42) is None and message_link(4242, 42) is None
    html = format_pointer(kept, was, link=message_link(-1001234567890, 42))
    assert html == (
        '↪ Same story as <a href="https://t.me/c/1234567890/42">an earlier alert</a>: '
        "<b>Shelling near &lt;Sev Lake&gt;</b>\nAPA · 2026-05-04 06:05 UTC: Kəlbəcər &amp; more"
    )
    assert format_pointer(kept, None, link=None) == (
        "↪ Same story as an earlier alert: <b>Shelling near &lt;Sev Lake&gt;</b>"
    )
