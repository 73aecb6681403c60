"""ParserPool's memory of raw blocks: a document that gained entries costs feedparser only the new ones, and
the result is exactly what parse_feed gives for the whole document (same entries, text, identity keys).

The oracle is parse_feed on the whole new document; the pool first sees an older document (fewer or other
blocks), as on the previous poll, and then the new one. Run over the fixture feeds and feedparser's corpus.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest

from feeds.blocks import Split, split_document
from feeds.fetch import Fetcher
from feeds.identity import prepare_items
from feeds.model import ParsedFeed
from feeds.parse import ParseError, ParserPool, parse_feed
from feeds.sources import FEED as FEED_KIND
from feeds.sources import NewSource, SourceReader
from storage.settings import Settings
from tests.feedserver import FeedServer, rss

FEEDS = Path(__file__).parent / "data" / "feeds"
CORPUS = Path(__file__).parent / ".corpus" / "feedparser"
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
NOW = datetime(2030, 1, 1, tzinfo=UTC)
_HEADER_LINE = re.compile(rb"^Header:\s+([^:]+):(.+)$", re.MULTILINE)

FRESH_ITEM = (
    b"<item><title>Fresh &amp; <![CDATA[new]]></title><link>http://example.com/fresh?utm_source=x</link>"
    b"<guid>fresh-1</guid><description>&lt;b&gt;bold&lt;/b&gt; text</description>"
    b"<pubDate>Mon, 01 Jan 2029 10:00:00 GMT</pubDate></item>"
)
FRESH_ENTRY = (
    b'<entry><title type="html">Fresh &lt;i&gt;new&lt;/i&gt;</title><id>tag:fresh-1</id>'
    b'<link href="fresh/1"/><updated>2029-01-01T10:00:00Z</updated><summary>text</summary></entry>'
)


class ReadCounter:
    """Counts the documents feedparser is given and remembers the last one (parses run in this process)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.documents: list[bytes] = []
        original = feedparser.parse

        def parse(source: Any, **options: Any) -> Any:
            self.documents.append(source.getvalue())
            return original(source, **options)

        monkeypatch.setattr(feedparser, "parse", parse)


def _outcome(feed: ParsedFeed | ParseError) -> object:
    return ("ParseError", str(feed)) if isinstance(feed, ParseError) else feed


def _whole(body: bytes, headers: Mapping[str, str], url: str) -> object:
    try:
        return _outcome(parse_feed(body, headers, url))
    except ParseError as exc:
        return _outcome(exc)


async def _polled(pool: ParserPool, body: bytes, headers: Mapping[str, str], url: str) -> object:
    try:
        return _outcome(await pool.parse(body, headers, url))
    except ParseError as exc:
        return _outcome(exc)


def _polls(split: Split, body: bytes) -> Iterator[tuple[str, bytes, bytes]]:
    """(what happened, previous document, new document) for one splittable document."""
    fresh = FRESH_ENTRY if split.blocks[0].startswith(b"<entry") else FRESH_ITEM
    blocks = list(split.blocks)
    yield "newest entry appeared", split.with_blocks(blocks[1:]), body
    yield "one new on top", body, split.with_blocks([fresh, *blocks])
    yield "one new at the end", body, split.with_blocks([*blocks, fresh])
    yield "one replaced", body, split.with_blocks([fresh, *blocks[1:]])
    yield "a new one twice", body, split.with_blocks([fresh, fresh, *blocks])
    yield "oldest dropped", body, split.with_blocks(blocks[:-1])
    yield "nothing new, reordered", body, split.with_blocks(blocks[::-1])


async def _check(paths: list[Path], headers_of: Any) -> Counter[str]:
    counts: Counter[str] = Counter()
    mismatches: list[str] = []
    for path in paths:
        body = path.read_bytes()
        headers = headers_of(body)
        url = f"http://127.0.0.1:8097/{path.name}"
        split = split_document(body, headers, url)
        if split is None:
            counts["not splittable: always parsed whole"] += 1
            continue
        for what, previous, new in _polls(split, body):
            pool = ParserPool(inline=True)
            await _polled(pool, previous, headers, url)
            got = await _polled(pool, new, headers, url)
            if got != _whole(new, headers, url):
                mismatches.append(f"{path.name}: {what}")
            counts["polls compared"] += 1
    assert mismatches == []
    return counts


async def test_every_fixture_feed_gives_the_same_feed_as_parsing_it_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads = ReadCounter(monkeypatch)
    counts = await _check(sorted(FEEDS.iterdir()), lambda _body: RSS)
    assert counts["polls compared"] >= 70
    # most of those second polls were read from the new blocks only
    reduced = [doc for doc in reads.documents if doc.count(b"<item") + doc.count(b"<entry") <= 2]
    assert len(reduced) >= 40


@pytest.mark.corpus
async def test_the_feedparser_corpus_gives_the_same_feeds_as_parsing_them_whole(
    capsys: pytest.CaptureFixture[str],
) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"feedparser's test corpus is not in {CORPUS}: run `make corpus` to fetch it")
    paths = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".xml", ".gz", ".z"))
    counts = await _check(
        paths,
        lambda body: {n.decode().strip(): v.decode().strip() for n, v in _HEADER_LINE.findall(body)},
    )
    with capsys.disabled():
        print(f"\ncorpus through the parser memory: {dict(counts)}")
    assert counts["polls compared"] > 5000


