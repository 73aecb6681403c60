"""The feed commands as a user runs them: `borderwatch poll --once [--json]` and `borderwatch feeds …`."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.validate import InvalidArgument, validate_url
from feeds.liveness import host_identity, process_start
from feeds.opml import OpmlFeed, read_opml, write_opml
from storage.db import Database
from storage.feeds import claim_due_feeds, release_lease
from storage.instances import hold_instance_lock, register_instance, release_instance_lock
from tests.feedserver import FeedServer, rss
from tests.telegram_preview import Post, preview_page

NOW = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)

FEED_A = rss(
    "Border news",
    [
        (
            "a1",
            "Ceasefire violation &amp; shelling at Sev Lake",
            "http://example.com/a1?utm_source=x",
            "<b>x</b>",
        )
    ],
)
FEED_B = rss("Новости", [("b1", "Обстрел у озера Сев", "http://example.com/b1", "текст")], language="ru")


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path, server: FeedServer) -> Path:
    """Settings for the CLI: the test database, an OPML seed file with two good feeds and one failing."""
    opml = tmp_path / "feeds.opml"
    tag = tmp_path.name
    feeds = [
        OpmlFeed(server.add(f"/{tag}/a.xml", FEED_A), "Agency A", "en"),
        OpmlFeed(server.add(f"/{tag}/b.xml", FEED_B), None, "ru"),
        OpmlFeed(server.add(f"/{tag}/down.xml", fault="status", status=502), "Down", "en"),
    ]
    opml.write_text(write_opml(feeds))
    monkeypatch.setenv("BORDERWATCH_DATABASE_URL", database_url)
    monkeypatch.setenv("BORDERWATCH_FEEDS", str(opml))
    monkeypatch.setenv("BORDERWATCH_ALLOW_PRIVATE_URLS", "true")
    monkeypatch.setenv("BORDERWATCH_FETCH_TIMEOUT", "3")
    monkeypatch.setenv("BORDERWATCH_LOG_LEVEL", "WARNING")
    return opml


def test_poll_once_json_seeds_prints_items_and_one_stderr_line_per_failing_feed(
    env: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["poll", "--once", "--json"]) == 0
    out, err = capsys.readouterr()
    items = [json.loads(line) for line in out.splitlines()]
    assert {item["feed"] for item in items} == {"Agency A", "Новости"}
    first = next(item for item in items if item["feed"] == "Agency A")
    assert first["entities"] == ["sev_lake"]  # tagged by the shipped gazetteer
    assert first["title"] == "Ceasefire violation & shelling at Sev Lake"
    assert first["link"] == "http://example.com/a1"
    assert first["published"].startswith("2026-")
    assert set(first) >= {"feed", "title", "link", "published", "entities", "severity"}
    errors = [line for line in err.splitlines() if "feed error" in line]
    assert len(errors) == 1 and "/down.xml" in errors[0] and "502" in errors[0]

    # a second round: nothing new (304s), the failing feed is polled again whatever its backoff
    assert main(["poll", "--once", "--json"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert len([line for line in err.splitlines() if "feed error" in line]) == 1
    paths = [r.path for r in server.requests() if r.path.startswith(f"/{env.parent.name}/")]
    assert paths.count(f"/{env.parent.name}/down.xml") == 2
    second_a = [r for r in server.requests(f"/{env.parent.name}/a.xml")][-1]
    assert "if-none-match" in second_a.headers


def test_poll_once_text_output_names_source_title_and_link(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["poll", "--once"]) == 0
    out = capsys.readouterr().out
    assert "Agency A: Ceasefire violation & shelling at Sev Lake <http://example.com/a1>" in out
    assert "Новости: Обстрел у озера Сев" in out


def test_poll_once_exits_non_zero_when_the_database_is_unreachable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BORDERWATCH_DATABASE_URL", "postgresql+asyncpg://nobody@127.0.0.1:9/none")
    assert main(["poll", "--once"]) != 0
    assert "database" in capsys.readouterr().err.lower()


def test_feeds_import_list_export_round_trip(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = tmp_path / "extra.opml"
    extra.write_text(
        write_opml(
            [
                OpmlFeed("https://example.org/rss", "Example", "hy", "Mozilla/5.0"),
                *read_opml(env.read_bytes()),
            ]
        )
    )
    assert main(["feeds", "import", str(extra)]) == 0
    assert "imported 4 new feeds" in capsys.readouterr().out
    assert main(["feeds", "import", str(extra)]) == 0
    assert "imported 0 new feeds (4 already known)" in capsys.readouterr().out

    assert main(["feeds", "list"]) == 0
    listing = capsys.readouterr().out
    assert "Example  https://example.org/rss" in listing and listing.count("\n") == 4

    assert main(["feeds", "export"]) == 0
    exported = read_opml(capsys.readouterr().out)
    assert OpmlFeed("https://example.org/rss", "Example", "hy", "Mozilla/5.0") in exported
    assert len(exported) == 4


def test_the_export_of_an_empty_feed_list_imports_as_an_empty_feed_list(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An OPML file without outlines is an empty feed list, not an error: the product's own export of no
    feeds imports back."""
    empty = tmp_path / "empty.opml"
    empty.write_text(_exported(capsys))
    assert read_opml(empty.read_bytes()) == []
    assert main(["feeds", "import", str(empty)]) == 0
    out, err = capsys.readouterr()
    assert "imported 0 new feeds (0 already known)" in out and err == ""
    assert main(["feeds", "list"]) == 0
    assert capsys.readouterr().out == "no feeds\n"


