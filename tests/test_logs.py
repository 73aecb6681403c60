"""Logs as an operator reads them: JSON lines that parse one by one, and never the bot token in them."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import telegram
from telegram.error import BadRequest

from bot.logs import REDACTED, configure_logging

_TOUCHED_LOGGERS = ("", "httpx", "httpcore", "telegram", "apscheduler", "alembic")


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """configure_logging replaces the root handler; put back what pytest had."""
    saved = {
        name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers))
        for name in _TOUCHED_LOGGERS
    }
    yield
    for name, (level, handlers) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.handlers[:] = handlers


def _json_lines(text: str) -> list[dict[str, Any]]:
    lines = text.splitlines()
    assert lines, "nothing was logged"
    return [json.loads(line) for line in lines]


def test_json_format_gives_one_object_per_line_with_time_level_logger_message_and_ids(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", "json")
    log = logging.getLogger("borderwatch.ingest")
    log.info("fetched %d items", 3, extra={"feed_id": 12})
    log.warning('line one\nline two "quoted" — Севан', extra={"chat_id": -1001})
    log.debug("not shown at INFO")
    try:
        raise ValueError("bad feed")
    except ValueError:
        log.exception("feed failed", extra={"feed_id": 12, "url": "https://news.example/rss"})

    records = _json_lines(capsys.readouterr().err)
    assert len(records) == 3
    for record in records:
        assert {"time", "level", "logger", "message"} <= record.keys()
        assert record["logger"] == "borderwatch.ingest"
        assert record["time"].endswith("+00:00")
    assert (records[0]["level"], records[0]["message"], records[0]["feed_id"]) == (
        "INFO",
        "fetched 3 items",
        12,
    )
    assert records[1]["message"] == 'line one\nline two "quoted" — Севан'
    assert records[1]["chat_id"] == -1001
    assert records[2]["level"] == "ERROR" and records[2]["url"] == "https://news.example/rss"
    assert "Traceback" in records[2]["exception"] and "ValueError: bad feed" in records[2]["exception"]


class _FakeBotApi(BaseHTTPRequestHandler):
    """Telegram's Bot API, as far as getMe (ok) and sendMessage (400) go."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.endswith("/getMe"):
            status, body = (
                200,
                {"ok": True, "result": {"id": 42, "is_bot": True, "first_name": "bw", "username": "bw_bot"}},
            )
        else:
            status, body = 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def bot_api_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeBotApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/bot"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize(
    ("token", "configured"),
    [
        # Our own token, not shaped like a real one: only the configured secret can catch it.
        pytest.param("4242:bw-test-secret-token-value", True, id="configured-token"),
        # A real-shaped token nobody configured (another bot's, pasted in a URL): caught by its shape.
        pytest.param("123456789:AAHfakefakefakefakefakefakefake_fake-x", False, id="token-shaped"),
    ],
)
async def test_the_token_never_reaches_the_log_even_when_telegram_and_httpx_log_its_url(
    fmt: str, token: str, configured: bool, bot_api_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("DEBUG", fmt, (token,) if configured else ())
    # An operator debugging the Bot API turns the HTTP libraries up: their request lines carry the token.
    for name in ("httpx", "httpcore", "telegram"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    log = logging.getLogger("borderwatch.test")

    bot = telegram.Bot(token, base_url=bot_api_url)
    async with bot:
        assert bot.username == "bw_bot"
        with pytest.raises(BadRequest):
            await bot.send_message(chat_id=1, text="hello")
    endpoint = f"{bot_api_url}{token}/sendMessage"
    log.info("sending via %s", endpoint, extra={"url": endpoint})
    log.debug("token is " + token)
    try:
        raise ConnectionError(f"could not reach {endpoint}")
    except ConnectionError:
        log.exception("send failed for %s", endpoint)
    log.warning("stack", stack_info=True, extra={"url": endpoint})

    output = capsys.readouterr().err
    assert "HTTP Request: POST" in output, "httpx's request line (with the URL) was logged"
    assert "getMe" in output and "sendMessage" in output
    assert token not in output
    assert token.split(":", 1)[1] not in output
    assert f"{bot_api_url}{REDACTED}/sendMessage" in output
    if fmt == "json":
        records = _json_lines(output)
        assert any(record.get("url") == f"{bot_api_url}{REDACTED}/sendMessage" for record in records)
        assert any("could not reach" in record.get("exception", "") for record in records)
