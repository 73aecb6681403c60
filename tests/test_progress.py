"""Progress bars of long command-line work: drawn on a terminal (a real pty), silent when output is piped.

The commands run as a user runs them, `python -m bot …` in a child process, so whether stderr is a terminal
is decided by the operating system, not by a test double.
"""

from __future__ import annotations

import fcntl
import io
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from pathlib import Path

import pytest

from feeds.opml import OpmlFeed, write_opml
from feeds.progress import is_terminal, progress_bar
from tests.feedserver import FeedServer, rss

ROOT = Path(__file__).resolve().parent.parent
FEEDS = 12


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


@pytest.fixture
def environment(tmp_path: Path, server: FeedServer) -> dict[str, str]:
    """The environment of a CLI run: a fresh SQLite file, and an OPML file of FEEDS loopback feeds."""
    feeds = [
        OpmlFeed(
            server.add(
                f"/{tmp_path.name}/{n}.xml", rss(f"Feed {n}", [(f"g{n}", "News", "http://e.com/", "")])
            )
        )
        for n in range(FEEDS)
    ]
    opml = tmp_path / "many.opml"
    opml.write_text(write_opml(feeds))
    env = {key: value for key, value in os.environ.items() if not key.startswith("BORDERWATCH_")}
    env.update(
        BORDERWATCH_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bw.db'}",
        BORDERWATCH_FEEDS=str(opml),
        BORDERWATCH_ALLOW_PRIVATE_URLS="true",
        BORDERWATCH_LOG_LEVEL="ERROR",
        TERM="xterm",
    )
    return env


def _run_piped(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _run_on_terminal(args: list[str], env: dict[str, str], *, columns: int = 100) -> tuple[int, str, str]:
    """Run with stderr on a pseudo-terminal `columns` wide (0: a terminal that reports no size) and stdout
    piped; returns (exit code, stdout, what the terminal was sent)."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 30, columns, 0, 0))
    child = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=terminal,
    )
    os.close(terminal)
    shown = b""
    try:
        while True:
            ready, _, _ = select.select([controller], [], [], 120)
            if not ready:
                child.kill()
                pytest.fail("the command hung")
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(controller)
    assert child.stdout is not None
    out = child.stdout.read().decode()
    child.stdout.close()
    return child.wait(120), out, shown.decode(errors="replace")


def _assert_bar_drawn_and_cleared(shown: str, description: str, unit: str) -> None:
    """The terminal got a bar for FEEDS units of work, redrawn in place, then a blank line over it."""
    frames = [frame for frame in shown.split("\r") if frame.strip()]
    assert frames, "no progress bar on the terminal"
    assert frames[0].startswith(f"{description}:   0%") and f"0/{FEEDS} " in frames[0] and unit in frames[0]
    assert "\n" not in shown, "a bar is redrawn in place, never scrolled"
    assert shown.endswith("\r") and not shown.split("\r")[-2].strip(), (
        "the bar is wiped when the work is done"
    )


def test_feeds_import_on_a_terminal_shows_a_bar_on_stderr_and_keeps_stdout_clean(
    environment: dict[str, str],
) -> None:
    code, out, shown = _run_on_terminal(["feeds", "import", environment["BORDERWATCH_FEEDS"]], environment)
    assert code == 0
    _assert_bar_drawn_and_cleared(shown, "import", "feeds")
    assert out.strip().startswith(f"imported {FEEDS} new feeds")


def test_poll_once_on_a_terminal_counts_the_feeds_polled(environment: dict[str, str]) -> None:
    code, out, shown = _run_on_terminal(["poll", "--once", "--json"], environment)
    assert code == 0
    _assert_bar_drawn_and_cleared(shown, "poll", "feeds")
    assert len(out.splitlines()) == FEEDS  # one JSON item per feed, the bar never mixed in


def test_retag_on_a_terminal_counts_the_stored_items(environment: dict[str, str]) -> None:
    assert _run_piped(["poll", "--once"], environment).returncode == 0
    code, out, shown = _run_on_terminal(["retag"], environment, columns=0)
    assert code == 0
    _assert_bar_drawn_and_cleared(shown, "retag", "items")
    assert out.startswith(f"retagged {FEEDS} items")


def test_piped_output_has_no_progress_bar(environment: dict[str, str]) -> None:
    imported = _run_piped(["feeds", "import", environment["BORDERWATCH_FEEDS"]], environment)
    assert imported.returncode == 0 and imported.stderr == ""
    assert (
        imported.stdout
        == f"imported {FEEDS} new feeds (0 already known) from {environment['BORDERWATCH_FEEDS']}\n"
    )
    polled = _run_piped(["poll", "--once", "--json"], environment)
    assert polled.returncode == 0 and polled.stderr == ""
    assert len(polled.stdout.splitlines()) == FEEDS
    retagged = _run_piped(["retag"], environment)
    assert retagged.returncode == 0 and retagged.stderr == ""
    assert retagged.stdout.startswith(f"retagged {FEEDS} items")


def test_progress_bar_is_a_no_op_on_a_stream_that_is_not_a_terminal() -> None:
    stream = io.StringIO()
    assert not is_terminal(stream)
    with progress_bar(3, "work", "things", stream=stream) as progress:
        progress.update(3)
    assert stream.getvalue() == ""
