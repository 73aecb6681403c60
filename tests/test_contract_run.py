"""`borderwatch run` as a script outside the repo starts it (DESIGN.md): its own process, settings only from
the environment, a loopback feed server."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feeds.opml import OpmlFeed, write_opml
from tests.botapi import BotApiEmulator
from tests.feedserver import FeedServer, rss

REPO = Path(__file__).resolve().parent.parent
QUIET = ("q1", "Weather in Yerevan stays mild", "http://example.com/q1", "forecast")
BREAKING = ("b1", "Azerbaijani troops fire at positions near Sev Lake", "http://example.com/b1", "shelling")


def _wait_for(path: Path, text: str, within: float) -> str:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        seen = path.read_text()
        if text in seen:
            return seen
        time.sleep(0.2)
    return path.read_text()


def test_console_mode_prints_new_alerts_without_anyone_subscribing(database_url: str, tmp_path: Path) -> None:
    """Without a token nobody can /subscribe: the console still gets every alert, as DESIGN.md promises."""
    with FeedServer() as server:
        server.add("/news.xml", rss("Border Wire", [QUIET]))
        seed = tmp_path / "feeds.opml"
        seed.write_text(write_opml([OpmlFeed(server.url("/news.xml"), None, "en")]))
        env = {
            "PATH": os.environ.get("PATH", ""),
            "BORDERWATCH_DATABASE_URL": database_url,
            "BORDERWATCH_FEEDS": str(seed),
            "BORDERWATCH_ALLOW_PRIVATE_URLS": "true",
            "BORDERWATCH_POLL_INTERVAL": "10",
        }
        out = tmp_path / "stdout"
        with out.open("w") as stdout:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"],
                cwd=REPO,
                env=env,
                stdout=stdout,
                stderr=subprocess.DEVNULL,
            )
        try:
            assert "console mode" in _wait_for(out, "console mode", 60)
            # the first fetch is history; wait for it, then the news breaks
            deadline = time.monotonic() + 60
            while not server.requests("/news.xml") and time.monotonic() < deadline:
                time.sleep(0.2)
            now = int(datetime.now(UTC).timestamp())
            server.add("/news.xml", rss("Border Wire", [BREAKING, QUIET], dates=[now, now - 3600]))
            printed = _wait_for(out, BREAKING[1], 120)
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(60) == 0
    assert BREAKING[1] in printed
    assert "#sev_lake" in printed
    assert QUIET[1] not in printed  # history is not alerted


@pytest.mark.parametrize("variable", ["BORDERWATCH_METRICS_PORT", "BORDERWATCH_WEB_PORT"])
def test_a_port_already_in_use_is_one_line_naming_its_setting(
    variable: str, database_url: str, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        seed = tmp_path / "feeds.opml"
        seed.write_text(write_opml([]))
        done = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            cwd=REPO,
            env={
                "PATH": os.environ.get("PATH", ""),
                "BORDERWATCH_DATABASE_URL": database_url,
                "BORDERWATCH_FEEDS": str(seed),
                "BORDERWATCH_LOG_LEVEL": "ERROR",
                variable: str(port),
                variable.replace("PORT", "HOST"): "127.0.0.1",
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"borderwatch: {variable}: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]


async def _run_against_the_emulator(
    database_url: str, tmp_path: Path, **variables: str
) -> tuple[int, str, str]:
    seed = tmp_path / "feeds.opml"
    seed.write_text(write_opml([]))
    async with BotApiEmulator() as telegram:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "BORDERWATCH_DATABASE_URL": database_url,
            "BORDERWATCH_FEEDS": str(seed),
            "BORDERWATCH_LOG_LEVEL": "ERROR",
            "BORDERWATCH_TELEGRAM_TOKEN": telegram.token,
            "BORDERWATCH_TELEGRAM_API_URL": telegram.base_url,
            **variables,
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=REPO,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_a_token_the_bot_api_refuses_is_one_line_naming_the_setting(
    database_url: str, tmp_path: Path
) -> None:
    code, _out, err = await _run_against_the_emulator(
        database_url, tmp_path, BORDERWATCH_TELEGRAM_TOKEN="999:not-the-emulated-token"
    )
    assert code == 1
    assert err.splitlines() == ["borderwatch: BORDERWATCH_TELEGRAM_TOKEN: the Bot API refuses this token"]


async def test_an_unreachable_bot_api_is_one_line_without_the_token(
    database_url: str, tmp_path: Path
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens on it
    code, _out, err = await _run_against_the_emulator(
        database_url, tmp_path, BORDERWATCH_TELEGRAM_API_URL=f"http://127.0.0.1:{port}/bot"
    )
    assert code == 1
    (line,) = err.splitlines()
    assert line.startswith("borderwatch: cannot reach the Bot API (BORDERWATCH_TELEGRAM_API_URL): ")
    assert "TEST-emulated-token" not in line
