"""Hostile input, property-based (hypothesis): every chat command, user and admin, with arbitrary Unicode,
huge arguments, HTML and control characters gets a reply (usage, error or answer), never a crash; everything
the bot sends passes the emulator's Telegram HTML validation. And every feed field through format_alert."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import threading
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

import bot.app
import feeds.guard
from bot.commands import USER_COMMANDS
from bot.commands.admin import ADMIN_COMMANDS
from bot.commands.review import REVIEW_COMMANDS
from bot.format import format_alert
from storage.db import Database
from storage.deliveries import Alert
from tests.botapi.emulator import MAX_TEXT, BotApiEmulator
from tests.botapi.telegram_html import parse_html
from tests.conftest import BACKENDS, POSTGRES_URL, _admin_execute
from tests.harness import ADMIN, FAST_LIMITER, Chat, running_bot
from tests.reliability.conftest import record

pytestmark = pytest.mark.reliability

T = TypeVar("T")
COMMANDS = [name for name, _callback, _description in USER_COMMANDS + ADMIN_COMMANDS + REVIEW_COMMANDS]

hostile_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=200),
    st.text(alphabet="<>&\"'/ab=", max_size=80),  # markup that is not markup
    st.sampled_from(
        [
            "<b>bold</b>",
            "<a href='javascript:alert(1)'>x</a>",
            "</code><script>",
            "&amp;&lt;&#0;&#x110000;",
            "\x00\x01\x1b[31m\u202e\ufeff",
            "http://169.254.169.254/latest/meta-data/",
            "sev_lake; ; ;;",
            "99999999999999999999999999",
            "-1",
            "25:99-99:61",
            "😀" * 300,
        ]
    ),
    st.text(min_size=3000, max_size=6000),  # a huge argument (Telegram's own limit is 4096)
)


@dataclass
class LiveBot:
    """The real Application polling the emulator, on its own event loop in a thread (hypothesis is sync)."""

    chat: Chat
    loop: asyncio.AbstractEventLoop

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)


def _database(param: str, tmp_path: Path) -> tuple[str, Callable[[], None]]:
    if param == "sqlite":
        from storage.migrate import upgrade_sync

        url = f"sqlite+aiosqlite:///{tmp_path / 'hostile.db'}"
        upgrade_sync(url)
        return url, lambda: None
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set BORDERWATCH_TEST_DATABASE_URL to run these cases")
    from storage.migrate import upgrade_sync

    name = f"bw_hostile_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    upgrade_sync(url)
    return url, lambda: _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module", params=BACKENDS)
def live_bot(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveBot]:
    tmp_path = tmp_path_factory.mktemp("hostile")
    url, drop = _database(request.param, tmp_path)
    patch = pytest.MonkeyPatch()
    # replies paced like Telegram (1/s per chat) would make hundreds of examples take minutes
    patch.setattr(bot.app, "ChatRateLimiter", FAST_LIMITER)
    # /addfeed with an arbitrary argument must never reach the network: nothing resolves, no address passes
    patch.setattr(feeds.guard.AddressPolicy, "refusal", lambda self, address: "tests stay on loopback")
    # the verdict on a URL is cached per process: the patched verdicts must not outlive this module
    feeds.guard._url_refusal.cache_clear()

    async def no_dns(host: str, port: int) -> list[str]:
        raise OSError("no DNS in tests")

    patch.setattr(feeds.guard, "system_resolver", no_dns)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def setup() -> tuple[BotApiEmulator, Database, Any, Chat]:
        telegram = BotApiEmulator(enforce_limits=False)
        await telegram.start()
        telegram.add_user(ADMIN, "Ada")
        db = Database(url)
        manager = running_bot(db, telegram)
        chat = await manager.__aenter__()
        return telegram, db, manager, chat

    telegram, db, manager, chat = asyncio.run_coroutine_threadsafe(setup(), loop).result(60)
    try:
        yield LiveBot(chat, loop)
    finally:

        async def teardown() -> None:
            await manager.__aexit__(None, None, None)
            await telegram.stop()
            await db.dispose()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(teardown(), loop).result(60)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        patch.undo()
        feeds.guard._url_refusal.cache_clear()
        drop()
        shutil.rmtree(tmp_path, ignore_errors=True)


_chats = itertools.count(1)
EXAMPLES = 120


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(command=st.sampled_from(COMMANDS), argument=hostile_text, as_admin=st.booleans())
def test_any_command_with_any_argument_gets_a_valid_reply(
    live_bot: LiveBot, command: str, argument: str, as_admin: bool
) -> None:
    telegram = live_bot.chat.telegram
    n = next(_chats)
    # a fresh chat per example, so a late second reply cannot be taken for the next example's
    if as_admin:
        chat_id, user = -1_000_000 - n, ADMIN
        telegram.add_chat(chat_id, "supergroup", title=f"group {n}")
        telegram.set_chat_admins(chat_id, [ADMIN])
    else:
        chat_id = user = 5_000_000 + n
        telegram.add_user(user)
    errors_before = telegram.stats["error_400"]
    replies = live_bot.run(live_bot.chat.send(user, f"/{command} {argument}", chat_id=chat_id))
    assert replies and all(m.text or m.document for m in replies)
    assert telegram.stats["error_400"] == errors_before, "Telegram refused something the bot sent"


def test_hostile_commands_summary(live_bot: LiveBot) -> None:
    telegram = live_bot.chat.telegram
    sent = telegram.all_sent()
    assert telegram.stats["error_400"] == 0
    assert len(sent) >= EXAMPLES
    record(
        f"hostile commands ({live_bot.chat.ctx.db.dialect})",
        f"{EXAMPLES} hypothesis examples over {len(COMMANDS)} commands (user and admin): "
        f"{len(sent)} replies, "
        f"0 crashes, 0 refused by Telegram's HTML rules",
    )


feed_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet="<>&\"';/ab", max_size=300),
    st.text(min_size=4100, max_size=5000),
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    title=feed_text,
    summary=feed_text,
    source=feed_text,
    link=st.one_of(st.none(), st.text(max_size=100), st.just("javascript:alert(1)"), st.just("http://a/<b>")),
    severity=st.sampled_from([None, "P1", "P2", "P3", "P4"]),
    entities=st.lists(st.text(min_size=1, max_size=30), max_size=5),
    also=st.lists(feed_text, max_size=4),
    data=st.data(),
)
def test_format_alert_is_valid_telegram_html_for_any_feed_fields(
    title: str,
    summary: str,
    source: str,
    link: str | None,
    severity: str | None,
    entities: list[str],
    also: list[str],
    data: st.DataObject,
) -> None:
    text = f"{title}\n{summary}"
    spans = []
    for _ in range(data.draw(st.integers(0, 3))):
        start = data.draw(st.integers(0, max(0, len(text) - 1)))
        end = data.draw(st.integers(start, len(text)))
        spans.append((start, end, text[start:end]))
    alert = Alert(
        title=title,
        link=link,
        summary=summary,
        source=source,
        published=datetime(2026, 5, 1, 12, tzinfo=UTC),
        severity=severity,
        entity_ids=tuple(entities),
        spans=tuple(spans),
        also_reported_by=tuple(also),
    )
    html = format_alert(alert)
    parsed = parse_html(html)  # raises like Telegram's "can't parse entities"
    assert len(parsed.text.encode("utf-16-le")) // 2 <= MAX_TEXT
    for entity in parsed.entities:
        if entity["type"] == "text_link":
            assert entity["url"].startswith(("http://", "https://")), entity
