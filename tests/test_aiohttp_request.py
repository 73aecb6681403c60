"""The bot's HTTP layer (bot.aiohttp_request) as the real Application uses it against the Bot API
emulator: messages with buttons and files arrive, and Telegram's refusals and a failing network reach the
delivery loop as python-telegram-bot's errors, without the token in their text. (Faults during delivery:
tests/test_delivery.py and tests/reliability/test_telegram_faults.py, which send through this layer too.)"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, ExtBot

from bot.aiohttp_request import AiohttpRequest
from bot.app import build_application
from bot.context import BotContext
from bot.ratelimit import NO_RETRIES, retry_after_seconds
from storage.db import Database
from storage.settings import load_settings
from tests.botapi import BotApiEmulator
from tests.reliability.processes import REALISTIC_TOKEN


@pytest.fixture
async def telegram() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(token=REALISTIC_TOKEN, enforce_limits=False) as emulator:
        yield emulator


@pytest.fixture
async def application(
    telegram: BotApiEmulator, tmp_path: Any
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}"
    settings = load_settings(
        telegram_token=telegram.token, telegram_api_url=telegram.base_url, database_url=url
    )
    db = Database(url)
    app = build_application(BotContext(db=db, settings=settings))
    await app.initialize()
    try:
        yield app
    finally:
        await app.shutdown()
        await db.dispose()


async def test_the_application_sends_html_buttons_and_files_through_aiohttp(
    application: Application[Any, Any, Any, Any, Any, Any], telegram: BotApiEmulator
) -> None:
    telegram.add_user(7)
    assert isinstance(application.bot.request, AiohttpRequest)
    buttons = InlineKeyboardMarkup([[InlineKeyboardButton("Not about Syunik", callback_data="na:1:syunik")]])
    sent = await application.bot.send_message(
        7, "🔴 <b>P1</b> Shelling near <i>Sev Lake</i>", reply_markup=buttons
    )
    csv = b"day,alerts\n2024-05-01,3\n"
    await application.bot.send_document(7, csv, filename="history.csv", caption="CSV")
    first, second = telegram.sent(7)
    assert sent.message_id == first.message_id and sent.chat.id == 7
    assert first.text == "🔴 P1 Shelling near Sev Lake"
    assert first.entity_texts("bold") == ["P1"] and first.entity_texts("italic") == ["Sev Lake"]
    assert first.reply_markup == {
        "inline_keyboard": [[{"text": "Not about Syunik", "callback_data": "na:1:syunik"}]]
    }
    assert second.kind == "document" and second.file_name == "history.csv"
    assert second.document == csv and second.text == "CSV"


async def test_telegrams_refusals_become_ptbs_errors(
    application: Application[Any, Any, Any, Any, Any, Any], telegram: BotApiEmulator
) -> None:
    bot = application.bot
    for user_id in (7, 8, 9, 10):
        telegram.add_user(user_id)
    telegram.inject_fault("429", 1, retry_after=42, methods=["sendMessage"])
    with pytest.raises(RetryAfter) as told:
        await bot.send_message(7, "x", rate_limit_args=NO_RETRIES)
    assert retry_after_seconds(told.value) == 42
    telegram.inject_fault("5xx", 1, status=502, methods=["sendMessage"])
    with pytest.raises(NetworkError):
        await bot.send_message(8, "x", rate_limit_args=NO_RETRIES)
    with pytest.raises(BadRequest, match=r"(?i)parse entities"):
        await bot.send_message(9, "<b>unclosed", rate_limit_args=NO_RETRIES)
    telegram.block_chat(10)
    with pytest.raises(Forbidden):
        await bot.send_message(10, "x", rate_limit_args=NO_RETRIES)
    assert not telegram.all_sent()


async def test_a_silent_server_times_out_and_a_dropped_connection_is_a_network_error(
    telegram: BotApiEmulator,
) -> None:
    telegram.add_user(7)
    request = AiohttpRequest(read_timeout=0.3, connection_pool_size=2)
    async with ExtBot(telegram.token, base_url=telegram.base_url, request=request) as bot:
        telegram.inject_fault("timeout", 1, delay=1.0, methods=["sendMessage"])
        with pytest.raises(TimedOut) as timed_out:
            await bot.send_message(7, "x")
        telegram.inject_fault("drop", 1, methods=["sendMessage"])
        with pytest.raises(NetworkError) as dropped:
            await bot.send_message(7, "x")
        assert not isinstance(dropped.value, TimedOut)
        # the connections the faults broke are replaced: the next send goes through
        assert (await bot.send_message(7, "after")).text == "after"
    for error in (timed_out.value, dropped.value):
        assert REALISTIC_TOKEN.split(":")[1] not in str(error)
    assert telegram.texts(7) == ["after"]


async def test_unreachable_bot_api_is_a_network_error_without_the_token() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest(connect_timeout=2)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as failed:
            await request.post(f"http://127.0.0.1:{port}/bot{REALISTIC_TOKEN}/getMe")
    finally:
        await request.shutdown()
    assert REALISTIC_TOKEN.split(":")[1] not in str(failed.value)
    assert "aiohttp.ClientConnectorError" in str(failed.value)


async def test_a_full_pool_times_out_without_sending() -> None:
    release = asyncio.Event()

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await release.wait()
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpRequest(connection_pool_size=1, read_timeout=5, pool_timeout=0.2, connect_timeout=0.2)
    await request.initialize()
    try:
        first = asyncio.create_task(request.post(f"http://127.0.0.1:{port}/botX/getMe"))
        await asyncio.sleep(0.1)
        with pytest.raises(TimedOut):
            await request.post(f"http://127.0.0.1:{port}/botX/getMe")
        release.set()
        with pytest.raises(NetworkError):
            await first
    finally:
        await request.shutdown()
        server.close()
        await server.wait_closed()