def test_feeds_import_refuses_private_addresses_unless_allowed(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / "mixed.opml"
    feeds = [
        OpmlFeed("http://10.1.2.3/rss"),
        OpmlFeed("http://[::1]:8080/feed"),
        OpmlFeed("http://localhost/feed"),
        OpmlFeed("https://public.example/rss", "Public", "hy", "Agent/2"),
    ]
    document.write_text(
        write_opml(feeds).replace('userAgent="Agent/2"', 'userAgent="Agent/2&#13;&#10;X-Evil: 1"')
    )
    monkeypatch.setenv("BORDERWATCH_ALLOW_PRIVATE_URLS", "false")
    assert main(["feeds", "import", str(document)]) == 0
    out, err = capsys.readouterr()
    assert "imported 1 new feeds (0 already known; 3 refused)" in out
    refused = [line for line in err.splitlines() if line.startswith("borderwatch: refused ")]
    assert [line.split(": ")[1] for line in refused] == [
        "refused http://10.1.2.3/rss",
        "refused http://[::1]:8080/feed",
        "refused http://localhost/feed",
    ]
    assert main(["feeds", "list"]) == 0
    assert "public.example" in capsys.readouterr().out
    assert read_opml(_exported(capsys))[0].user_agent == "Agent/2 X-Evil: 1"

    monkeypatch.setenv("BORDERWATCH_ALLOW_PRIVATE_URLS", "true")
    assert main(["feeds", "import", str(document)]) == 0
    assert "imported 3 new feeds (1 already known)" in capsys.readouterr().out


def _exported(capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["feeds", "export"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not xml at all", "not well-formed"),
        ("<html><body/></html>", "not <opml>"),
        ('<opml version="2.0"><body><outline text="x"/></body></opml>', "no feed outlines"),
        ('<opml><body><outline xmlUrl="file:///etc/passwd"/></body></opml>', "not an http or https"),
        ('<!DOCTYPE x [<!ENTITY a "b">]><opml><body/></opml>', "not allowed"),
    ],
)
def test_invalid_opml_is_a_clear_error(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    bad = tmp_path / "bad.opml"
    bad.write_text(content)
    assert main(["feeds", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert message in err and str(bad) in err


def test_shipped_feed_list_has_every_researched_source_with_a_language() -> None:
    feeds = read_opml(Path("config/feeds.opml").read_bytes())
    assert len(feeds) >= 30
    assert all(
        feed.url.startswith("https://") and feed.language in {"en", "ru", "hy", "az"} for feed in feeds
    )
    assert all(feed.title for feed in feeds)
    assert {"hy", "az", "ru", "en"} == {feed.language for feed in feeds}


def test_every_kind_of_source_polls_lists_and_round_trips_through_opml(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    tmp_path: Path,
    server: FeedServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tag = tmp_path.name.replace("-", "_").lower()[-20:]
    channel = f"ch_{tag}"
    server.add(
        f"/s/{channel}",
        preview_page(
            channel, "Lake Channel", [Post.text(7, "Shelling reported near Sev Lake\nMore soon.", NOW)]
        ),
        content_type="text/html; charset=utf-8",
    )
    page = server.add(
        f"/{tag}/statements",
        '<html><head><title>MoD</title></head><body><div class="item"><a href="/s/1">'
        "<h3>Обстрел у озера Сев</h3></a><span class=date>01.05.2026 10:00</span></div></body></html>",
        content_type="text/html; charset=utf-8",
    )
    json_feed = server.add(
        f"/{tag}/feed.json",
        json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": "JSON Desk",
                "items": [{"id": "j1", "url": "https://j.example/1", "title": "CSTO summit in Yerevan"}],
            }
        ),
        content_type="application/feed+json",
    )
    opml = tmp_path / "kinds.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>kinds</title></head><body>'
        f'<outline type="rss" text="Lake Channel" xmlUrl="https://t.me/{channel}" language="en"/>'
        f'<outline type="html" text="MoD statements" xmlUrl="{page}" language="ru" selector-item="div.item"'
        ' selector-title="h3" selector-date=".date" timezone="Asia/Yerevan"/>'
        f'<outline type="rss" text="JSON Desk" xmlUrl="{json_feed}"/>'
        "</body></opml>"
    )
    for name, value in {
        "DATABASE_URL": database_url,
        "FEEDS": str(opml),
        "ALLOW_PRIVATE_URLS": "true",
        "TELEGRAM_WEB_URL": server.url(""),
        "TELEGRAM_REQUEST_GAP": "0",
        "LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(f"BORDERWATCH_{name}", value)

    assert main(["poll", "--once", "--json"]) == 0
    out, err = capsys.readouterr()
    assert "feed error" not in err
    items = {item["feed"]: item for item in map(json.loads, out.splitlines())}
    assert set(items) == {"Lake Channel", "MoD statements", "JSON Desk"}
    post = items["Lake Channel"]
    assert (post["title"], post["link"]) == ("Shelling reported near Sev Lake", f"https://t.me/{channel}/7")
    assert post["entities"] == ["sev_lake"] and post["published"] == "2026-05-01T06:00:00+00:00"
    statement = items["MoD statements"]
    assert statement["entities"] == ["sev_lake"] and statement["published"] == "2026-05-01T06:00:00+00:00"
    assert statement["link"] == server.url("/s/1")
    assert items["JSON Desk"]["entities"] == ["csto"]

    assert main(["feeds", "list"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in listing] == ["telegram", "html", "feed"]

    assert main(["feeds", "export"]) == 0
    exported = capsys.readouterr().out
    assert f'type="telegram" text="Lake Channel" xmlUrl="https://t.me/s/{channel}"' in exported
    assert read_opml(exported) == [
        OpmlFeed(f"https://t.me/s/{channel}", "Lake Channel", "en", None, "telegram", None),
        OpmlFeed(
            page,
            "MoD statements",
            "ru",
            None,
            "html",
            {"item": "div.item", "title": "h3", "date": ".date", "timezone": "Asia/Yerevan"},
        ),
        OpmlFeed(json_feed, "JSON Desk", None, None, "feed", None),
    ]


def test_a_feed_url_of_thousands_of_non_ascii_characters_is_refused_by_its_length(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """2,000 CJK characters are under 2,048 as typed but 6 KB of UTF-8 (18,000 characters as sent):
    PostgreSQL's unique index of feed URLs cannot hold it. The list says which outline is too long, and the
    list without it imports."""
    long_url = "https://example.org/" + "".join(chr(0x4E00 + n * 7 % 20000) for n in range(2000))
    document = tmp_path / "long.opml"
    document.write_text(write_opml([OpmlFeed("https://example.org/rss", "Fine"), OpmlFeed(long_url)]))
    assert main(["feeds", "import", str(document)]) == 1
    err = capsys.readouterr().err
    assert "is longer than 2,048 characters as a URL (18,020" in err and str(document) in err
    document.write_text(write_opml([OpmlFeed("https://example.org/rss", "Fine")]))
    assert main(["feeds", "import", str(document)]) == 0
    assert "imported 1 new feeds" in capsys.readouterr().out
    with pytest.raises(InvalidArgument, match=r"too long \(18020 characters, at most 2048\)"):
        validate_url(long_url)  # /addfeed


def test_poll_once_says_which_feeds_another_process_is_polling(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # before: such a feed was left out in silence, as if it had been polled with nothing new
    assert main(["poll", "--once"]) == 0
    capsys.readouterr()

    leased, done = threading.Event(), threading.Event()
    held: list[str] = []

    async def a_running_worker_holding_a_feed() -> None:
        db = Database(database_url)
        try:
            now = datetime.now(UTC)
            pid = os.getpid()  # alive on this machine, and on PostgreSQL holding its lock: not seen dead
            lock = await hold_instance_lock(db, "ingest-elsewhere")
            await register_instance(
                db, "ingest-elsewhere", role="ingest", host=host_identity(), pid=pid,
                process_start=process_start(pid), now=now,
            )  # fmt: skip
            (feed,) = await claim_due_feeds(db, "ingest-elsewhere", now, 1, 900, ignore_schedule=True)
            held.append(feed.url)
            leased.set()
            await asyncio.to_thread(done.wait, 60)
            if lock is not None:
                await release_instance_lock(lock)
        finally:
            leased.set()
            await db.dispose()

    worker = threading.Thread(target=asyncio.run, args=(a_running_worker_holding_a_feed(),))
    worker.start()
    try:
        assert leased.wait(30) and held
        assert main(["poll", "--once"]) == 0
    finally:
        done.set()
        worker.join()
    err = capsys.readouterr().err
    skipped = [line for line in err.splitlines() if held[0] in line]
    assert len(skipped) == 1 and "leased to ingest-elsewhere" in skipped[0], err


def test_poll_once_does_not_blame_another_process_for_a_feed_no_process_holds(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # a feed held back after a store the database refused (feeds.schedule.wait_after_refused_store), by a
    # process that has since exited: nobody is polling it
    assert main(["poll", "--once"]) == 0
    capsys.readouterr()

    async def hold_one_feed() -> str:
        db = Database(database_url)
        try:
            now = datetime.now(UTC)
            (feed,) = await claim_due_feeds(db, "poll-gone", now, 1, 900, ignore_schedule=True)
            await release_lease(db, feed.id, "poll-gone", until=now + timedelta(minutes=10))
            return feed.url
        finally:
            await db.dispose()

    held = asyncio.run(hold_one_feed())
    assert main(["poll", "--once"]) == 0
    err = capsys.readouterr().err
    skipped = [line for line in err.splitlines() if held in line]
    assert len(skipped) == 1 and "leased to poll-gone" in skipped[0], err
    assert "is polling it" not in err, err
