"""The command line as a script outside the repo drives it (DESIGN.md): the real `borderwatch` process,
its exit code and what it prints on bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from feeds.opml import OpmlFeed, write_opml
from storage.settings import DEFAULT_USER_AGENT
from tests.feedserver import FeedServer, rss

REPO = Path(__file__).resolve().parent.parent


def borderwatch(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`borderwatch ARGS` as its own process with only `env` (plus PATH) for settings."""
    environment = {"PATH": os.environ.get("PATH", ""), **env}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("notaurl", "is not a database URL"),
        ("foo://user:hunter2@host/db", "names a database SQLAlchemy does not know"),
        ("sqlite:///data/x.db", "needs an async driver"),
        ("postgresql://user:hunter2@127.0.0.1/db", "needs an async driver"),
    ],
)
def test_a_database_url_without_an_async_driver_is_one_clear_line(url: str, problem: str) -> None:
    done = borderwatch("feeds", "list", env={"BORDERWATCH_DATABASE_URL": url})
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"borderwatch: BORDERWATCH_DATABASE_URL: {problem}")
    assert "sqlite+aiosqlite://" in line  # says what works
    assert "hunter2" not in line  # a password in the URL is never echoed


def test_an_invalid_setting_names_it_without_pydantic_prefixes() -> None:
    done = borderwatch("feeds", "list", env={"BORDERWATCH_ADMINS": "12,abc"})
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "borderwatch: BORDERWATCH_ADMINS: 'abc' is not a Telegram user id "
        "(comma-separated integers expected) (got '12,abc')"
    ]


@pytest.mark.parametrize("agent", ["", "   "])
def test_an_empty_user_agent_variable_keeps_the_descriptive_default(agent: str, tmp_path: Path) -> None:
    with FeedServer() as server:
        item = ("a1", "Weather in Goris", "http://example.com/a1", "x")
        url = server.add("/a.xml", rss("Agency A", [item]))
        seed = tmp_path / "feeds.opml"
        seed.write_text(write_opml([OpmlFeed(url, None, "en")]))
        done = borderwatch(
            "poll",
            "--once",
            env={
                "BORDERWATCH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bw.db'}",
                "BORDERWATCH_FEEDS": str(seed),
                "BORDERWATCH_ALLOW_PRIVATE_URLS": "true",
                "BORDERWATCH_USER_AGENT": agent,
            },
        )
        assert done.returncode == 0, done.stderr
        (request,) = server.requests("/a.xml")
    assert request.headers["user-agent"] == DEFAULT_USER_AGENT


def test_an_empty_config_variable_reads_the_default_file(tmp_path: Path) -> None:
    # cwd is the repository, whose config/borderwatch.toml exists
    done = borderwatch(
        "feeds",
        "list",
        env={
            "BORDERWATCH_CONFIG": "",
            "BORDERWATCH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bw.db'}",
        },
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "no feeds\n", "")


@pytest.mark.parametrize(
    ("named", "problem"), [("/nonexistent.toml", "does not exist"), ("/", "is not a file")]
)
def test_a_config_file_that_cannot_be_read_is_named(named: str, problem: str) -> None:
    done = borderwatch("feeds", "list", env={"BORDERWATCH_CONFIG": named})
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"borderwatch: BORDERWATCH_CONFIG: {named} {problem}"]


@pytest.mark.parametrize("command", [("poll", "--once"), ("poll", "--once", "--json")])
def test_a_feeds_file_that_does_not_exist_is_one_line_naming_it(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    # before: a warning in the log and exit 0, having polled nothing
    missing = tmp_path / "no-such-feeds.opml"
    done = borderwatch(
        *command,
        env={
            "BORDERWATCH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bw.db'}",
            "BORDERWATCH_FEEDS": str(missing),
        },
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.splitlines() == [f"borderwatch: BORDERWATCH_FEEDS: {missing} does not exist"]


def test_a_feeds_file_that_is_not_opml_is_one_line_naming_it(tmp_path: Path) -> None:
    seed = tmp_path / "feeds.opml"
    seed.write_text("<html>not a feed list</html>")
    done = borderwatch(
        "poll",
        "--once",
        env={
            "BORDERWATCH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bw.db'}",
            "BORDERWATCH_FEEDS": str(seed),
        },
    )
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"borderwatch: BORDERWATCH_FEEDS ({seed})")
