"""Webhook mode: with BORDERWATCH_WEBHOOK_URL set, `borderwatch run` registers the URL and secret with
setWebhook and takes updates on its own listener, answering only requests that carry the secret."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.runtime import run
from storage.errors import ConfigError
from storage.settings import load_settings
from tests.botapi import BotApiEmulator
from tests.harness import empty_feed_list

SECRET = "s3cret-token_for-tests"
PUBLIC_URL = "https://bot.example.org/telegram/hook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
USER = 4242


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
async def webhook_bot(tmp_path: Path) -> AsyncIterator[tuple[BotApiEmulator, str]]:
    """`borderwatch run --role bot` in webhook mode against the emulator; yields it and the listener's URL.

    SQLite only: the storage side of `run` is the same in both modes and covered on PostgreSQL elsewhere."""
    port = _free_port()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'bw.db'}"
    async with BotApiEmulator() as telegram:
        settings = load_settings(
            telegram_token=telegram.token,
            telegram_api_url=telegram.base_url,
            database_url=database_url,
            feeds=empty_feed_list(tmp_path),
            webhook_url=PUBLIC_URL,
            webhook_listen=f"127.0.0.1:{port}",
            webhook_secret=SECRET,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(run(settings, "bot", stop=stop))
        await telegram.wait_until(lambda: telegram.webhook is not None or task.done(), within=30)
        assert not task.done(), task.result()
        try:
            yield telegram, f"http://127.0.0.1:{port}/telegram/hook"
        finally:
            stop.set()
            assert await asyncio.wait_for(task, 30) == 0


def _start_update(telegram: BotApiEmulator) -> dict[str, Any]:
    """The update Telegram would post when the user sends /start (the emulator builds it)."""
    return telegram.inject_command(USER, USER, "/start")


async def test_webhook_mode_registers_the_public_url_and_secret_with_telegram(
    webhook_bot: tuple[BotApiEmulator, str],
) -> None:
    telegram, _listener = webhook_bot
    assert telegram.webhook == {"url": PUBLIC_URL, "secret_token": SECRET}


async def test_an_update_with_the_secret_is_handled_and_the_bot_replies(
    webhook_bot: tuple[BotApiEmulator, str],
) -> None:
    telegram, listener = webhook_bot
    async with httpx.AsyncClient() as client:
        response = await client.post(listener, json=_start_update(telegram), headers={SECRET_HEADER: SECRET})
    assert response.status_code == 200
    (answer,) = await telegram.wait_for_messages(USER, 1, within=30)
    assert "Borderwatch" in answer.text


@pytest.mark.parametrize("headers", [{}, {SECRET_HEADER: "wrong-secret"}], ids=["missing", "wrong"])
async def test_an_update_without_the_right_secret_is_refused_and_ignored(
    webhook_bot: tuple[BotApiEmulator, str], headers: dict[str, str]
) -> None:
    telegram, listener = webhook_bot
    async with httpx.AsyncClient() as client:
        refused = await client.post(listener, json=_start_update(telegram), headers=headers)
        assert refused.status_code == 403
        # a later genuine update is answered, and only it: the refused one left no trace
        genuine = _start_update(telegram)
        accepted = await client.post(listener, json=genuine, headers={SECRET_HEADER: SECRET})
    assert accepted.status_code == 200
    await telegram.wait_for_messages(USER, 1, within=30)
    assert len(telegram.sent(USER)) == 1


def test_a_webhook_url_without_a_secret_stops_start_up_naming_the_setting() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(webhook_url=PUBLIC_URL)
    message = str(caught.value)
    assert message.startswith("BORDERWATCH_WEBHOOK_SECRET:")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("overrides", "setting"),
    [
        ({"webhook_url": "http://bot.example.org/hook", "webhook_secret": SECRET}, "BORDERWATCH_WEBHOOK_URL"),
        ({"webhook_listen": "8443"}, "BORDERWATCH_WEBHOOK_LISTEN"),
        ({"webhook_url": PUBLIC_URL, "webhook_secret": "has spaces"}, "BORDERWATCH_WEBHOOK_SECRET"),
    ],
)
def test_bad_webhook_settings_are_refused_in_one_line(overrides: dict[str, str], setting: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(**overrides)
    assert str(caught.value).startswith(f"{setting}:")
    assert "has spaces" not in str(caught.value), "a secret is never echoed"


def test_the_listen_address_defaults_to_every_interface_on_8443() -> None:
    settings = load_settings(webhook_url=PUBLIC_URL, webhook_secret=SECRET)
    assert settings.webhook_address == ("0.0.0.0", 8443)
    assert settings.webhook_path == "telegram/hook"
