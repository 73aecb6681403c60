"""A story's severity rising after its alert was sent, through the whole pipeline: one reply per rise to a
new highest level, showing the level reached.

Black box, as tests/test_edit_flood.py: feeds on the loopback feed server polled by the real ingest service
with the shipped gazetteer's classifier and story rules, a real SQLite file or PostgreSQL database, and the
delivery loop sending to the Bot API emulator through the real Application. Each source's headline of the
story says more than the one before (classified P3, P2, P1 by the shipped rules).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import bot.app
from storage.alert_updates import updates_for_chat
from storage.db import Database
from storage.feeds import add_feed
from tests.botapi import BotApiEmulator
from tests.clock import Clock
from tests.feedserver import FeedServer, rss, running
from tests.harness import FAST_LIMITER, feed_pipeline, subscribe

READER = 4801
SOURCES = ("Border Wire", "Armenpress", "Interfax", "News.am")
POSTURE = "Azerbaijani troops reinforce positions near Sev Lake, Armenian defence ministry says"
HEADLINES = (
    POSTURE,  # P3
    POSTURE.replace(", Armenian", " and build new positions, Armenian"),  # P2
    POSTURE.replace(", Armenian", " and fire mortars, Armenian"),  # P1
    POSTURE.replace(", Armenian", " and open fire, Armenian"),  # P1 again
)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with running() as server:
        yield server


def _replies(telegram: BotApiEmulator) -> list[dict[str, Any]]:
    return [
        params
        for method, params in telegram.requests
        if method == "sendMessage"
        and int(params.get("chat_id", 0)) == READER
        and "reply_parameters" in params
    ]


@pytest.mark.parametrize("one_round", [False, True], ids=["two-polls", "one-poll-round"])
async def test_rises_before_the_reply_is_sent_make_one_reply_at_the_level_reached(
    db: Database, feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch, one_round: bool
) -> None:
    """The reader's P3 alert; the story then rises to P2 and to P1 (in two polls, or in one round) before
    the delivery loop sends anything: one reply, P1, to the alert; a later P1 report is no reply."""
    monkeypatch.setattr(bot.app, "ChatRateLimiter", FAST_LIMITER)
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    paths = [f"/{n}.xml" for n in range(len(SOURCES))]
    for path, name in zip(paths, SOURCES, strict=True):
        await add_feed(db, feed_server.add(path, rss(name, [])), now=clock.now)
    await subscribe(db, READER, "sev_lake")

    def publish(n: int) -> None:
        item = (f"{n}-1", HEADLINES[n], f"http://{n}.example/1", "")
        feed_server.publish(paths[n], SOURCES[n], item, clock.now)

    async with feed_pipeline(db, clock, READER) as pipeline:
        await pipeline.ingest.poll_all_once()  # history: nothing alerts
        clock.now += timedelta(minutes=1)
        publish(0)
        await pipeline.ingest.poll_all_once()
        await pipeline.deliver()
        (alert,) = pipeline.telegram.sent(READER)
        assert alert.text.startswith("🟡 P3"), alert.text
        clock.now += timedelta(minutes=1)
        publish(1)
        if not one_round:
            await pipeline.ingest.poll_all_once()
            clock.now += timedelta(minutes=1)
        publish(2)
        await pipeline.ingest.poll_all_once()
        await pipeline.deliver()
        replies = _replies(pipeline.telegram)
        clock.now += timedelta(minutes=1)
        publish(3)
        await pipeline.ingest.poll_all_once()
        await pipeline.deliver()

    texts = [message.text for message in pipeline.telegram.sent(READER)]
    assert len(replies) == 1, texts
    assert json.loads(replies[0]["reply_parameters"])["message_id"] == alert.message_id
    assert texts[1].startswith(f"🔴 P1 {HEADLINES[2]}"), texts[1]
    assert _replies(pipeline.telegram) == replies, texts  # P1 was announced: no second reply
    statuses = [status for kind, status, _ in await updates_for_chat(db, READER) if kind == "reply"]
    assert statuses == ["sent"], statuses