async def test_only_the_new_item_reaches_feedparser_and_the_identity_keys_stay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads = ReadCounter(monkeypatch)
    body = (FEEDS / "repeated_guids.xml").read_bytes()
    url = "https://qafqazinfo.az/rss"
    split = split_document(body, RSS, url)
    assert split is not None
    pool = ParserPool(inline=True)
    first = await pool.parse(body, RSS, url)
    # a new item repeating the feed's one guid, with a new link, on top
    new_item = split.blocks[0].replace(b"410001", b"410009").replace("vəziyyət".encode(), b"yeni")
    newer = split.with_blocks([new_item, *split.blocks])
    second = await pool.parse(newer, RSS, url)

    assert reads.documents[-1].count(b"<item>") == 1 and b"410009" in reads.documents[-1]
    assert second == parse_feed(newer, RSS, url)
    before = [item.identity_key for item in prepare_items(first.entries, NOW)]
    after = [item.identity_key for item in prepare_items(second.entries, NOW)]
    assert after[1:] == before  # the guids repeat, so the keys are the links, on both polls
    assert after == [item.identity_key for item in prepare_items(parse_feed(newer, RSS, url).entries, NOW)]


async def test_a_new_feed_date_still_reads_only_new_items_but_other_header_changes_read_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads = ReadCounter(monkeypatch)
    url = "https://news.am/eng/rss/"
    body = (FEEDS / "rss20.xml").read_bytes()
    split = split_document(body, RSS, url)
    assert split is not None
    header = split.header.replace(
        b"<language>", b"<lastBuildDate>Mon, 01 Jan 2029 09:00:00 GMT</lastBuildDate><language>"
    )
    dated = Split(header, split.blocks, split.trailer, split.context).with_blocks(list(split.blocks[1:]))
    pool = ParserPool(inline=True)
    await pool.parse(dated, RSS, url)
    redated = dated.replace(b"09:00:00", b"10:00:00").replace(
        split.blocks[1], split.blocks[0] + b"\n" + split.blocks[1]
    )
    got = await pool.parse(redated, RSS, url)
    assert reads.documents[-1].count(b"<item>") == 1
    assert got == parse_feed(redated, RSS, url)

    retitled = redated.replace(b"<title>", b"<title>New name: ", 1)
    got = await pool.parse(retitled, RSS, url)
    assert reads.documents[-1].count(b"<item>") == len(split.blocks)
    assert got == parse_feed(retitled, RSS, url)


async def test_a_malformed_document_is_never_read_in_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    reads = ReadCounter(monkeypatch)
    url = "https://example.am/feed"
    body = (FEEDS / "rss20.xml").read_bytes()
    split = split_document(body, RSS, url)
    assert split is not None
    broken = split.with_blocks([split.blocks[0].replace(b"</title>", b"</titel>", 1), *split.blocks[1:]])
    pool = ParserPool(inline=True)
    await pool.parse(broken, RSS, url)
    again = split.with_blocks([FRESH_ITEM, *split_document(broken, RSS, url).blocks])  # type: ignore[union-attr]
    got = await pool.parse(again, RSS, url)
    assert reads.documents == [broken, again]  # the lenient reading depends on every byte: read whole
    assert got == parse_feed(again, RSS, url)


async def test_the_worker_processes_remember_as_the_inline_pool_does() -> None:
    url = "https://www.azatutyun.am/api/"
    body = (FEEDS / "rss20.xml").read_bytes()
    split = split_document(body, RSS, url)
    assert split is not None
    newer = split.with_blocks([FRESH_ITEM, *split.blocks])
    async with ParserPool(workers=1) as pool:
        assert await pool.parse(body, RSS, url) == parse_feed(body, RSS, url)
        assert await pool.parse(newer, RSS, url) == parse_feed(newer, RSS, url)


def test_split_refuses_what_it_cannot_cut_safely() -> None:
    url = "https://example.am/feed"
    head, tail = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>', b"</channel></rss>"
    item = b"<item><title>a</title></item>"
    assert split_document(head + item + item + tail, RSS, url) is not None
    for body in (
        head + b"<item><item><title>a</title></item></item>" + tail,  # nested
        head + b"<item/>" + item + tail,  # self-closing
        head + item + b"<p>between</p>" + item + tail,  # markup between items
        head + b"<!-- <item> " + item + tail,  # a comment left open
        head + b"<entry><title>a</title></item>" + tail,  # mismatched end tag
        head + tail,  # no items
        "<?xml version='1.0' encoding='utf-16'?><rss/>".encode("utf-16"),  # not ASCII-compatible
    ):
        assert split_document(body, RSS, url) is None, body
    # an <item> inside a comment or CDATA is text, not a block
    commented = head + b"<!-- <item>x</item> -->" + item + tail
    split = split_document(commented, RSS, url)
    assert split is not None and split.blocks == (item,)
    assert feedparser.parse(commented).entries[0].title == "a"


async def test_a_feed_redirected_to_a_new_address_on_every_poll_is_remembered_once() -> None:
    """A feed behind a gateway that redirects each request to an address with a new session token: the
    pool's memory is the feed's, not one more per address it was sent to (issue: it grew by one document's
    entries on every poll, without bound, for as long as the process ran)."""
    settings = Settings(allow_private_urls=True, fetch_timeout=5, connect_timeout=2)
    fetcher = Fetcher(settings)
    pool = ParserPool(inline=True)
    reader = SourceReader(settings, fetcher, pool, lambda: NOW)
    with FeedServer() as server:
        feed = server.url("/news.xml")
        for poll in range(12):
            target = f"/news.xml.cached?session={poll:04x}"
            items = [(f"g{n}", f"Item {n}", f"http://example.com/{n}", "text") for n in range(poll + 1)]
            server.add(target, rss("Gateway", items))
            server.add("/news.xml", fault="redirect", location=server.url(target))
            reading = await reader.read(NewSource(FEED_KIND, feed))
            assert reading.feed is not None and len(reading.feed.entries) == poll + 1
    await fetcher.aclose()
    assert len(pool._memory) == 1
